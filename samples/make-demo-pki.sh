#!/usr/bin/env bash
# Creates a small demo PKI (root CA -> issuing CA -> signers + TSA) for testing
# qualified signatures in SecureDoc. FOR TESTING ONLY: keys are not protected
# except inside the .p12 files.
#
# Usage: samples/make-demo-pki.sh [--force] OUTDIR [PASSWORD]
#   PASSWORD defaults to "demo". Without --force, an OUTDIR that already
#   contains root-ca.pem is left untouched.
set -euo pipefail

usage() { echo "usage: $0 [--force] OUTDIR [PASSWORD]" >&2; exit 2; }

force=0
if [[ ${1:-} == --force ]]; then force=1; shift; fi
[[ $# -ge 1 && $# -le 2 ]] || usage
outdir=$1
password=${2:-demo}
password=${password%$'\n'}; password=${password%$'\r'}   # tolerate a trailing newline
[[ -n $password ]] || { echo "$0: empty password" >&2; exit 2; }

if [[ -e $outdir/root-ca.pem && $force -eq 0 ]]; then
  echo "Demo PKI in $outdir"
  exit 0
fi

command -v openssl >/dev/null || { echo "$0: openssl not found" >&2; exit 1; }
mkdir -p "$outdir"
outdir_abs=$(cd "$outdir" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Run a command silently; show its output only if it fails.
run() {
  local log; log=$(mktemp "$work/log.XXXXXX")
  if ! "$@" >"$log" 2>&1; then
    echo "$0: command failed: $*" >&2
    cat "$log" >&2
    exit 1
  fi
}

export PKI_PASS=$password
# Use our own config only, independent of the system openssl.cnf.
export OPENSSL_CONF=$work/pki.cnf
cat >pki.cnf <<'CNF'
[req]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
[req_dn]

[v3_root]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[v3_issuing]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# QCP-n-qscd: 0.4.0.194112.1.2 (ETSI EN 319 411-2)
[v3_signer]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, nonRepudiation, digitalSignature
certificatePolicies    = 0.4.0.194112.1.2
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[v3_tsa]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# Throwaway CA database, only used for the backdated (expired) certificate,
# because "openssl x509" cannot set arbitrary validity dates.
[ca]
default_ca = demo_ca
[demo_ca]
dir             = ./cadb
database        = $dir/index.txt
new_certs_dir   = $dir
serial          = $dir/serial
certificate     = ./issuing-ca.pem
private_key     = ./issuing-ca.key
default_md      = sha256
policy          = policy_any
unique_subject  = no
preserve        = yes
copy_extensions = none
x509_extensions = v3_signer
[policy_any]
countryName            = optional
organizationName       = optional
serialNumber           = optional
surname                = optional
givenName              = optional
commonName             = supplied
CNF

serial() { echo "0x$(openssl rand -hex 16)"; }
rsa_key() { run openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "$1"; }
ec_key()  { run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
                -pkeyopt ec_param_enc:named_curve -out "$1"; }

# issue NAME SUBJECT EXTSECTION DAYS  (NAME.key must exist; signed by issuing CA)
issue() {
  run openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
  run openssl x509 -req -in "$1.csr" -CA issuing-ca.pem -CAkey issuing-ca.key \
      -set_serial "$(serial)" -days "$4" -sha256 \
      -extfile pki.cnf -extensions "$3" -out "$1.pem"
}

# p12 NAME FRIENDLYNAME  (OpenSSL 3 defaults: PBES2/PBKDF2/AES-256-CBC, SHA-256 MAC)
p12() {
  run openssl pkcs12 -export -inkey "$1.key" -in "$1.pem" -certfile issuing-ca.pem \
      -name "$2" -passout env:PKI_PASS -out "$1.p12"
}

# DN components are listed most-significant-first (C ... CN), so that the
# RFC 4514 rendering reads "CN=...,O=SecureDoc Demo,C=PL".

# Generate all keys in parallel (RSA key generation dominates the run time).
pids=()
rsa_key root-ca.key 3072      & pids+=($!)
rsa_key issuing-ca.key 2048   & pids+=($!)
rsa_key signer-rsa.key 2048   & pids+=($!)
ec_key  signer-ec.key         & pids+=($!)
rsa_key signer-expired.key 2048 & pids+=($!)
rsa_key tsa.key 2048          & pids+=($!)
for pid in "${pids[@]}"; do wait "$pid" || exit 1; done

# Root CA
run openssl req -x509 -new -key root-ca.key -sha256 -days 3650 -set_serial "$(serial)" \
    -subj "/C=PL/O=SecureDoc Demo/CN=SecureDoc Demo Root CA" \
    -extensions v3_root -out root-ca.pem

# Issuing CA (expires before the root)
run openssl req -new -key issuing-ca.key -subj "/C=PL/O=SecureDoc Demo/CN=SecureDoc Demo Issuing CA" -out issuing-ca.csr
run openssl x509 -req -in issuing-ca.csr -CA root-ca.pem -CAkey root-ca.key \
    -set_serial "$(serial)" -days 3285 -sha256 \
    -extfile pki.cnf -extensions v3_issuing -out issuing-ca.pem

# Signers (2 years)
issue signer-rsa "/C=PL/O=SecureDoc Demo/serialNumber=PNOPL-80010112345/SN=Kowalski/GN=Jan/CN=Jan Kowalski" v3_signer 730
issue signer-ec "/C=PL/O=SecureDoc Demo/serialNumber=PNOPL-85020254321/SN=Nowak/GN=Anna/CN=Anna Nowak" v3_signer 730

# Expired signer: valid 2020-01-01 .. 2021-01-01, issued with "openssl ca"
run openssl req -new -key signer-expired.key \
    -subj "/C=PL/O=SecureDoc Demo/serialNumber=PNOPL-75030398765/SN=Expired/GN=Piotr/CN=Piotr Expired" \
    -out signer-expired.csr
mkdir cadb && : >cadb/index.txt && openssl rand -hex 16 >cadb/serial
run openssl ca -batch -notext -rand_serial -preserveDN \
    -startdate 20200101000000Z -enddate 20210101000000Z \
    -in signer-expired.csr -out signer-expired.pem

# TSA (2 years)
issue tsa "/C=PL/O=SecureDoc Demo/CN=SecureDoc Demo TSA" v3_tsa 730

cat issuing-ca.pem root-ca.pem >ca-chain.pem

p12 signer-rsa "Jan Kowalski"
p12 signer-ec "Anna Nowak"
p12 signer-expired "Piotr Expired"
p12 tsa "SecureDoc Demo TSA"

# Self-check
for c in issuing-ca signer-rsa signer-ec tsa; do
  run openssl verify -CAfile root-ca.pem -untrusted issuing-ca.pem "$c.pem"
done
run openssl verify -purpose timestampsign -CAfile root-ca.pem -untrusted issuing-ca.pem tsa.pem
run openssl verify -no_check_time -CAfile root-ca.pem -untrusted issuing-ca.pem signer-expired.pem
if openssl verify -CAfile root-ca.pem -untrusted issuing-ca.pem signer-expired.pem >/dev/null 2>&1; then
  echo "$0: signer-expired.pem unexpectedly verifies" >&2; exit 1
fi
for p in signer-rsa signer-ec signer-expired tsa; do
  run openssl pkcs12 -in "$p.p12" -passin env:PKI_PASS -noout
done

printf '%s' "$password" >password.txt
umask 077
files=(root-ca.pem root-ca.key issuing-ca.pem issuing-ca.key ca-chain.pem
       signer-rsa.pem signer-rsa.p12 signer-ec.pem signer-ec.p12
       signer-expired.pem signer-expired.p12 tsa.pem tsa.key tsa.p12 password.txt)
cp "${files[@]}" "$outdir_abs"/
chmod 600 "$outdir_abs"/*.key "$outdir_abs"/*.p12 "$outdir_abs"/password.txt
chmod 644 "$outdir_abs"/*.pem

echo "Demo PKI in $outdir"
