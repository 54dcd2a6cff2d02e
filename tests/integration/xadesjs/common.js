'use strict';
// Shared set-up for sign.js and verify.js: xadesjs on Node.js needs a DOM
// (@xmldom/xmldom), an XPath engine (xpath) and WebCrypto, which node:crypto
// has had since Node.js 15 (so no @peculiar/webcrypto; Debian 12 ships 18).
const { webcrypto } = require('node:crypto');
const xmldom = require('@xmldom/xmldom');
const xpath = require('xpath');
const xadesjs = require('xadesjs');

if (!webcrypto || !webcrypto.subtle) throw new Error(`Node.js ${process.version} has no WebCrypto`);
xadesjs.setNodeDependencies({
  XMLSerializer: xmldom.XMLSerializer,
  DOMParser: xmldom.DOMParser,
  DOMImplementation: xmldom.DOMImplementation,
  xpath,
});
xadesjs.Application.setEngine('NodeJS', webcrypto);

const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

/// Parses "--name value" pairs and bare arguments.
function parseArgs(argv, known) {
  const options = {};
  const rest = [];
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const name = a.slice(2);
      if (!known.includes(name)) throw new Error(`unknown option ${a}`);
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      options[name] = argv[++i];
    } else {
      rest.push(a);
    }
  }
  return { options, rest };
}

/// Base64 of the DER inside a PEM file's first CERTIFICATE block.
function pemCertificateBase64(pem) {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error('no CERTIFICATE block in the PEM file');
  return m[1].replace(/\s+/g, '');
}

/// Runs `main`, prints an error as one JSON line on stdout and exits 2.
function runMain(main) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stdout.write(JSON.stringify({ error: String(e && e.stack ? e.stack : e) }) + '\n');
      process.exit(2);
    },
  );
}

module.exports = { webcrypto, xadesjs, xmldom, DSIG_NS, parseArgs, pemCertificateBase64, runMain };
