#!/usr/bin/env bash
# SecureDoc PAdES benchmark: securedoc-cli against podofosign and pdfsig.
#
#  (a) N one-page PDFs (each with its own text) signed as PAdES B-B in ONE
#      securedoc-cli process (PKCS#12 key loaded once, one authorisation for
#      the batch), against "podofosign" run once per file (as podofosign is
#      used: one process per file, PEM key and certificate from the same .p12).
#  (b) One large PDF (default 100 MiB: one page with an uncompressed image of
#      random bytes), signed by securedoc-cli (time, peak RSS against 3 x the
#      file size) and by podofosign for reference; the signed file is then
#      verified by "securedoc-cli verify" and by "pdfsig" (poppler).
#  Then one small and the large output are checked: TOTAL-PASSED with our
#  verifier and "Signature is Valid." with pdfsig.  Every command runs
#  BENCH_REPEAT times (after a "sync") and the fastest run counts.
#
# Usage: bench/pades.sh [--keep] [-h|--help]
# Environment:
#   BENCH_PDF_N=1000       number of one-page PDFs
#   BENCH_BIG_MB=100       size of the large PDF, MiB
#   BENCH_REPEAT=2         runs of each command; the fastest counts
#   BENCH_KEY=rsa          signer key: rsa (signer-rsa.p12) or ec (signer-ec.p12)
#   BENCH_WORK=bench/work  work folder (gitignored); the demo PKI is cached in it
#   SECUREDOC_CLI=...      the CLI (default: build/test/, else build/demo-build/, else build/)
#   --keep                 keep the generated and signed PDFs in BENCH_WORK/pades
# Time is wall-clock time; CPU is user + system time (fsync waits are in the
# first only); peak RSS is GNU time's %M (for the loop: the largest process).
# Targets: (a) files/s >= 10 x podofosign's; (b) signing peak RSS < 3 x the
# file size, and securedoc-cli verify time <= pdfsig's on the same file.
# Needs GNU time (/usr/bin/time), python3, openssl, podofosign (Debian package
# libpodofo-utils) and pdfsig (poppler-utils).  If present, qpdf checks the
# PDFs and certutil (libnss3-tools) gives pdfsig an NSS database that trusts the
# demo root, so that pdfsig validates the same certificate chain as we do.
# Not run by ctest; run it by hand on an otherwise idle machine.

# Timings are set indirectly (printf -v T_name); the loop script holds a literal $f.
# shellcheck disable=SC2154,SC2016
set -euo pipefail

usage() { sed -n '2,/^# Not run/p' "$0" | sed 's/^# \{0,1\}//'; }

# shellcheck source=bench/args.sh
source "$(dirname "${BASH_SOURCE[0]}")/args.sh"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${BENCH_PDF_N:-1000}
big_mb=${BENCH_BIG_MB:-100}
repeat=${BENCH_REPEAT:-2}
key=${BENCH_KEY:-rsa}
work=${BENCH_WORK:-$repo/bench/work}
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
ratio_target=10
rss_factor=3

[[ $n =~ ^[1-9][0-9]*$ ]] || die "BENCH_PDF_N must be a positive integer"
[[ $big_mb =~ ^[1-9][0-9]*$ ]] || die "BENCH_BIG_MB must be a positive integer"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEAT must be a positive integer"
[[ $key == rsa || $key == ec ]] || die "BENCH_KEY must be rsa or ec"

# ------------------------------------------------------------ prerequisites ---
need() {  # need COMMAND PACKAGE
  command -v "$1" >/dev/null || die "$1 is missing; install it: apt-get install -y $2"
}
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is missing; it measures the peak RSS. Install it: apt-get install -y time"
need python3 python3
need openssl openssl
need podofosign libpodofo-utils
need pdfsig poppler-utils
have_qpdf=0
if command -v qpdf >/dev/null; then have_qpdf=1; fi
have_certutil=0
if command -v certutil >/dev/null; then have_certutil=1; fi
prepare_run
free_kib=$(df -Pk "$work" | awk 'NR==2{print $4}')
if [[ -n $free_kib && $free_kib -lt $(( ((2 * repeat + 1) * big_mb + 200) * 1024 + (2 * repeat + 1) * n * 40 )) ]]; then
  die "not enough free disk space in $work for a $big_mb MiB PDF, its signed copies and $n small PDFs"
fi

pki=$work/pki
run_dir=$work/pades
cleanup() { if [[ $keep != 1 ]]; then rm -rf "$run_dir"; fi; }
trap cleanup EXIT
rm -rf "$run_dir"
mkdir -p "$run_dir"/{small,out-sd,out-podofo,big,out-big-sd,out-big-podofo}

"$repo/samples/make-demo-pki.sh" "$pki" >/dev/null
p12=$pki/signer-$key.p12
pwfile=$pki/password.txt
# Key and certificate for podofosign, extracted from the same PKCS#12.
openssl pkcs12 -in "$p12" -passin "file:$pwfile" -nodes -nocerts -out "$run_dir/key.pem" 2>/dev/null
openssl pkcs12 -in "$p12" -passin "file:$pwfile" -nokeys -clcerts -out "$run_dir/signer.pem" 2>/dev/null
# Same digest as ours (podofosign's default is SHA-512).
podofo_sign=(podofosign -cert "$run_dir/signer.pem" -pkey "$run_dir/key.pem" -digest sha256)
sd_sign=("$cli" sign --signer "pkcs12:$p12" --password-file "$pwfile" -q)
anchor=(--trust-anchor "$pki/root-ca.pem")
# pdfsig checks the certificate against an NSS database: one that trusts the
# demo root makes it validate the same chain as our --trust-anchor.
pdfsig_cmd=(pdfsig)
if [[ $have_certutil == 1 ]]; then
  nss=$run_dir/nssdb
  mkdir -p "$nss"
  certutil -N -d "sql:$nss" --empty-password
  certutil -A -d "sql:$nss" -n securedoc-demo-root -t "CT,C,C" -i "$pki/root-ca.pem"
  pdfsig_cmd=(pdfsig -nssdir "sql:$nss")
fi

# ------------------------------------------------------------------ helpers ---
# fresh DIR: an empty output folder under run_dir.  The previous one is moved
# aside, not deleted: on ext4 without a journal, creating files soon after
# deleting many costs much more (the inode allocator skips recently deleted
# inodes one by one), which would slow down whichever command runs next.
fresh() {
  local d=$run_dir/$1
  if [[ -d $d ]]; then mv "$d" "$d.$(date +%s%N)"; fi
  mkdir -p "$d"
}

# make_pdfs small DIR N | big FILE MIB: writes valid PDFs (exact xref offsets)
# with bench/make_pdfs.py.  Small: one A4 page of Helvetica text, different in
# every file.  Big: one page showing an uncompressed RGB image of random bytes,
# so the file cannot shrink and every byte must be hashed.
make_pdfs() { python3 "$repo/bench/make_pdfs.py" "$@"; }

qpdf_check() {  # qpdf_check FILE: qpdf --check, when qpdf is installed
  if [[ $have_qpdf == 1 ]]; then
    qpdf --check "$1" >"$run_dir/qpdf.log" 2>&1 || { cat "$run_dir/qpdf.log" >&2; die "qpdf --check rejects $1"; }
  fi
}

# ------------------------------------------------------- (a) one-page PDFs ---
echo "== (a) $n one-page PDFs, PAdES B-B (key: $key, best of $repeat)"
make_pdfs small "$run_dir/small" "$n"
small=("$run_dir"/small/doc*.pdf)
[[ ${#small[@]} -eq $n ]] || die "wrote ${#small[@]} PDFs instead of $n"
qpdf_check "${small[0]}"
cat "${small[@]}" >/dev/null

# podofosign, one process per file: the loop runs as a script so that GNU time sees it.
{
  echo 'for f; do'
  printf ' %q' "${podofo_sign[@]}"; printf ' -in "$f" -out %q/"${f##*/}" >/dev/null || exit 1\n' "$run_dir/out-podofo"
  echo 'done'
} >"$run_dir/podofo-loop.sh"

# securedoc-cli never writes over a file: every run gets an empty output folder.
clear_sd() { fresh out-sd; }
clear_podofo() { fresh out-podofo; }
best_of sd_batch clear_sd "${sd_sign[@]}" --output-dir "$run_dir/out-sd" "${small[@]}"
best_of podofo_loop clear_podofo bash "$run_dir/podofo-loop.sh" "${small[@]}"
count() { find "$1" -name "$2" | wc -l; }
[[ $(count "$run_dir/out-sd" '*-signed.pdf') -eq $n ]] ||
  die "securedoc-cli did not write $n signed PDFs (is $cli a build with PAdES?)"
[[ $(count "$run_dir/out-podofo" '*.pdf') -eq $n ]] || die "podofosign did not write $n signed PDFs"

fps() { calc "%.1f" "$n/$1"; }
F_sd_batch=$(fps "$T_sd_batch"); F_podofo_loop=$(fps "$T_podofo_loop")
R_small=$(calc "%.2f" "$T_podofo_loop/$T_sd_batch")

# ------------------------------------------------------------ (b) large PDF ---
echo "== (b) one PDF of $big_mb MiB (best of $repeat)"
big=$run_dir/big/big.pdf
make_pdfs big "$big" "$big_mb"
qpdf_check "$big"
big_kib=$(( $(stat -c %s "$big") / 1024 ))
cat "$big" >/dev/null   # warm-up: the page cache then holds the file for every run

clear_big_sd() { fresh out-big-sd; }
clear_big_podofo() { fresh out-big-podofo; }
best_of sd_big clear_big_sd "${sd_sign[@]}" --output-dir "$run_dir/out-big-sd" "$big"
best_of podofo_big clear_big_podofo "${podofo_sign[@]}" -in "$big" -out "$run_dir/out-big-podofo/big.pdf"
big_out=$run_dir/out-big-sd/big-signed.pdf
[[ -f $big_out ]] || die "securedoc-cli did not write $big_out"
cat "$big_out" >/dev/null
best_of sd_verify nop "$cli" verify -q "${anchor[@]}" "$big_out"
best_of pdfsig nop "${pdfsig_cmd[@]}" "$big_out"

R_rss=$(calc "%.2f" "$M_sd_big/$big_kib")
R_verify=$(calc "%.2f" "$T_sd_verify/$T_pdfsig")

# --------------------------------------------------------------- validity ---
echo "== verifying outputs"
ver=ok
check() {  # check LABEL CMD...
  local label=$1; shift
  if "$@" >"$run_dir/verify.log" 2>&1; then
    echo "  ok: $label"
  else
    echo "  FAILED: $label"; sed 's/^/    /' "$run_dir/verify.log"; ver=FAILED
  fi
}
pdfsig_valid() {  # every signature in the file is "Signature is Valid." (and its certificate trusted)
  local out
  out=$("${pdfsig_cmd[@]}" "$1" 2>&1) || true
  printf '%s\n' "$out"
  grep -q 'Signature Validation: Signature is Valid' <<<"$out" || return 1
  if grep 'Signature Validation:' <<<"$out" | grep -vq 'Signature is Valid'; then return 1; fi
  if [[ $have_certutil == 1 ]] && grep 'Certificate Validation:' <<<"$out" | grep -vq 'Certificate is Trusted'; then
    return 1
  fi
}
small_out=$run_dir/out-sd/$(basename "${small[0]}" .pdf)-signed.pdf
check "securedoc-cli verify: TOTAL-PASSED, small PDF" "$cli" verify -q "${anchor[@]}" "$small_out"
check "securedoc-cli verify: TOTAL-PASSED, large PDF" "$cli" verify -q "${anchor[@]}" "$big_out"
check "pdfsig: Signature is Valid, small PDF" pdfsig_valid "$small_out"
check "pdfsig: Signature is Valid, large PDF" pdfsig_valid "$big_out"
if [[ $have_qpdf == 1 ]]; then
  check "qpdf --check, small signed PDF" qpdf --check "$small_out"
  check "qpdf --check, large signed PDF" qpdf --check "$big_out"
fi

# ----------------------------------------------------------------- report ---
ratio_ok=$(awk -v r="$R_small" -v t="$ratio_target" 'BEGIN{print (r>=t)?1:0}')
rss_ok=$((M_sd_big < rss_factor * big_kib ? 1 : 0))
verify_ok=$(awk -v a="$T_sd_verify" -v b="$T_pdfsig" 'BEGIN{print (a<=b)?1:0}')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
ram=$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)
podofo_ver=$(dpkg-query -W -f='${Version}' libpodofo-utils 2>/dev/null || echo "?")
poppler_ver=$(dpkg-query -W -f='${Version}' poppler-utils 2>/dev/null || echo "?")

cat <<EOF

## Results ($(date -u +%Y-%m-%dT%H:%M:%SZ))

Machine: $(nproc) cores, $cpu, $ram RAM, load average $load at the start; $(openssl version | cut -d' ' -f1-2), \
podofosign $podofo_ver, pdfsig $poppler_ver; securedoc-cli build type: ${build_type:-unknown}; key: $key; \
fastest of $repeat runs each.

| Test | Command | Time (s) | CPU (s) | Throughput | Peak RSS (MiB) |
|---|---|---:|---:|---:|---:|
| $n one-page PDFs | securedoc-cli sign, 1 process | $T_sd_batch | $C_sd_batch | $F_sd_batch files/s | $(mib "$M_sd_batch") |
| $n one-page PDFs | podofosign, 1 process per file | $T_podofo_loop | $C_podofo_loop | $F_podofo_loop files/s | $(mib "$M_podofo_loop") |
| $(mib "$big_kib") MiB PDF | securedoc-cli sign | $T_sd_big | $C_sd_big | $(calc "%.0f" "$big_kib/1024/$T_sd_big") MiB/s | $(mib "$M_sd_big") |
| $(mib "$big_kib") MiB PDF | podofosign | $T_podofo_big | $C_podofo_big | $(calc "%.0f" "$big_kib/1024/$T_podofo_big") MiB/s | $(mib "$M_podofo_big") |
| $(mib "$big_kib") MiB PDF | securedoc-cli verify --trust-anchor root-ca.pem | $T_sd_verify | $C_sd_verify | $(calc "%.0f" "$big_kib/1024/$T_sd_verify") MiB/s | $(mib "$M_sd_verify") |
| $(mib "$big_kib") MiB PDF | ${pdfsig_cmd[0]}${pdfsig_cmd[1]:+ -nssdir (trusts root-ca.pem)} | $T_pdfsig | $C_pdfsig | $(calc "%.0f" "$big_kib/1024/$T_pdfsig") MiB/s | $(mib "$M_pdfsig") |

- One-page PDFs: securedoc-cli signs ${R_small}× podofosign's files/s (target ≥ ${ratio_target}×): $(verdict "$ratio_ok").
- Large PDF, signing: peak RSS $(mib "$M_sd_big") MiB = ${R_rss}× the file size (target < ${rss_factor}×): $(verdict "$rss_ok").
- Large PDF, verifying: securedoc-cli takes ${R_verify}× pdfsig's time (target ≤ 1×): $(verdict "$verify_ok").
- Outputs verified (TOTAL-PASSED and "Signature is Valid."): $ver.
EOF
[[ $ver == ok ]] || exit 1
