'use strict';
// Signs an XML file with xadesjs as an enveloped XAdES-BES (B-B) signature:
//
//   node sign.js --key KEY.pem --cert CERT.pem [--chain CA.pem]
//                [--data-reference-uri empty|omitted] --out OUT.xml IN.xml
//
// KEY.pem is a PEM private key (PKCS#8, or anything node:crypto reads), RSA
// or EC P-256; CERT.pem its certificate; CA.pem an issuing CA put into
// KeyInfo beside it (each in an X509Data of its own, as xadesjs does).  The
// one data reference has the enveloped-signature and exclusive c14n
// transforms and URI="" (--data-reference-uri empty, the default) or no URI
// attribute at all (omitted: what xadesjs writes when no uri is given;
// XMLDSig 1.1 §4.4.3.1 allows that for one reference, "the receiving
// application is expected to know the identity of the object").  xadesjs adds
// the SignedProperties reference (Type http://uri.etsi.org/01903#SignedProperties,
// no transforms, so inclusive c14n), SigningTime with milliseconds, and here
// SigningCertificateV2 (SHA-256), as EN 319 132-1 baseline B-B asks.
// Prints {"output": OUT} and exits 0; an error is printed as {"error": ...}, exit 2.
const fs = require('node:fs');
const nodeCrypto = require('node:crypto');
const { webcrypto, xadesjs, parseArgs, pemCertificateBase64, runMain } = require('./common.js');

async function main() {
  const { options, rest } = parseArgs(process.argv.slice(2), ['key', 'cert', 'chain', 'out', 'data-reference-uri']);
  if (rest.length !== 1 || !options.key || !options.cert || !options.out) {
    throw new Error('usage: node sign.js --key KEY.pem --cert CERT.pem [--chain CA.pem] ' +
                    '[--data-reference-uri empty|omitted] --out OUT.xml IN.xml');
  }
  const referenceUri = options['data-reference-uri'] || 'empty';
  if (referenceUri !== 'empty' && referenceUri !== 'omitted') throw new Error('--data-reference-uri is empty or omitted');

  const privateKey = nodeCrypto.createPrivateKey(fs.readFileSync(options.key));
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  let algorithm;
  let importParams;
  if (privateKey.asymmetricKeyType === 'rsa') {
    importParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  } else if (privateKey.asymmetricKeyType === 'ec') {
    const curve = privateKey.asymmetricKeyDetails.namedCurve;
    if (curve !== 'prime256v1') throw new Error(`EC curve ${curve} is not supported here (P-256 only)`);
    importParams = { name: 'ECDSA', namedCurve: 'P-256' };
    algorithm = { name: 'ECDSA', hash: 'SHA-256' };
  } else {
    throw new Error(`key type ${privateKey.asymmetricKeyType} is not supported`);
  }
  const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, importParams, false, ['sign']);

  const certificate = pemCertificateBase64(fs.readFileSync(options.cert, 'utf8'));
  const x509 = [certificate];
  if (options.chain) x509.push(pemCertificateBase64(fs.readFileSync(options.chain, 'utf8')));

  const doc = xadesjs.Parse(fs.readFileSync(rest[0], 'utf8'));
  const signedXml = new xadesjs.SignedXml();
  const reference = { hash: 'SHA-256', transforms: ['enveloped', 'exc-c14n'] };
  if (referenceUri === 'empty') reference.uri = '';
  await signedXml.Sign(algorithm, key, doc, {
    x509,
    references: [reference],
    signingTime: { value: new Date() },
    signingCertificateV2: { certificate, digestAlgorithm: 'SHA-256' },
  });

  // toString() puts the signature as the last child of the document element.
  fs.writeFileSync(options.out, '<?xml version="1.0" encoding="UTF-8"?>\n' + signedXml.toString());
  process.stdout.write(JSON.stringify({ output: options.out }) + '\n');
  return 0;
}

runMain(main);
