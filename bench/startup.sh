#!/usr/bin/env bash
# Start-up cost of one signature (issue 15): "securedoc-cli sign" of one small
# PDF, one process per file as scripts call it, against "podofosign" on the
# same file.  Each tool runs RUNS times (default 30), alternately, and the
# median wall time and median CPU time (user + system) of each are printed,
# with their ratios and the peak RSS of one run of each (GNU time).  On a busy
# machine the CPU figures are the steadier ones.
#
# Usage: bench/startup.sh [BUILD_DIR]      (default: build/test)
# Environment: RUNS=30, PDF=samples/documents/contract.pdf,
#   SECUREDOC_CLI=... (default: BUILD_DIR/app/cli/securedoc-cli)
# Signer: BUILD_DIR/tests/pki/signer-rsa.p12 (made by ctest's make_test_pki)
# for securedoc-cli; for podofosign its certificate and its key as PEM, the key
# encrypted with the same password (podofosign -password), both sha256.
# Needs openssl, podofosign (Debian: libpodofo-utils), GNU time (/usr/bin/time).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build/test}
[[ $build = /* ]] || build=$repo/$build
runs=${RUNS:-30}
pdf=${PDF:-$repo/samples/documents/contract.pdf}
cli=${SECUREDOC_CLI:-$build/app/cli/securedoc-cli}
pki=$build/tests/pki

die() { echo "$0: $*" >&2; exit 1; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
[[ -x $cli ]] || die "$cli not found; build it: ninja -C $build"
[[ -f $pki/signer-rsa.p12 ]] || die "$pki/signer-rsa.p12 not found; run: cd $build && ctest -R make_test_pki"
[[ -f $pdf ]] || die "$pdf not found"
command -v podofosign >/dev/null || die "podofosign is missing: apt-get install -y libpodofo-utils"
command -v openssl >/dev/null || die "openssl is missing: apt-get install -y openssl"
[[ -x /usr/bin/time ]] || die "GNU time is missing: apt-get install -y time"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=$(head -n1 "$pki/password.txt")
openssl pkcs12 -in "$pki/signer-rsa.p12" -passin "file:$pki/password.txt" -nokeys -clcerts -out "$work/cert.pem"
openssl pkcs12 -in "$pki/signer-rsa.p12" -passin "file:$pki/password.txt" -nocerts -nodes \
  | openssl pkey -aes256 -passout "pass:$pass" -out "$work/key.pem"
cp "$pdf" "$work/in.pdf"

sd=("$cli" sign --signer "pkcs12:$pki/signer-rsa.p12" --password-file "$pki/password.txt" -q
    --output "$work/sd.pdf" "$work/in.pdf")
# The same key in a PKCS#12 whose certificates are not encrypted
# (openssl pkcs12 -certpbe NONE): two password-based key derivations (the
# MAC, the key bag) instead of three, nearer to podofosign's one for its
# encrypted PEM key.  Shown as a third row: the key file's own cost.
# (openssl pkcs12 -export reads its -in twice: a file, not a pipe.)
openssl pkcs12 -in "$pki/signer-rsa.p12" -passin "file:$pki/password.txt" -nodes -out "$work/all.pem"
openssl pkcs12 -export -in "$work/all.pem" -certpbe NONE -passout "pass:$pass" -out "$work/lean.p12"
rm -f "$work/all.pem"
sl=("$cli" sign --signer "pkcs12:$work/lean.p12" --password-file "$pki/password.txt" -q
    --output "$work/sl.pdf" "$work/in.pdf")
pf=(podofosign -in "$work/in.pdf" -out "$work/pf.pdf" -cert "$work/cert.pem" -pkey "$work/key.pem"
    -password "$pass" -digest sha256)

# one NAME OUT CMD...: one run of CMD, which must write OUT; "wall user system"
# seconds (bash's time) appended to $work/NAME.
one() {
  local name=$1 out=$2; shift 2
  rm -f "$out"
  { time "$@" >/dev/null 2>"$work/err"; } 2>>"$work/$name" || { cat "$work/err" >&2; die "$1 failed"; }
  [[ -s $out ]] || die "$1 wrote no $out"
}
# median_ms FILE WHAT: the median in ms of the wall time (WHAT=wall) or of user + system (WHAT=cpu).
median_ms() {
  awk -v what="$2" '{print (what == "wall") ? $1 : $2 + $3}' "$1" | sort -n |
    awk '{v[NR]=$1} END{m = NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.1f", m*1000}'
}
peak_kib() { rm -f "$work/sd.pdf" "$work/pf.pdf" "$work/sl.pdf"; /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null; cat "$work/rss"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
TIMEFORMAT='%3R %3U %3S'

# Warm the page cache, then alternate.
one warm "$work/sd.pdf" "${sd[@]}"; one warm "$work/pf.pdf" "${pf[@]}"
one warm "$work/sl.pdf" "${sl[@]}"
for ((i = 0; i < runs; i++)); do
  one sd "$work/sd.pdf" "${sd[@]}"
  one pf "$work/pf.pdf" "${pf[@]}"
  one sl "$work/sl.pdf" "${sl[@]}"
done
sd_ms=$(median_ms "$work/sd" wall); sd_cpu=$(median_ms "$work/sd" cpu)
pf_ms=$(median_ms "$work/pf" wall); pf_cpu=$(median_ms "$work/pf" cpu)
sl_ms=$(median_ms "$work/sl" wall); sl_cpu=$(median_ms "$work/sl" cpu)
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1 /proc/loadavg)"
echo "file: $pdf ($(stat -c %s "$pdf") bytes), $runs runs of each, alternately"
echo "securedoc-cli sign: median $sd_ms ms wall, $sd_cpu ms CPU; peak RSS $(peak_kib "${sd[@]}") KiB"
echo "podofosign:         median $pf_ms ms wall, $pf_cpu ms CPU; peak RSS $(peak_kib "${pf[@]}") KiB"
echo "ratio securedoc-cli / podofosign: $(ratio "$sd_ms" "$pf_ms") (wall), $(ratio "$sd_cpu" "$pf_cpu") (CPU)"
echo "securedoc-cli sign, PKCS#12 with unencrypted certificates (2 key derivations, not 3):"
echo "                    median $sl_ms ms wall, $sl_cpu ms CPU; ratio to podofosign $(ratio "$sl_ms" "$pf_ms") (wall), $(ratio "$sl_cpu" "$pf_cpu") (CPU)"
