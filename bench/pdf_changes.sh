#!/usr/bin/env bash
# SecureDoc PDF change analysis benchmark (issue 13): the cost of the
# rewritten PDF verifier (one forward signature scan, every later revision
# compared with the signed one, pages of documents up to 20 pages rendered at
# 72 dpi and compared).
#
#  (1) The large PDF of bench/pades.sh (default 100 MiB: one page with an
#      uncompressed image of random bytes), signed once by securedoc-cli, then
#      verified by "securedoc-cli verify" and by "pdfsig" (poppler) in the
#      same run, as pades.sh does.  Target: no slower than pdfsig.
#  (2) Hostile files: samples/documents/contract.pdf signed by securedoc-cli
#      plus BENCH_FLOOD_MB MiB (default 10) of tokens (bench/make_pdfs.py
#      flood): /ByteRange tokens in comment lines after the signed %%EOF (no
#      new revision); the rest inside one valid incremental update: the same
#      comment lines, /ByteRange tokens in one stream, each in its own
#      signature-like object (distinct numbers, or all one number), all in one
#      signature-like dictionary; "obj" headers; "xref" sections; "startxref N
#      %%EOF" revision ends.  Target: each one answered in under 1 s: a report
#      or a refusal (exit status 0-4; 0 is right where the update changes
#      nothing a reader sees), no crash, no hang.
#  (3) Visual comparison: contract.pdf's 2 pages repeated to 20 pages (qpdf),
#      signed once, then signed again, so the first signature's check renders
#      the signed revision and the final document and compares them.  The
#      two-signature file against the one-signature file (no later revision,
#      nothing to compare); the same for 21 pages (comparison skipped above
#      20 pages).  Target: the comparison adds under 1 s.  pdftoppm -r 72 of
#      the 20 pages is shown for reference (one rendering of the document).
#
# Usage: bench/pdf_changes.sh [--keep] [-h|--help]
# Environment:
#   BENCH_BIG_MB=100       size of the large PDF, MiB (0 skips part 1)
#   BENCH_FLOOD_MB=10      size of each token flood, MiB
#   BENCH_REPEAT=5         runs of each part-1 command (fastest counts; pades.sh uses 2,
#                          too few for a 0.2 s command on a shared machine)
#   BENCH_REPEAT_SMALL=5   runs of each part-2 and part-3 command (fastest counts)
#   BENCH_TIMEOUT=10       a verification still running after this many seconds
#                          is stopped and reported as "> N s"
#   BENCH_WORK=bench/work  work folder (gitignored); the demo PKI is cached in it
#   SECUREDOC_CLI=...      the CLI (default: build/test/, else build/demo-build/, else build/)
#   --keep                 keep the generated PDFs in BENCH_WORK/pdf_changes
# Time is wall-clock time; CPU is user + system time; peak RSS is GNU time's %M.
# Needs GNU time (/usr/bin/time), python3, openssl, qpdf, pdfsig and pdftoppm
# (poppler-utils), timeout (coreutils); certutil (libnss3-tools) when present
# gives pdfsig an NSS database that trusts the demo root.
# Not run by ctest; run it by hand on an otherwise idle machine.

# Timings are set indirectly (printf -v T_name); the variant descriptions hold
# literal backquotes; `repeat` is read by best_of in lib.sh.
# shellcheck disable=SC2154,SC2016,SC2034
set -euo pipefail

usage() { sed -n '2,/^# Not run/p' "$0" | sed 's/^# \{0,1\}//'; }

# shellcheck source=bench/args.sh
source "$(dirname "${BASH_SOURCE[0]}")/args.sh"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
big_mb=${BENCH_BIG_MB:-100}
flood_mb=${BENCH_FLOOD_MB:-10}
repeat_big=${BENCH_REPEAT:-5}
repeat_small=${BENCH_REPEAT_SMALL:-5}
limit=${BENCH_TIMEOUT:-10}
work=${BENCH_WORK:-$repo/bench/work}
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

[[ $big_mb =~ ^[0-9]+$ ]] || die "BENCH_BIG_MB must be a non-negative integer"
[[ $flood_mb =~ ^[1-9][0-9]*$ ]] || die "BENCH_FLOOD_MB must be a positive integer"
[[ $repeat_big =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEAT must be a positive integer"
[[ $repeat_small =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEAT_SMALL must be a positive integer"
[[ $limit =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT must be a positive integer"

# ------------------------------------------------------------ prerequisites ---
need() {  # need COMMAND PACKAGE
  command -v "$1" >/dev/null || die "$1 is missing; install it: apt-get install -y $2"
}
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is missing; it measures the peak RSS. Install it: apt-get install -y time"
need python3 python3
need openssl openssl
need qpdf qpdf
need pdfsig poppler-utils
need pdftoppm poppler-utils
need timeout coreutils
have_certutil=0
if command -v certutil >/dev/null; then have_certutil=1; fi
prepare_run
free_kib=$(df -Pk "$work" | awk 'NR==2{print $4}')
if [[ -n $free_kib && $free_kib -lt $(( (2 * big_mb + 10 * flood_mb + 100) * 1024 )) ]]; then
  die "not enough free disk space in $work"
fi

pki=$work/pki
run_dir=$work/pdf_changes
cleanup() { if [[ $keep != 1 ]]; then rm -rf "$run_dir"; fi; }
trap cleanup EXIT
rm -rf "$run_dir"
mkdir -p "$run_dir"/{big,floods,pages}

"$repo/samples/make-demo-pki.sh" "$pki" >/dev/null
p12=$pki/signer-rsa.p12
sd_sign=("$cli" sign --signer "pkcs12:$p12" --password-file "$pki/password.txt" -q)
sd_verify=("$cli" verify -q --trust-anchor "$pki/root-ca.pem")
pdfsig_cmd=(pdfsig)
if [[ $have_certutil == 1 ]]; then
  nss=$run_dir/nssdb
  mkdir -p "$nss"
  certutil -N -d "sql:$nss" --empty-password
  certutil -A -d "sql:$nss" -n securedoc-demo-root -t "CT,C,C" -i "$pki/root-ca.pem"
  pdfsig_cmd=(pdfsig -nssdir "sql:$nss")
fi

# sign_into DIR FILE: securedoc-cli sign FILE into DIR (DIR/NAME-signed.pdf).
sign_into() {
  mkdir -p "$1"
  "${sd_sign[@]}" --output-dir "$1" "$2" || die "securedoc-cli could not sign $2"
}

# answer NAME FILE: securedoc-cli verify FILE, under a time limit, up to
# repeat_small times (fewer once a run reaches the limit); the fastest run
# counts.  Sets T_/C_/M_<NAME> and S_<NAME> (exit status; 124 = stopped at the
# limit, 128+N = killed by signal N).
answer() {
  local name=$1 file=$2 r tf st t0 t1 t best=""
  for ((r = 1; r <= repeat_small; r++)); do
    tf=$run_dir/time.$name.$r
    st=0
    t0=$(date +%s%N)
    /usr/bin/time -f '%e %M %U %S' -o "$tf" timeout -k 2 "$limit" "${sd_verify[@]}" "$file" >/dev/null 2>"$run_dir/err.$name" || st=$?
    t1=$(date +%s%N)
    t=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
    if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then
      best=$t
      printf -v "T_$name" '%s' "$t"
      printf -v "M_$name" '%s' "$(awk 'END{print $2}' "$tf")"
      printf -v "C_$name" '%s' "$(awk 'END{printf "%.2f", $3 + $4}' "$tf")"
      printf -v "S_$name" '%s' "$st"
    fi
    if [[ $st == 124 ]]; then break; fi
  done
  local s="S_$name" m="M_$name"
  printf '  %-22s fastest %s s, exit status %s, peak RSS %s KiB\n' "$name:" "$best" "${!s}" "${!m}"
}

# indication FILE: the overall indication and, per signature, the
# visualComparison check's status, from the JSON report.
summary() {
  "$cli" verify --format json --trust-anchor "$pki/root-ca.pem" "$1" 2>/dev/null | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)
except ValueError:
    print("no report (refused)"); sys.exit()
out = [r.get("indication") or "?"]
for s in r.get("signatures", []):
    v = [c for c in s.get("checks", []) if c.get("id") == "visualComparison"]
    t = "%s %s, changes %s" % (s.get("id", "?"), s.get("indication", "?"), s.get("modificationLevel") or "-")
    if v:
        t += ", page images " + v[0].get("status", "?") + (" (%s)" % v[0]["detail"] if v[0].get("detail") else "")
    out.append(t)
print("; ".join(out))' || true
}

# (No "| head -1": under pipefail a writer stopped by SIGPIPE would end the script.)
cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
ram=$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)
poppler_ver=$(dpkg-query -W -f='${Version}' poppler-utils 2>/dev/null || echo "?")
qpdf_ver=$(qpdf --version | awk 'NR==1{print $3}')
report=$run_dir/report.md
{
  echo "## Results ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  echo
  echo "Machine: $(nproc) cores, $cpu, $ram RAM, load average $load at the start; $(openssl version | cut -d' ' -f1-2), \
pdfsig/pdftoppm $poppler_ver, qpdf $qpdf_ver; securedoc-cli build type: ${build_type:-unknown}; RSA-2048 key (signer-rsa.p12)."
} >"$report"
goals=()

# ------------------------------------------------------- (1) the large PDF ---
if [[ $big_mb -gt 0 ]]; then
  echo "== (1) one PDF of $big_mb MiB, verify against pdfsig (best of $repeat_big)"
  repeat=$repeat_big
  big=$run_dir/big/big.pdf
  python3 "$repo/bench/make_pdfs.py" big "$big" "$big_mb"
  sign_into "$run_dir/big/out" "$big"
  big_out=$run_dir/big/out/big-signed.pdf
  big_kib=$(( $(stat -c %s "$big_out") / 1024 ))
  "${sd_verify[@]}" "$big_out" || die "securedoc-cli verify: $big_out is not TOTAL-PASSED"
  "${pdfsig_cmd[@]}" "$big_out" | grep -q 'Signature is Valid' || die "pdfsig: $big_out is not valid"
  cat "$big_out" >/dev/null   # the page cache holds the file for every run
  best_of sd_verify nop "${sd_verify[@]}" "$big_out"
  best_of pdfsig nop "${pdfsig_cmd[@]}" "$big_out"
  R_verify=$(calc "%.2f" "$T_sd_verify/$T_pdfsig")
  verify_ok=$(awk -v a="$T_sd_verify" -v b="$T_pdfsig" 'BEGIN{print (a<=b)?1:0}')
  cat >>"$report" <<EOF

(1) $(mib "$big_kib") MiB signed PDF (bench/make_pdfs.py big, signed once by securedoc-cli; fastest of $repeat_big):

| Command | Time (s) | CPU (s) | Throughput | Peak RSS (MiB) |
|---|---:|---:|---:|---:|
| securedoc-cli verify -q --trust-anchor root-ca.pem | $T_sd_verify | $C_sd_verify | $(calc "%.0f" "$big_kib/1024/$T_sd_verify") MiB/s | $(mib "$M_sd_verify") |
| ${pdfsig_cmd[0]}${pdfsig_cmd[1]:+ -nssdir (trusts root-ca.pem)} | $T_pdfsig | $C_pdfsig | $(calc "%.0f" "$big_kib/1024/$T_pdfsig") MiB/s | $(mib "$M_pdfsig") |

- securedoc-cli verify takes ${R_verify}× pdfsig's time (target ≤ 1×): $(verdict "$verify_ok"); peak RSS $(mib "$M_sd_verify") MiB against pdfsig's $(mib "$M_pdfsig") MiB (no target).
EOF
  goals+=("(1) ${big_mb} MiB verify ${R_verify}× pdfsig: $(verdict "$verify_ok")")
fi

# ------------------------------------------------------- (2) token floods ---
echo "== (2) token floods of $flood_mb MiB (best of $repeat_small, stopped after $limit s)"
sign_into "$run_dir/floods" "$repo/samples/documents/contract.pdf"
base=$run_dir/floods/contract-signed.pdf
"${sd_verify[@]}" "$base" || die "securedoc-cli verify: $base is not TOTAL-PASSED"
floods=(appended comment stream objects objects-one-number one-dictionary obj xref eof)
declare -A flood_what=(
  [appended]='no update: comment lines of `/ByteRange [0 1 2 3]` × 200 after the signed `%%EOF`'
  [comment]='comment lines of `/ByteRange [0 1 2 3]` × 200'
  [stream]='`/ByteRange [0 1 2 3]` lines as the data of one stream'
  [objects]='`N 0 obj << /ByteRange [0 1 2 3] /Contents <00> >> endobj`, N distinct'
  [objects-one-number]='the same objects, all one number N'
  [one-dictionary]='one `<< /Type /Sig /ByteRange … /Contents <00> /Flood [ /ByteRange … ] >>`'
  [obj]='`1 0 obj` headers, one `/ByteRange` after them'
  [xref]='`xref 0 1 0000000000 65535 f` sections'
  [eof]='`startxref P %%EOF` revision ends, P = the signed revision'\''s xref (qpdf reads every prefix)'
)
flood_rows=""
flood_ok=1
for v in "${floods[@]}"; do
  f=$run_dir/floods/$v.pdf
  python3 "$repo/bench/make_pdfs.py" flood "$base" "$v" "$flood_mb" "$f"
  name=flood_${v//-/_}
  answer "$name" "$f"
  tv="T_$name"; sv="S_$name"; mv="M_$name"; cv="C_$name"
  st=${!sv}
  if [[ $st == 124 ]]; then
    t="> $limit (stopped)"; ok=0
  else
    t=${!tv}
    ok=$(awk -v t="$t" -v s="$st" 'BEGIN{print (t<1 && s>=0 && s<=4)?1:0}')
  fi
  [[ $ok == 1 ]] || flood_ok=0
  if [[ $st == 124 ]]; then res="stopped at $limit s"; else res=$(summary "$f"); fi
  flood_rows+="| $v | ${flood_what[$v]} | $(mib $(( $(stat -c %s "$f") / 1024 ))) | $t | ${!cv} | $st | $(mib "${!mv}") | $res | $(verdict "$ok") |"$'\n'
done
cat >>"$report" <<EOF

(2) contract.pdf signed by securedoc-cli, plus one incremental update holding ${flood_mb} MiB of tokens (fastest of $repeat_small; a run is stopped after $limit s):

| Variant | The update holds | File (MiB) | Time (s) | CPU (s) | Exit status | Peak RSS (MiB) | Report | answered in < 1 s |
|---|---|---:|---:|---:|---:|---:|---|---|
${flood_rows%$'\n'}
EOF
goals+=("(2) every flood answered (a report or a refusal, exit status 0-4) in < 1 s: $(verdict "$flood_ok")")

# ------------------------------------------------- (3) visual comparison ---
echo "== (3) 20 and 21 pages, one and two signatures (best of $repeat_small)"
contract=$repo/samples/documents/contract.pdf
cp_pages=$(qpdf --show-npages "$contract")
copies=$(( (20 + cp_pages - 1) / cp_pages ))
args=()
for ((i = 0; i < copies; i++)); do args+=("$contract"); done
qpdf --empty --pages "${args[@]}" -- "$run_dir/pages/p20.pdf"
qpdf --empty --pages "${args[@]}" "$contract" 1 -- "$run_dir/pages/p21.pdf"
[[ $(qpdf --show-npages "$run_dir/pages/p20.pdf") == 20 ]] || die "p20.pdf does not have 20 pages"
[[ $(qpdf --show-npages "$run_dir/pages/p21.pdf") == 21 ]] || die "p21.pdf does not have 21 pages"
page_rows=""
for p in 20 21; do
  sign_into "$run_dir/pages/one" "$run_dir/pages/p$p.pdf"
  one=$run_dir/pages/one/p$p-signed.pdf
  sign_into "$run_dir/pages/two" "$one"
  two=$run_dir/pages/two/p$p-signed-signed.pdf
  cat "$one" "$two" >/dev/null
  answer "p${p}_one" "$one"
  answer "p${p}_two" "$two"
  for k in one two; do
    n="p${p}_$k"; tv="T_$n"; cv="C_$n"; mv="M_$n"; sv="S_$n"
    if [[ $k == one ]]; then file=$one; else file=$two; fi
    page_rows+="| $p | $([[ $k == one ]] && echo "1 (covers the whole file)" || echo "2 (the first one's revision is compared)") | $(calc "%.0f" "$(stat -c %s "$file")/1024") | ${!tv} | ${!cv} | ${!sv} | $(mib "${!mv}") | $(summary "$file") |"$'\n'
  done
done
repeat=$repeat_small
best_of pdftoppm nop pdftoppm -r 72 -gray "$run_dir/pages/p20.pdf" "$run_dir/pages/ppm"
rm -f "$run_dir"/pages/ppm*
add20=$(calc "%.3f" "$T_p20_two-$T_p20_one")
add21=$(calc "%.3f" "$T_p21_two-$T_p21_one")
cpu20=$(calc "%.2f" "$C_p20_two-$C_p20_one")
cpu21=$(calc "%.2f" "$C_p21_two-$C_p21_one")
cmp20=$(calc "%.3f" "($add20)-($add21)")
pages_ok=$(awk -v a="$add20" -v s="$S_p20_two" 'BEGIN{print (a<1 && s==0)?1:0}')
cat >>"$report" <<EOF

(3) contract.pdf's pages repeated (qpdf --empty --pages), signed by securedoc-cli, then signed again (fastest of $repeat_small):

| Pages | Signatures | File (KiB) | Time (s) | CPU (s) | Exit status | Peak RSS (MiB) | Report |
|---:|---|---:|---:|---:|---:|---:|---|
${page_rows%$'\n'}
| 20 | pdftoppm -r 72 -gray (poppler, one rendering of every page, for reference) | | $T_pdftoppm | $C_pdftoppm | | $(mib "$M_pdftoppm") | |

- 20 pages: the second signature and the check of the first one's later revision (structure and page images) add ${add20} s (CPU ${cpu20} s; target < 1 s): $(verdict "$pages_ok").
- 21 pages (page images skipped): the same without the page images adds ${add21} s (CPU ${cpu21} s); the page images of 20 pages thus cost about ${cmp20} s.
EOF
goals+=("(3) the visual comparison of 20 pages adds ${add20} s: $(verdict "$pages_ok")")

{
  echo
  echo "Goals:"
  for g in "${goals[@]}"; do echo "- $g"; done
} >>"$report"
echo
cat "$report"
