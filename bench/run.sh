#!/usr/bin/env bash
# SecureDoc benchmark: securedoc-cli against openssl on this machine.
#
#  (a) N small files (4 KiB random each) signed as detached CAdES in ONE
#      securedoc-cli process, against "openssl cms -sign -cades" run once per
#      file (as a shell script would use it).  Also shown: securedoc-cli run
#      once per file, for the same per-process comparison.
#  (b) One large file (default 1 GiB): detached CAdES with securedoc-cli
#      against "openssl dgst -sha256" (the floor: hashing the file) and
#      against "openssl cms -sign -binary -cades" (detached).
#  Then the outputs are verified (securedoc-cli verify and openssl cms -verify)
#  and a Markdown table is printed.  Every command runs BENCH_REPEAT times
#  (after a "sync", so that earlier writes do not slow down its fsyncs) and
#  the fastest run counts.
#
# Usage: bench/run.sh [--keep-large] [-h|--help]
# Environment:
#   BENCH_N=200            number of small files
#   BENCH_SMALL_KB=4       size of each small file, KiB
#   BENCH_LARGE_MB=1024    size of the large file, MiB
#   BENCH_REPEAT=2         runs of each command; the fastest counts
#   BENCH_KEY=rsa          signer key: rsa (signer-rsa.p12) or ec (signer-ec.p12)
#   BENCH_WORK=bench/work  work folder (gitignored); the demo PKI is cached in it
#   BENCH_KEEP_LARGE=1     same as --keep-large: keep (and next time reuse) the large file
#   SECUREDOC_CLI=...      the CLI (default: build/test/, else build/demo-build/, else build/)
# Targets (large file): securedoc time <= 1.5 x openssl dgst -sha256; peak RSS < 64 MiB.
# Needs GNU time (/usr/bin/time, Debian package "time") and openssl.
# Not run by ctest; run it by hand on an otherwise idle machine.

# Timings are set indirectly (printf -v T_name); the loop scripts hold a literal $f.
# shellcheck disable=SC2154,SC2016
set -euo pipefail

usage() { sed -n '2,/^# Not run/p' "$0" | sed 's/^# \{0,1\}//'; }

keep_large=${BENCH_KEEP_LARGE:-0}
while [[ $# -gt 0 ]]; do
  case $1 in
    --keep-large) keep_large=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$0: unknown argument: $1" >&2; usage >&2; exit 64 ;;
  esac
  shift
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${BENCH_N:-200}
small_kb=${BENCH_SMALL_KB:-4}
large_mb=${BENCH_LARGE_MB:-1024}
repeat=${BENCH_REPEAT:-2}
key=${BENCH_KEY:-rsa}
work=${BENCH_WORK:-$repo/bench/work}
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
rss_target_kib=$((64 * 1024))
ratio_target=1.5

[[ $n =~ ^[1-9][0-9]*$ ]] || die "BENCH_N must be a positive integer"
[[ $small_kb =~ ^[1-9][0-9]*$ ]] || die "BENCH_SMALL_KB must be a positive integer"
[[ $large_mb =~ ^[1-9][0-9]*$ ]] || die "BENCH_LARGE_MB must be a positive integer"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEAT must be a positive integer"
[[ $key == rsa || $key == ec ]] || die "BENCH_KEY must be rsa or ec"

# ------------------------------------------------------------ prerequisites ---
if [[ ! -x /usr/bin/time ]]; then
  die "GNU time (/usr/bin/time) is missing; it measures the peak RSS. Install it: apt-get install -y time"
fi
command -v openssl >/dev/null || die "openssl is missing (apt-get install -y openssl)"
[[ -x $cli ]] || die "$cli not found; build it: cmake --build $repo/build --target securedoc-cli"
cli=$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$cli")/../../CMakeCache.txt" 2>/dev/null || true)
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN{exit !(l > 0.5)}'; then
  echo "warning: load average is $load; other work on this machine will distort the figures" >&2
fi
free_kib=$(df -Pk "${work%/*}" 2>/dev/null | awk 'NR==2{print $4}')
if [[ -n $free_kib && $free_kib -lt $(( (large_mb + 200) * 1024 )) ]]; then
  die "not enough free disk space for a $large_mb MiB file in $work"
fi

mkdir -p "$work"
work=$(cd "$work" && pwd)
pki=$work/pki
run_dir=$work/run
large=$work/large-${large_mb}M.bin

cleanup() {
  rm -rf "$run_dir"
  rm -f "$large.tmp"
  if [[ $keep_large != 1 ]]; then rm -f "$large"; fi
}
trap cleanup EXIT
rm -rf "$run_dir"
mkdir -p "$run_dir"/{small,out-sd,out-sd1,out-ossl,out-large}

"$repo/samples/make-demo-pki.sh" "$pki" >/dev/null
p12=$pki/signer-$key.p12
pwfile=$pki/password.txt
# Key and certificate for openssl, extracted from the same PKCS#12.
openssl pkcs12 -in "$p12" -passin "file:$pwfile" -nodes -nocerts -out "$run_dir/key.pem" 2>/dev/null
openssl pkcs12 -in "$p12" -passin "file:$pwfile" -nokeys -clcerts -out "$run_dir/signer.pem" 2>/dev/null
# Detached (no -nodetach).  Not -stream: with -outform DER it would embed the
# content; without it openssl already reads the content in constant memory.
ossl_sign=(openssl cms -sign -binary -cades -outform DER -signer "$run_dir/signer.pem" -inkey "$run_dir/key.pem"
           -certfile "$pki/issuing-ca.pem" -md sha256 -nosmimecap)
# --format cades: a random file that happens to start with "<" would otherwise be
# taken for XML (the format is chosen by content) and get XAdES.
sd_sign=("$cli" sign --format cades --signer "pkcs12:$p12" --password-file "$pwfile" -q)

# ------------------------------------------------------------------ helpers ---

# ---------------------------------------------------------- (a) small files ---
echo "== (a) $n files of $small_kb KiB, detached CAdES (key: $key, best of $repeat)"
small=()
for ((i = 1; i <= n; i++)); do
  f=$(printf '%s/small/f%04d.bin' "$run_dir" "$i")
  head -c "$((small_kb * 1024))" /dev/urandom >"$f"
  small+=("$f")
done
cat "${small[@]}" >/dev/null

# One process per file: the loops run as scripts so that GNU time sees them.
{
  echo 'for f; do'
  printf ' %q' "${sd_sign[@]}" --output-dir "$run_dir/out-sd1"; echo ' "$f" || exit 1'
  echo 'done'
} >"$run_dir/sd-loop.sh"
{
  echo 'for f; do'
  printf ' %q' "${ossl_sign[@]}"; printf ' -in "$f" -out %q/"${f##*/}.p7s" || exit 1\n' "$run_dir/out-ossl"
  echo 'done'
} >"$run_dir/ossl-loop.sh"

# securedoc-cli never writes over a file: empty its output folders before each run.
clear_sd() { rm -f "$run_dir"/out-sd/*; }
clear_sd1() { rm -f "$run_dir"/out-sd1/*; }
best_of sd_batch clear_sd "${sd_sign[@]}" --output-dir "$run_dir/out-sd" "${small[@]}"
best_of sd_loop clear_sd1 bash "$run_dir/sd-loop.sh" "${small[@]}"
best_of ossl_loop nop bash "$run_dir/ossl-loop.sh" "${small[@]}"
count() { find "$1" -name '*.p7s' | wc -l; }
[[ $(count "$run_dir/out-sd") -eq $n ]] || die "securedoc-cli did not write $n signatures"
[[ $(count "$run_dir/out-sd1") -eq $n ]] || die "securedoc-cli (loop) did not write $n signatures"
[[ $(count "$run_dir/out-ossl") -eq $n ]] || die "openssl did not write $n signatures"

fps() { calc "%.1f" "$n/$1"; }
F_sd_batch=$(fps "$T_sd_batch"); F_sd_loop=$(fps "$T_sd_loop"); F_ossl_loop=$(fps "$T_ossl_loop")
R_small=$(calc "%.1f" "$T_ossl_loop/$T_sd_batch")

# ----------------------------------------------------------- (b) large file ---
echo "== (b) one file of $large_mb MiB, detached CAdES (best of $repeat)"
if [[ -f $large && $(stat -c %s "$large") -eq $((large_mb * 1024 * 1024)) ]]; then
  echo "  reusing $large"
else
  echo "  creating $large from /dev/urandom"
  head -c "$((large_mb * 1024 * 1024))" /dev/urandom >"$large.tmp"
  mv "$large.tmp" "$large"
fi
cat "$large" >/dev/null   # warm-up: the page cache then holds the file for every run

clear_large() { rm -f "$run_dir"/out-large/*; }
best_of dgst nop openssl dgst -sha256 "$large"
best_of sd_large clear_large "${sd_sign[@]}" --output-dir "$run_dir/out-large" "$large"
best_of ossl_large nop "${ossl_sign[@]}" -in "$large" -out "$run_dir/ossl-large.p7s"

mbs() { calc "%.0f" "$large_mb/$1"; }
S_dgst=$(mbs "$T_dgst"); S_sd_large=$(mbs "$T_sd_large"); S_ossl_large=$(mbs "$T_ossl_large")
R_large=$(calc "%.2f" "$T_sd_large/$T_dgst")
R_ossl_large=$(calc "%.2f" "$T_ossl_large/$T_dgst")

# --------------------------------------------------------------- validity ---
echo "== verifying outputs"
sd_out_small=$run_dir/out-sd/f0001.bin.p7s
sd_out_large=$run_dir/out-large/${large##*/}.p7s
ver=ok
check() {  # check LABEL CMD...
  local label=$1; shift
  if "$@" >"$run_dir/verify.log" 2>&1; then
    echo "  ok: $label"
  else
    echo "  FAILED: $label"; sed 's/^/    /' "$run_dir/verify.log"; ver=FAILED
  fi
}
anchor=(--trust-anchor "$pki/root-ca.pem")
check "securedoc-cli verify, small file, ours" \
  "$cli" verify -q "${anchor[@]}" --detached-content "${small[0]}" "$sd_out_small"
check "securedoc-cli verify, large file, ours" \
  "$cli" verify -q "${anchor[@]}" --detached-content "$large" "$sd_out_large"
check "openssl cms -verify, small file, ours" \
  openssl cms -verify -binary -inform DER -in "$sd_out_small" -content "${small[0]}" \
  -CAfile "$pki/root-ca.pem" -out /dev/null
check "securedoc-cli verify, small file, openssl's" \
  "$cli" verify -q "${anchor[@]}" --detached-content "${small[0]}" "$run_dir/out-ossl/f0001.bin.p7s"

# ----------------------------------------------------------------- report ---
time_ok=$(awk -v r="$R_large" -v t="$ratio_target" 'BEGIN{print (r<=t)?1:0}')
rss_ok=$((M_sd_large < rss_target_kib && M_sd_batch < rss_target_kib ? 1 : 0))
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
ram=$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)

cat <<EOF

## Results ($(date -u +%Y-%m-%dT%H:%M:%SZ))

Machine: $(nproc) cores, $cpu, $ram RAM, $(openssl version | cut -d' ' -f1-2); \
securedoc-cli build type: ${build_type:-unknown}; key: $key; fastest of $repeat runs each.

| Test | Command | Time (s) | Throughput | Peak RSS (MiB) |
|---|---|---:|---:|---:|
| $n × ${small_kb} KiB | securedoc-cli sign, 1 process | $T_sd_batch | $F_sd_batch files/s | $(mib "$M_sd_batch") |
| $n × ${small_kb} KiB | securedoc-cli sign, 1 process per file | $T_sd_loop | $F_sd_loop files/s | $(mib "$M_sd_loop") |
| $n × ${small_kb} KiB | openssl cms -sign -cades, 1 process per file | $T_ossl_loop | $F_ossl_loop files/s | $(mib "$M_ossl_loop") |
| $large_mb MiB | openssl dgst -sha256 | $T_dgst | $S_dgst MiB/s | $(mib "$M_dgst") |
| $large_mb MiB | securedoc-cli sign (detached CAdES) | $T_sd_large | $S_sd_large MiB/s | $(mib "$M_sd_large") |
| $large_mb MiB | openssl cms -sign -cades (detached) | $T_ossl_large | $S_ossl_large MiB/s | $(mib "$M_ossl_large") |

- Small files: securedoc-cli in one process signs ${R_small}× the files/s of the openssl cms loop.
- Large file: securedoc-cli takes ${R_large}× the time of openssl dgst -sha256 (target ≤ ${ratio_target}×): $(verdict "$time_ok").
  openssl cms -sign takes ${R_ossl_large}× the time of openssl dgst -sha256.
- Peak RSS of securedoc-cli: $(mib "$M_sd_large") MiB on the large file, $(mib "$M_sd_batch") MiB for $n files (target < 64 MiB): $(verdict "$rss_ok").
- Outputs verified: $ver.
EOF
[[ $ver == ok ]] || exit 1
