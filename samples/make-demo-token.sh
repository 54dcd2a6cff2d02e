#!/usr/bin/env bash
# Puts the demo signers of a demo PKI (made by make-demo-pki.sh) on two
# SoftHSM2 tokens, for trying the PKCS#11 signer without a smart card.
# FOR TESTING ONLY: the PINs are trivial and the keys came from files.
#
# Usage: samples/make-demo-token.sh [--force] OUTDIR PKIDIR [PIN]
#   PIN (the user PIN of both tokens) defaults to "1234"; the SO PIN is
#   "12345678".  Without --force, an OUTDIR that already contains
#   softhsm2.conf is left untouched; with --force its tokens are made anew.
#
# Writes OUTDIR/softhsm2.conf and the token store OUTDIR/tokens:
#   "SecureDoc RSA": Jan Kowalski's RSA private key, public key and certificate
#                    (CKA_ID 01, label "Jan Kowalski"), the issuing CA certificate
#                    (CKA_ID 02, label "SecureDoc Demo Issuing CA", no key)
#   "SecureDoc EC":  Anna Nowak's P-256 private key, public key and certificate
#                    (CKA_ID 01, label "Anna Nowak"), the issuing CA certificate (CKA_ID 02)
# The private keys are private and sensitive (pkcs11-tool's defaults).
# Use the tokens with:  export SOFTHSM2_CONF=OUTDIR/softhsm2.conf
set -euo pipefail

usage() { echo "usage: $0 [--force] OUTDIR PKIDIR [PIN]" >&2; exit 2; }

force=0
if [[ ${1:-} == --force ]]; then force=1; shift; fi
[[ $# -ge 2 && $# -le 3 ]] || usage
outdir=$1
pkidir=$2
pin=${3:-1234}
pin=${pin%$'\n'}; pin=${pin%$'\r'}   # tolerate a trailing newline
so_pin=12345678
[[ -n $pin ]] || { echo "$0: empty PIN" >&2; exit 2; }
# SoftHSM2 accepts PINs of 4 to 255 bytes.
(( ${#pin} >= 4 && ${#pin} <= 255 )) || { echo "$0: the PIN must have 4 to 255 characters" >&2; exit 2; }

module=/usr/lib/softhsm/libsofthsm2.so

if [[ -e $outdir/softhsm2.conf && $force -eq 0 ]]; then
  outdir_abs=$(cd "$outdir" && pwd)
  echo "Demo tokens in $outdir"
  echo "export SOFTHSM2_CONF=$outdir_abs/softhsm2.conf"
  exit 0
fi

for f in signer-rsa.p12 signer-ec.p12 password.txt issuing-ca.pem; do
  [[ -r $pkidir/$f ]] || { echo "$0: $pkidir/$f not found (make the PKI with samples/make-demo-pki.sh)" >&2; exit 1; }
done
for tool in openssl softhsm2-util pkcs11-tool; do
  command -v "$tool" >/dev/null || { echo "$0: $tool not found (Debian packages openssl, softhsm2, opensc)" >&2; exit 1; }
done
[[ -e $module ]] || { echo "$0: $module not found (Debian package softhsm2)" >&2; exit 1; }

pkidir_abs=$(cd "$pkidir" && pwd)
mkdir -p "$outdir"
outdir_abs=$(cd "$outdir" && pwd)

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Run a command silently; show its output only if it fails.  The PINs are
# hidden from the message (the command line may hold them).
run() {
  local log; log=$(mktemp "$work/log.XXXXXX")
  if ! "$@" >"$log" 2>&1; then
    local cmd="$*"
    cmd=${cmd//"$so_pin"/***}; cmd=${cmd//"$pin"/***}
    echo "$0: command failed: $cmd" >&2
    cat "$log" >&2
    exit 1
  fi
}

# The token store: a fresh one with --force (only the folder this script owns).
conf=$outdir_abs/softhsm2.conf
tokendir=$outdir_abs/tokens
rm -rf "$tokendir"
mkdir -p "$tokendir"
cat >"$work/softhsm2.conf" <<CONF
# SoftHSM2 configuration of the SecureDoc demo tokens (samples/make-demo-token.sh)
directories.tokendir = $tokendir
objectstore.backend = file
log.level = ERROR
CONF
# The tokens are made with this copy; OUTDIR/softhsm2.conf appears only when
# they are complete, so a failed run is redone by the next one.
rm -f "$conf"
export SOFTHSM2_CONF=$work/softhsm2.conf

# Key (PKCS#8 DER) and certificate (DER) out of a demo PKCS#12.
# extract NAME  ->  $work/NAME.key.der, $work/NAME.cert.der
extract() {
  local p12=$pkidir_abs/$1.p12 passin=file:$pkidir_abs/password.txt
  run openssl pkcs12 -in "$p12" -passin "$passin" -nocerts -nodes -out "$work/$1.key.pem"
  run openssl pkey -in "$work/$1.key.pem" -outform DER -out "$work/$1.key.der"
  run openssl pkcs12 -in "$p12" -passin "$passin" -clcerts -nokeys -out "$work/$1.cert.pem"
  run openssl x509 -in "$work/$1.cert.pem" -outform DER -out "$work/$1.cert.der"
  # The key must belong to the certificate.
  openssl pkey -in "$work/$1.key.pem" -pubout -outform DER -out "$work/$1.key.pub" 2>/dev/null
  openssl x509 -in "$work/$1.cert.pem" -noout -pubkey | openssl pkey -pubin -outform DER -out "$work/$1.cert.pub" 2>/dev/null
  cmp -s "$work/$1.key.pub" "$work/$1.cert.pub" || { echo "$0: the key in $p12 does not match its certificate" >&2; exit 1; }
}

# write TOKEN FILE TYPE ID LABEL
write() {
  run pkcs11-tool --module "$module" --token-label "$1" --login --pin "$pin" \
      --write-object "$2" --type "$3" --id "$4" --label "$5"
}

# token LABEL NAME PERSON
token() {
  extract "$2"
  run softhsm2-util --init-token --free --label "$1" --pin "$pin" --so-pin "$so_pin"
  write "$1" "$work/$2.key.der" privkey 01 "$3"
  # The public key too, as most cards show it: the certificate can then be
  # offered before the PIN is given, which is asked only to sign.
  write "$1" "$work/$2.cert.pub" pubkey 01 "$3"
  write "$1" "$work/$2.cert.der" cert 01 "$3"
  write "$1" "$work/issuing-ca.der" cert 02 "SecureDoc Demo Issuing CA"
  rm -f "$work/$2.key.pem" "$work/$2.key.der"
}

run openssl x509 -in "$pkidir_abs/issuing-ca.pem" -outform DER -out "$work/issuing-ca.der"
token "SecureDoc RSA" signer-rsa "Jan Kowalski"
token "SecureDoc EC" signer-ec "Anna Nowak"

# Self-check: both tokens are there and each holds its key and certificates.
listing=$(pkcs11-tool --module "$module" -L 2>&1) || { echo "$0: pkcs11-tool -L failed: $listing" >&2; exit 1; }
for label in "SecureDoc RSA" "SecureDoc EC"; do
  grep -q "token label *: $label\$" <<<"$listing" || { echo "$0: token \"$label\" missing:"$'\n'"$listing" >&2; exit 1; }
  objects=$(pkcs11-tool --module "$module" --token-label "$label" --login --pin "$pin" --list-objects 2>&1) ||
    { echo "$0: pkcs11-tool --list-objects failed on \"$label\"" >&2; exit 1; }
  n_keys=$(grep -c '^Private Key Object' <<<"$objects" || true)
  n_certs=$(grep -c '^Certificate Object' <<<"$objects" || true)
  [[ $n_keys -eq 1 && $n_certs -eq 2 ]] ||
    { echo "$0: token \"$label\" holds $n_keys keys and $n_certs certificates, not 1 and 2:"$'\n'"$objects" >&2; exit 1; }
  grep -q 'Access: *.*sensitive' <<<"$objects" ||
    { echo "$0: the key on \"$label\" is not sensitive:"$'\n'"$objects" >&2; exit 1; }
done

cp "$work/softhsm2.conf" "$conf"
chmod 644 "$conf"
echo "Demo tokens in $outdir"
echo "export SOFTHSM2_CONF=$conf"
