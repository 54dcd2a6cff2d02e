'use strict';
// Verifies the (first) ds:Signature of an XML file with xadesjs:
//
//   node verify.js [--content-dir DIR] FILE.xml
//
// A reference whose URI is neither "" nor "#id" (a detached signature) is
// read from DIR (default: the folder of FILE.xml), the URI taken as a
// relative file name.
//
// Prints one JSON object and exits 0 when the signature is valid, 1 when it
// is not, 2 on an error (bad usage, unreadable file, no signature):
//   references         [{uri, type, transforms}] as xadesjs parsed them
//   xades              a xades:QualifyingProperties was found
//   signedPropertiesReferenced  a reference of Type ...#SignedProperties points at
//                      the xades:SignedProperties element by its Id
//   signingCertificate {element: "SigningCertificateV2"|"SigningCertificate"|null,
//                       matches: the CertDigest equals the digest of one KeyInfo
//                       certificate, subject: that certificate's subject}
//   libraryVerify      {valid, error}: xadesjs' own SignedXml.Verify(), which
//                      tries the key of every KeyInfo certificate
//   signerKeyVerify    {referencesValid, signatureValueValid, error}: the same
//                      checks (ValidateReferences, ValidateSignatureValue) with
//                      only the key of the certificate SigningCertificate(V2) names
//   valid              signerKeyVerify passed both checks
//
// Why two verifications: xmldsigjs 2.8's GetPublicKeys() exports the key of
// every X509Data certificate with the signature's algorithm.  For an ECDSA
// signature whose KeyInfo also carries the (RSA) issuing CA, exporting the
// CA's key as ECDSA throws "Cannot get Curved name from the ECDSA public key",
// so SignedXml.Verify() fails before it checks anything.  XAdES names the
// signing certificate in the signed properties, so the key of that
// certificate is the one a XAdES verifier uses.
const fs = require('node:fs');
const path = require('node:path');
const nodeCrypto = require('node:crypto');
const { xadesjs, DSIG_NS, parseArgs, runMain } = require('./common.js');

const SIGNED_PROPERTIES_TYPE = 'http://uri.etsi.org/01903#SignedProperties';
const DIGESTS = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};

function errorText(e) {
  return String(e && e.message ? e.message : e);
}

function keyInfoCertificates(signedXml) {
  const certs = [];
  const keyInfo = signedXml.XmlSignature.KeyInfo;
  for (let i = 0; i < keyInfo.Count; ++i) {
    const item = keyInfo.Item(i);
    if (item && item.Certificates) certs.push(...item.Certificates.filter(Boolean));
  }
  return certs;
}

/// The KeyInfo certificate whose digest SigningCertificate(V2) holds.
function signingCertificate(signedXml) {
  const result = { element: null, matches: false, subject: null, certificate: null };
  const props = signedXml.Properties;
  if (!props) return result;
  const ssp = props.SignedProperties.SignedSignatureProperties;
  let list = null;
  if (ssp.SigningCertificateV2 && ssp.SigningCertificateV2.Count) {
    result.element = 'SigningCertificateV2';
    list = ssp.SigningCertificateV2;
  } else if (ssp.SigningCertificate && ssp.SigningCertificate.Count) {
    result.element = 'SigningCertificate';
    list = ssp.SigningCertificate;
  }
  if (!list) return result;
  const certDigest = list.Item(0).CertDigest;
  const hash = DIGESTS[certDigest.DigestMethod.Algorithm];
  if (!hash) return result;
  const expected = Buffer.from(certDigest.DigestValue).toString('base64');
  for (const cert of keyInfoCertificates(signedXml)) {
    const actual = nodeCrypto.createHash(hash).update(cert.GetRaw()).digest('base64');
    if (actual === expected) {
      result.matches = true;
      result.subject = cert.Subject;
      result.certificate = cert;
      break;
    }
  }
  return result;
}

async function main() {
  const { options, rest } = parseArgs(process.argv.slice(2), ['content-dir']);
  if (rest.length !== 1) throw new Error('usage: node verify.js [--content-dir DIR] FILE.xml');
  const file = rest[0];
  const contentDir = options['content-dir'] || path.dirname(path.resolve(file));

  // xmldsigjs keeps state in its transforms (a second ValidateReferences()
  // on the same SignedXml computes another digest), so each verification
  // below parses the file afresh.
  const load = () => {
    const doc = xadesjs.Parse(fs.readFileSync(file, 'utf8'));
    const signatures = doc.getElementsByTagNameNS(DSIG_NS, 'Signature');
    if (signatures.length === 0) throw new Error(`no ds:Signature in ${file}`);
    const signedXml = new xadesjs.SignedXml(doc);
    signedXml.LoadXml(signatures[0]);
    // Detached content: a reference to a file, by its relative name.
    signedXml.contentHandler = async (reference) => {
      const uri = reference.Uri;
      if (!uri || uri.startsWith('#')) return null;
      return new Uint8Array(fs.readFileSync(path.resolve(contentDir, decodeURIComponent(uri))));
    };
    return { doc, signatures, signedXml };
  };
  const { signatures, signedXml } = load();

  const report = { file, signatureCount: signatures.length, signatureId: signedXml.XmlSignature.Id || null };
  report.signatureMethod = signedXml.XmlSignature.SignedInfo.SignatureMethod.Algorithm;
  report.references = [];
  for (const ref of signedXml.XmlSignature.SignedInfo.References.GetIterator()) {
    const transforms = [];
    if (ref.Transforms) for (const t of ref.Transforms.GetIterator()) transforms.push(t.Algorithm);
    report.references.push({ uri: ref.Uri === undefined ? null : ref.Uri, type: ref.Type || null, transforms });
  }
  report.xades = signedXml.Properties !== null;
  const spId = report.xades ? signedXml.Properties.SignedProperties.Id : null;
  report.signedPropertiesReferenced =
      !!spId && report.references.some((r) => r.type === SIGNED_PROPERTIES_TYPE && r.uri === `#${spId}`);

  const sc = signingCertificate(signedXml);
  report.signingCertificate = { element: sc.element, matches: sc.matches, subject: sc.subject };

  report.libraryVerify = { valid: false, error: null };
  try {
    report.libraryVerify.valid = await load().signedXml.Verify();
  } catch (e) {
    report.libraryVerify.error = errorText(e);
  }

  report.signerKeyVerify = { referencesValid: false, signatureValueValid: false, error: null };
  if (!sc.certificate) {
    report.signerKeyVerify.error = 'no KeyInfo certificate matches SigningCertificate(V2)';
  } else {
    try {
      const fresh = load();
      // As Verify() does: the references on a copy of the document element.
      report.signerKeyVerify.referencesValid =
          await fresh.signedXml.ValidateReferences(fresh.doc.documentElement.cloneNode(true));
      const algorithm = JSON.parse(JSON.stringify(fresh.signedXml.Algorithm));
      const key = await sc.certificate.exportKey(algorithm);
      report.signerKeyVerify.signatureValueValid = await fresh.signedXml.ValidateSignatureValue([key]);
    } catch (e) {
      report.signerKeyVerify.error = errorText(e);
    }
  }
  report.valid = report.signerKeyVerify.referencesValid && report.signerKeyVerify.signatureValueValid;
  process.stdout.write(JSON.stringify(report, null, 1) + '\n');
  return report.valid ? 0 : 1;
}

runMain(main);
