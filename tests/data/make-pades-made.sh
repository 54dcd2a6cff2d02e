#!/bin/bash
# Makes tests/data/pades-made/: PDFs signed by the tools Debian ships
# (poppler's pdfsig, podofosign, qpdf-rewritten files) and by securedoc-cli
# on top of them, plus one attack, each with a MANIFEST.tsv row in the
# columns of ../shared/corpus/MANIFEST.tsv and a `validation_time` column.
# test_corpus verifies every row (tests/README.md).
#
#   tests/data/make-pades-made.sh SECUREDOC_CLI [OUT_DIR]
#
# SECUREDOC_CLI is a built securedoc-cli (build/<dir>/app/cli/securedoc-cli);
# OUT_DIR defaults to tests/data/pades-made beside this script.
#
# A test CA of its own: "SecureDoc pades-made Test CA" (RSA 2048) issues
# three signers, "Anna Testowa" and "Piotr Testowy" (RSA 2048) and "Jan
# Testowy" (ECDSA P-256); all four are valid for about 30 years from the day the script runs, so the
# files keep verifying.  Only the CA certificate (ca.pem, the trust anchor)
# is written to OUT_DIR: every private key is made in a temporary folder and
# deleted with it.  Each run makes new keys, so it rewrites every file.
#
# The base document is samples/documents/contract.pdf with one incremental
# update that adds an /AcroForm whose /DR names a font "popplerfont" with
# /BaseFont /Helvetica#20 (not embedded): poppler 22.12's pdfsig looks for
# exactly that name (Form::findPdfFontNameToUseForSigning) and otherwise
# embeds a whole system font (about 1 MiB) into every file it signs.
#
# Expectations: every signature of every honest file is reported "Signature
# is Valid" and "Certificate is Trusted" by pdfsig (NSS database trusting
# ca.pem) and verifies with `openssl cms -verify -CAfile ca.pem` over its
# byte ranges; the script stops when one does not.  The evidence column
# records those runs.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 SECUREDOC_CLI [OUT_DIR]" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
cli=$(realpath "$1")
out=${2:-$here/pades-made}
contract=$here/../../samples/documents/contract.pdf

for tool in openssl certutil pk12util pdfsig pdftoppm podofosign qpdf python3; do
  command -v "$tool" >/dev/null || { echo "$0: $tool is missing (Debian: openssl, libnss3-tools, poppler-utils, libpodofo-utils, qpdf, python3)" >&2; exit 1; }
done
[[ -x $cli ]] || { echo "$0: $cli is not an executable securedoc-cli" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# ------------------------------------------------------------------ the CA ---
export OPENSSL_CONF=$work/ca.cnf
cat >ca.cnf <<'CNF'
[req]
distinguished_name = dn
string_mask        = utf8only
utf8               = yes
[dn]
[v3_ca]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[v3_signer]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, nonRepudiation, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
CNF
quiet() { "$@" >log.txt 2>&1 || { cat log.txt >&2; echo "$0: failed: $*" >&2; exit 1; }; }
serial() { echo "0x$(openssl rand -hex 16)"; }
echo "pades-made $(openssl rand -hex 8)" >password.txt

quiet openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca.key
quiet openssl req -x509 -new -key ca.key -sha256 -days 10958 -set_serial "$(serial)" \
  -subj "/C=PL/O=SecureDoc Tests/CN=SecureDoc pades-made Test CA" -extensions v3_ca -out ca.pem
quiet openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out anna.key
quiet openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out piotr.key
quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out jan.key
for signer in "anna:Anna Testowa" "piotr:Piotr Testowy" "jan:Jan Testowy"; do
  name=${signer%%:*} cn=${signer#*:}
  quiet openssl req -new -key "$name.key" -subj "/C=PL/O=SecureDoc Tests/CN=$cn" -out "$name.csr"
  quiet openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -set_serial "$(serial)" -days 10950 -sha256 \
    -extfile ca.cnf -extensions v3_signer -out "$name.pem"
  quiet openssl pkcs12 -export -inkey "$name.key" -in "$name.pem" -certfile ca.pem -name "$cn" \
    -passout file:password.txt -out "$name.p12"
done

# poppler signs through NSS only: a database with the signers and the CA trusted.
# pdfsig signs with the RSA keys only: pdfsig 22.12 reserves room for an
# ECDSA signature of one length, and about every other run the DER comes
# out longer ("signDocument: unable update signature", exit 3).
nss=sql:$work/nssdb
mkdir nssdb
quiet certutil -N --empty-password -d "$nss"
quiet pk12util -i anna.p12 -d "$nss" -w password.txt
quiet pk12util -i piotr.p12 -d "$nss" -w password.txt
quiet pk12util -i jan.p12 -d "$nss" -w password.txt
quiet certutil -A -n "pades-made CA" -t CT,C,C -i ca.pem -d "$nss"

# ------------------------------------------------------------- PDF helper ---
# Incremental updates (ISO 32000-1 §7.5.6) and the CMS of a signature.
cat >pdftool.py <<'PY'
import re, sys

def last_trailer(pdf):
    at = pdf.rindex(b'startxref')
    sx = int(re.search(rb'startxref\s+(\d+)', pdf[at:]).group(1))
    if pdf[sx:sx + 4] == b'xref':
        t = pdf[pdf.index(b'trailer', sx):at]
    else:  # a cross-reference stream: its dictionary
        t = pdf[sx:pdf.index(b'stream', sx)]
    size = int(re.search(rb'/Size\s+(\d+)', t).group(1))
    root = int(re.search(rb'/Root\s+(\d+)\s+0\s+R', t).group(1))
    info = re.search(rb'/Info\s+(\d+)\s+0\s+R', t)
    return sx, size, root, int(info.group(1)) if info else None

def body(pdf, n):
    """The newest uncompressed definition of object n."""
    starts = [m.end() for m in re.finditer(rb'(?<![0-9])%d 0 obj' % n, pdf)]
    if not starts:
        sys.exit('object %d is not defined outside an object stream' % n)
    return pdf[starts[-1]:pdf.index(b'endobj', starts[-1])].strip()

def ref_after(text, key):
    return int(re.search(key + rb'\s*\[?\s*(\d+)\s+0\s+R', text).group(1))

def append(pdf, objects):
    sx, size, root, info = last_trailer(pdf)
    out = bytearray(pdf)
    if not out.endswith(b'\n'):
        out += b'\n'
    offsets = {}
    for n in sorted(objects):
        offsets[n] = len(out)
        out += b'%d 0 obj\n' % n + objects[n] + b'\nendobj\n'
        size = max(size, n + 1)
    xref = len(out)
    out += b'xref\n'
    for n in sorted(offsets):
        out += b'%d 1\n%010d 00000 n \n' % (n, offsets[n])
    out += b'trailer\n<< /Size %d /Root %d 0 R ' % (size, root)
    if info:
        out += b'/Info %d 0 R ' % info
    out += b'/Prev %d >>\nstartxref\n%d\n%%%%EOF\n' % (sx, xref)
    return bytes(out)

def form_resources(pdf):
    sx, size, root, info = last_trailer(pdf)
    catalog = body(pdf, root)
    assert b'/AcroForm' not in catalog
    catalog = catalog[:catalog.rindex(b'>>')] + b' /AcroForm %d 0 R >>' % size
    form = (b'<< /Fields [] /DR << /Font << /popplerfont << /Type /Font /Subtype /Type1 '
            b'/BaseFont /Helvetica#20 /Encoding /WinAnsiEncoding >> >> >> /DA (/popplerfont 0 Tf 0 g) >>')
    return append(pdf, {root: catalog, size: form})

def forge_amount(pdf):
    sx, size, root, info = last_trailer(pdf)
    pages = ref_after(body(pdf, root), rb'/Pages')
    page = ref_after(body(pdf, pages), rb'/Kids')
    content = ref_after(body(pdf, page), rb'/Contents')
    old = body(pdf, content)
    data = old[old.index(b'stream') + 6:old.rindex(b'endstream')].strip(b'\r\n')
    forged = data.replace(b'12 300,00', b'99 999,00').replace(b'12,300.00', b'99,999.00')
    assert forged != data, 'the amount is on page 1'
    return append(pdf, {content: b'<< /Length %d >>\nstream\n' % len(forged) + forged + b'\nendstream'})

def signature(pdf, index):
    """The CMS and the signed bytes of signature `index` (1-based, in file order)."""
    ranges = [tuple(map(int, m.groups())) for m in
              re.finditer(rb'/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]', pdf)]
    a, b, c, d = ranges[index - 1]
    hexdigits = pdf[a + b:c].strip().strip(b'<>')
    der = bytes.fromhex(hexdigits.decode())
    if der[1] & 0x80 and der[1] != 0x80:  # definite length: cut the zero padding
        n = der[1] & 0x7f
        der = der[:2 + n + int.from_bytes(der[2:2 + n], 'big')]
    return der, pdf[a:a + b] + pdf[c:c + d]

cmd, src = sys.argv[1], open(sys.argv[2], 'rb').read()
if cmd == 'form-resources':
    open(sys.argv[3], 'wb').write(form_resources(src))
elif cmd == 'forge-amount':
    open(sys.argv[3], 'wb').write(forge_amount(src))
elif cmd == 'signature':
    der, data = signature(src, int(sys.argv[3]))
    open(sys.argv[4], 'wb').write(der)
    open(sys.argv[5], 'wb').write(data)
elif cmd == 'count':
    print(len(re.findall(rb'/ByteRange\s*\[', src)))
PY

pdfsig_sign() {  # IN OUT NICK FIELD [pdfsig options...]
  local in=$1 outfile=$2 nick=$3 field=$4
  shift 4
  quiet pdfsig -nssdir "$nss" -add-signature -nick "$nick" -new-signature-field-name "$field" "$@" "$in" "$outfile"
}

# ------------------------------------------------------------ evidence ---
# ev=$(evidence FILE SIGNATURES TOTAL) (an assignment, so that set -e stops
# the script when it fails): pdfsig with certificate validation (the
# NSS database trusts ca.pem; the certificates have no AIA or CRL
# distribution point, so nothing is fetched) and openssl cms -verify for
# each signature; TOTAL "yes" means the last signature covers the whole
# file, "no" that none does.  Prints the evidence text; exits on a failure.
evidence() {
  local file=$1 count=$2 total=$3 text i report block
  report=$(pdfsig -nssdir "$nss" "$file" 2>/dev/null) || true
  [[ $(grep -c '^Signature #' <<<"$report") == "$count" ]] || { echo "$report" >&2; echo "$0: pdfsig does not list $count signatures in $file" >&2; exit 1; }
  [[ $(python3 pdftool.py count "$file") == "$count" ]] || { echo "$0: $file does not hold $count /ByteRange" >&2; exit 1; }
  text="pdfsig $popplerVersion (certificate validation, NSS db trusting ca.pem):"
  for ((i = 1; i <= count; i++)); do
    block=$(awk -v n="$i" '/^Signature #/{s=($0 == "Signature #" n ":")} s' <<<"$report")
    grep -q 'Signature Validation: Signature is Valid.' <<<"$block" &&
      grep -q 'Certificate Validation: Certificate is Trusted.' <<<"$block" ||
      { echo "$block" >&2; echo "$0: pdfsig does not accept signature $i of $file" >&2; exit 1; }
    local covers="not total document signed"
    grep -q 'Total document signed' <<<"$block" && covers="total document signed"
    if [[ $total == yes && $i == "$count" && $covers != "total document signed" ]] ||
       [[ $total == no && $covers == "total document signed" ]]; then
      echo "$block" >&2; echo "$0: signature $i of $file: $covers" >&2; exit 1
    fi
    text+=" #$i $(sed -n 's/^ *- Signature Field Name: //p' <<<"$block") ($(sed -n 's/^ *- Signature Type: //p' <<<"$block"), $(sed -n 's/^ *- Signing Hash Algorithm: //p' <<<"$block")): Signature is Valid, Certificate is Trusted, $covers;"
    python3 pdftool.py signature "$file" "$i" cms.der signed.bin
    quiet openssl cms -verify -binary -inform DER -in cms.der -content signed.bin -CAfile ca.pem -purpose any -out /dev/null
  done
  quiet qpdf --check "$file"
  text+=" $(openssl version | cut -d' ' -f1-2) cms -verify -CAfile ca.pem over each /ByteRange: Verification successful for all $count;"
  text+=" qpdf --check: no syntax or stream encoding errors"
  echo "$text"
}

# ----------------------------------------------------------- the files ---
python3 pdftool.py form-resources "$contract" base.pdf
mkdir made
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
validation=$(date -u -d '+1 day' +%Y-%m-%dT00:00:00Z)
popplerVersion=$({ pdfsig -v 2>&1 || true; } | sed -n '1s/pdfsig version //p')
qpdfVersion=$({ qpdf --version || true; } | sed -n '1s/qpdf version //p')
podofoVersion=$(dpkg-query -W -f='${Version}' libpodofo-utils 2>/dev/null || echo "unknown version")
source="made by tests/data/make-pades-made.sh on $now from samples/documents/contract.pdf (plus an /AcroForm /DR update)"
license="SecureDoc test data"
rows=()
row() {  # FILE PRODUCER SIGNATURES INDICATION EVIDENCE NOTES
  rows+=("$1	pades	$2	$source	$license	$3	intact	$4	-	ca.pem	-	$5	$6	$validation")
}

# 1. pdfsig twice (pdfsig 22.12 refuses -etsi with -add-signature).
pdfsig_sign base.pdf anna.pdf "Anna Testowa" Anna -reason "Zatwierdzam / Approved"
pdfsig_sign anna.pdf made/pdfsig-twice.pdf "Piotr Testowy" Piotr -reason "Akceptuje / Accepted"
ev=$(evidence made/pdfsig-twice.pdf 2 yes)
row pdfsig-twice.pdf "poppler pdfsig $popplerVersion (twice)" 2 TOTAL-PASSED \
  "$ev" \
  "B-B; pdfsig -add-signature twice, invisible fields Anna and Piotr (adbe.pkcs7.detached, RSA 2048, SHA-256); the second revision only adds the signature field"

# 2. podofosign over a pdfsig signature.
podofosign -in anna.pdf -out made/podofosign-over-pdfsig.pdf -cert jan.pem -pkey jan.key -field-name Jan \
  -digest sha256 -reason "Approved" -sigsize 4096 >log.txt 2>&1 || { cat log.txt >&2; exit 1; }
ev=$(evidence made/podofosign-over-pdfsig.pdf 2 yes)
row podofosign-over-pdfsig.pdf "podofosign (libpodofo-utils $podofoVersion) over poppler pdfsig $popplerVersion" 2 TOTAL-PASSED \
  "$ev" \
  "B-B; pdfsig signature Anna (adbe.pkcs7.detached, RSA 2048), then podofosign field Jan (adbe.pkcs7.detached, ECDSA P-256, SHA-256; no CA certificate in the CMS)"

# 3. pdfsig over a document qpdf rewrote with object streams (a cross-reference stream).
quiet qpdf --object-streams=generate base.pdf objstm.pdf
pdfsig_sign objstm.pdf made/pdfsig-objstm.pdf "Anna Testowa" Anna -reason "Zatwierdzam / Approved"
ev=$(evidence made/pdfsig-objstm.pdf 1 yes)
row pdfsig-objstm.pdf "poppler pdfsig $popplerVersion over qpdf $qpdfVersion --object-streams=generate" 1 TOTAL-PASSED \
  "$ev" \
  "B-B; adbe.pkcs7.detached, RSA 2048; the signed document has object streams and a cross-reference stream, and pdfsig's update is a cross-reference stream too"

# 4. pdfsig over a linearized document.
quiet qpdf --linearize base.pdf linearized.pdf
pdfsig_sign linearized.pdf made/pdfsig-linearized.pdf "Anna Testowa" Anna -reason "Zatwierdzam / Approved"
ev=$(evidence made/pdfsig-linearized.pdf 1 yes)
row pdfsig-linearized.pdf "poppler pdfsig $popplerVersion over qpdf $qpdfVersion --linearize" 1 TOTAL-PASSED \
  "$ev" \
  "B-B; adbe.pkcs7.detached, RSA 2048; the signed document was linearized (a first-page cross-reference section at the start), pdfsig appended an incremental update"

# 5. securedoc-cli over the pdfsig-signed cross-reference-stream document.
"$cli" sign --signer "pkcs12:$work/jan.p12" --password-file password.txt --output made/securedoc-over-pdfsig-objstm.pdf \
  made/pdfsig-objstm.pdf >log.txt 2>&1 || { cat log.txt >&2; echo "$0: securedoc-cli sign failed" >&2; exit 1; }
ev=$(evidence made/securedoc-over-pdfsig-objstm.pdf 2 yes)
row securedoc-over-pdfsig-objstm.pdf "securedoc-cli over poppler pdfsig $popplerVersion over qpdf $qpdfVersion --object-streams=generate" 2 TOTAL-PASSED \
  "$ev" \
  "pdfsig-objstm.pdf (Anna, adbe.pkcs7.detached, RSA 2048) signed again by securedoc-cli sign (Jan, ECDSA P-256, the CLI's default PAdES level) on a document whose last section is a cross-reference stream"

# 6. An attack: the amount on page 1 changed by an incremental update after pdfsig signed.
python3 pdftool.py forge-amount anna.pdf made/attack-pdfsig-amount-changed.pdf
pdftoppm -r 30 -png -f 1 -l 1 anna.pdf signed-page >/dev/null 2>&1
pdftoppm -r 30 -png -f 1 -l 1 made/attack-pdfsig-amount-changed.pdf attacked-page >/dev/null 2>&1
if cmp -s signed-page-1.png attacked-page-1.png; then
  echo "$0: the forged amount does not change how page 1 looks" >&2
  exit 1
fi
ev=$(evidence made/attack-pdfsig-amount-changed.pdf 1 no)
row attack-pdfsig-amount-changed.pdf "poppler pdfsig $popplerVersion; the update by make-pades-made.sh" 1 TOTAL-FAILED \
  "$ev; pdftoppm: page 1 of the signed revision and of the file differ" \
  "pdfsig signature Anna (adbe.pkcs7.detached, RSA 2048), then modified after signing by an incremental update (visible change): page 1's content stream redefined, 12 300,00 PLN shown as 99 999,00 PLN; the signature itself is cryptographically intact"

# -------------------------------------------------------------- output ---
mkdir -p "$out"
rm -f "$out"/*.pdf "$out/MANIFEST.tsv" "$out/ca.pem"
cp made/*.pdf "$out/"
cp ca.pem "$out/ca.pem"
{
  printf 'file\tformat\tproducer\tsource\tlicense\tsignatures\texpected_integrity\texpected_indication\tsubindication\ttrust_anchor\tdetached_content\tevidence\tnotes\tvalidation_time\n'
  printf '%s\n' "${rows[@]}"
} >"$out/MANIFEST.tsv"
echo "wrote ${#rows[@]} files, ca.pem and MANIFEST.tsv to $out ($(du -sk "$out" | cut -f1) KiB)"
