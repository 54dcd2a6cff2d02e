#!/usr/bin/env bash
# SecureDoc XAdES benchmark: securedoc-cli against xmlsec1.
#
#  (a) One large XML document (default 50 MiB: a register of payment records,
#      Polish text, attributes, nested elements) signed enveloped by
#      "securedoc-cli sign" (XAdES B-B, the default for XML) and by
#      "xmlsec1 --sign" (a template with an enveloped reference, exclusive
#      C14N, RSA-SHA256 and X509Data; key and certificates from the same
#      .p12; plain XML-DSig, which our verifier rates INDETERMINATE /
#      NO_SIGNING_CERTIFICATE_FOUND after checking references, value and chain).  Each signed file is then verified by both tools
#      ("securedoc-cli verify --trust-anchor root-ca.pem" and
#      "xmlsec1 --verify --trusted-pem root-ca.pem --untrusted-pem
#      issuing-ca.pem"), so every verification is compared on the same file.
#  (b) One large binary file (default 1 GiB of random bytes) signed as
#      detached XAdES (--format xades --mode detached) and verified with
#      --detached-content, against "sha256sum" and "openssl dgst -sha256"
#      on the same file.
#  Every command runs BENCH_REPEAT times (after a "sync") and the fastest run
#  counts.  A Markdown section for bench/RESULTS.md is printed at the end.
#
# Usage: bench/xades.sh [--keep] [-h|--help]
# Environment:
#   BENCH_XML_MB=50        size of the XML document, MiB (approximate)
#   BENCH_LARGE_MB=1024    size of the detached-content file, MiB (0: skip part b)
#   BENCH_REPEAT=2         runs of each command; the fastest counts
#   BENCH_TIMEOUT=600      seconds after which one run is stopped; it is reported
#                          as "> N s" and not repeated, and what needs its
#                          output is skipped
#   BENCH_WORK=bench/work  work folder (gitignored); the demo PKI is cached in it
#   SECUREDOC_CLI=...      the CLI (default: build/test/, else build/demo-build/, else build/)
#   --keep                 keep the generated and signed files in BENCH_WORK/xades
# Time is wall-clock time; CPU is user + system time; peak RSS is GNU time's %M.
# Targets: (a) securedoc-cli no slower and no larger (peak RSS) than xmlsec1,
# signing and verifying; (b) peak RSS < 64 MiB for sign and verify of the
# 1 GiB file (time compared with sha256sum and openssl dgst, no target).
# Needs GNU time (/usr/bin/time), python3, openssl and xmlsec1 (Debian package
# xmlsec1).  Not run by ctest; run it by hand on an otherwise idle machine.

# Timings are set indirectly (printf -v T_name).
# shellcheck disable=SC2154
set -euo pipefail

usage() { sed -n '2,/^# xmlsec1)/p' "$0" | sed 's/^# \{0,1\}//'; }

# shellcheck source=bench/args.sh
source "$(dirname "${BASH_SOURCE[0]}")/args.sh"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
xml_mb=${BENCH_XML_MB:-50}
large_mb=${BENCH_LARGE_MB:-1024}
repeat=${BENCH_REPEAT:-2}
limit=${BENCH_TIMEOUT:-600}
work=${BENCH_WORK:-$repo/bench/work}
# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"
rss_target_kib=$((64 * 1024))

[[ $xml_mb =~ ^[1-9][0-9]*$ ]] || die "BENCH_XML_MB must be a positive integer"
[[ $large_mb =~ ^[0-9]+$ ]] || die "BENCH_LARGE_MB must be a number (0 skips part b)"
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEAT must be a positive integer"
[[ $limit =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT must be a positive integer"

# ------------------------------------------------------------ prerequisites ---
need() {  # need COMMAND PACKAGE
  command -v "$1" >/dev/null || die "$1 is missing; install it: apt-get install -y $2"
}
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is missing; it measures the peak RSS. Install it: apt-get install -y time"
need python3 python3
need openssl openssl
need xmlsec1 xmlsec1
need sha256sum coreutils
prepare_run
free_kib=$(df -Pk "$work" | awk 'NR==2{print $4}')
if [[ -n $free_kib && $free_kib -lt $(( (large_mb + 8 * xml_mb + 200) * 1024 )) ]]; then
  die "not enough free disk space in $work for a $large_mb MiB file and a $xml_mb MiB XML document with its signed copies"
fi

pki=$work/pki
run_dir=$work/xades
cleanup() { if [[ $keep != 1 ]]; then rm -rf "$run_dir"; fi; }
trap cleanup EXIT
rm -rf "$run_dir"
mkdir -p "$run_dir"

"$repo/samples/make-demo-pki.sh" "$pki" >/dev/null
p12=$pki/signer-rsa.p12
pwfile=$pki/password.txt
sd_sign=("$cli" sign --signer "pkcs12:$p12" --password-file "$pwfile" -q)
sd_verify=("$cli" verify -q --trust-anchor "$pki/root-ca.pem")
# xmlsec1 takes the PKCS#12 password on its command line; it is the demo PKI's.
xs_sign=(xmlsec1 --sign --pkcs12 "$p12" --pwd "$(cat "$pwfile")")
xs_verify=(xmlsec1 --verify --trusted-pem "$pki/root-ca.pem" --untrusted-pem "$pki/issuing-ca.pem")

# fresh DIR: an empty output folder under run_dir (securedoc-cli never overwrites).
fresh() {
  local d=$run_dir/$1
  rm -rf "$d"
  mkdir -p "$d"
}

# A run that takes longer than BENCH_TIMEOUT is stopped (timeout(1)) and noted
# in a flag file; GNU time still measures it.
cat >"$run_dir/bounded" <<'SH'
#!/usr/bin/env bash
# bounded FLAG SECONDS CMD...: CMD, stopped after SECONDS; a stop is noted in
# FLAG.  The exit status does not stop the benchmark (verify exits 2 for a
# plain XML-DSig signature); the outputs are checked separately at the end.
flag=$1 seconds=$2; shift 2
rc=0
timeout -k 5 "$seconds" "$@" >/dev/null 2>&1 || rc=$?
if [[ $rc == 124 || $rc == 137 ]]; then echo stopped >"$flag"; fi
exit 0
SH
chmod +x "$run_dir/bounded"

# timed NAME SETUP CMD...: best_of under the time limit.  S_<NAME> is 1 when the
# first run was stopped (then T_<NAME> is the limit, a lower bound, and there
# is no second run).
timed() {
  local name=$1 setup=$2; shift 2
  local runs=$repeat flag=$run_dir/stopped.$name t m c
  rm -f "$flag"
  repeat=1
  best_of "$name" "$setup" "$run_dir/bounded" "$flag" "$limit" "$@"
  if [[ -f $flag ]]; then
    repeat=$runs
    printf -v "S_$name" '1'
    printf -v "T_$name" '%s' "$limit"
    echo "  $name: stopped after $limit s"
    return
  fi
  printf -v "S_$name" '0'
  if ((runs > 1)); then
    t=T_$name m=M_$name c=C_$name
    local t1=${!t} m1=${!m} c1=${!c}
    repeat=$((runs - 1))
    best_of "$name" "$setup" "$run_dir/bounded" "$flag" "$limit" "$@"
    if [[ -f $flag ]] || awk -v a="$t1" -v b="${!t}" 'BEGIN{exit !(a<b)}'; then
      printf -v "T_$name" '%s' "$t1"; printf -v "M_$name" '%s' "$m1"; printf -v "C_$name" '%s' "$c1"
    fi
  fi
  repeat=$runs
}
# skipped NAME: marks a measurement that could not run (its input is missing).
skipped() { printf -v "S_$1" '2'; printf -v "T_$1" '%s' "-"; printf -v "M_$1" '%s' "0"; printf -v "C_$1" '%s' "-"; }

# ----------------------------------------------------- (a) large XML document ---
echo "== (a) an XML document of about $xml_mb MiB, enveloped (best of $repeat)"
doc=$run_dir/register.xml
# Records of a payment register, each different; the generator writes the same
# bytes for the same size (fixed seed) so that runs are comparable.
python3 - "$doc" "$xml_mb" <<'PY'
import random, sys
path, mib = sys.argv[1], int(sys.argv[2])
rnd = random.Random(20261125)
names = ["Kowalski", "Nowak", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowski", "Zieliński",
         "Szymańska", "Woźniak", "Dąbrowski", "Kozłowska", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk"]
firms = ["Przedsiębiorstwo Usługowe „Źródło” Sp. z o.o.", "Zakład Gospodarki Komunalnej w Łodzi",
         "Hurtownia Spożywcza „Żuraw” S.A.", "Biuro Rachunkowe Gęś i Wspólnicy", "Usługi Informatyczne"]
cities = ["Łódź", "Kraków", "Gdańsk", "Poznań", "Wrocław", "Szczecin", "Białystok", "Zielona Góra"]
words = ("zapłata za fakturę dostawa usługa konsultacje serwis przegląd wynajem licencja abonament "
         "materiały biurowe transport naprawa montaż szkolenie zaliczka korekta rata").split()
target = mib * 1048576
with open(path, "w", encoding="utf-8", newline="\n") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Rejestr xmlns="urn:securedoc:samples:register:1" Id="register-2026-11" okres="2026-11">\n')
    i = 0
    while f.tell() < target:
        i += 1
        amount = rnd.randrange(100, 10_000_000) / 100
        f.write(f'  <Zapis lp="{i}" status="{rnd.choice(("zaksięgowany", "oczekujący", "korekta"))}">\n'
                f'    <Data>2026-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}</Data>\n'
                f'    <Kontrahent nip="{rnd.randrange(10**9, 10**10)}">\n'
                f'      <Nazwa>{rnd.choice(firms)} – {rnd.choice(names)}</Nazwa>\n'
                f'      <Miasto>{rnd.choice(cities)}</Miasto>\n'
                f'    </Kontrahent>\n'
                f'    <Rachunek>PL{rnd.randrange(10**25, 10**26)}</Rachunek>\n'
                f'    <Kwota waluta="PLN">{amount:.2f}</Kwota>\n'
                f'    <Opis>{" ".join(rnd.choice(words) for _ in range(rnd.randrange(4, 12)))} &amp; nr {rnd.randrange(1, 99999)}/2026</Opis>\n'
                f'  </Zapis>\n')
    f.write('</Rejestr>\n')
PY
doc_kib=$(( $(stat -c %s "$doc") / 1024 ))
records=$(grep -c '<Zapis ' "$doc")
if command -v xmllint >/dev/null; then xmllint --noout "$doc" || die "xmllint rejects $doc"; fi

# The xmlsec1 template: the same document with an empty signature appended to
# the root element (enveloped transform, exclusive C14N, RSA-SHA256, SHA-256,
# X509Data that xmlsec1 fills from the .p12: signer and issuing CA).
tmpl=$run_dir/register-template.xml
python3 - "$doc" "$tmpl" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
end = data.rindex(b"</Rejestr>")
exc = b"http://www.w3.org/2001/10/xml-exc-c14n#"
sig = (b'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="xmlsec-sig"><ds:SignedInfo>'
       b'<ds:CanonicalizationMethod Algorithm="' + exc + b'"/>'
       b'<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
       b'<ds:Reference URI=""><ds:Transforms>'
       b'<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
       b'<ds:Transform Algorithm="' + exc + b'"/></ds:Transforms>'
       b'<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>'
       b'</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>\n')
open(dst, "wb").write(data[:end] + sig + data[end:])
PY
cat "$doc" "$tmpl" >/dev/null   # warm the page cache

sd_xml_out=$run_dir/out-sd/register-signed.xml
xs_xml_out=$run_dir/out-xs/register-signed.xml
clear_sd() { fresh out-sd; }
clear_xs() { fresh out-xs; }
timed sd_sign_xml clear_sd "${sd_sign[@]}" --output-dir "$run_dir/out-sd" "$doc"
timed xs_sign_xml clear_xs "${xs_sign[@]}" --output "$xs_xml_out" "$tmpl"
[[ $S_sd_sign_xml == 1 || -f $sd_xml_out ]] || die "securedoc-cli did not write $sd_xml_out (is $cli a build with XAdES?)"
[[ $S_xs_sign_xml == 1 || -f $xs_xml_out ]] || die "xmlsec1 did not write $xs_xml_out"
if [[ -f $sd_xml_out ]]; then
  cat "$sd_xml_out" >/dev/null
  timed sd_verify_sd nop "${sd_verify[@]}" "$sd_xml_out"
  timed xs_verify_sd nop "${xs_verify[@]}" "$sd_xml_out"
else
  skipped sd_verify_sd; skipped xs_verify_sd
fi
if [[ -f $xs_xml_out ]]; then
  cat "$xs_xml_out" >/dev/null
  timed xs_verify_xs nop "${xs_verify[@]}" "$xs_xml_out"
  timed sd_verify_xs nop "${sd_verify[@]}" "$xs_xml_out"
else
  skipped xs_verify_xs; skipped sd_verify_xs
fi

# ---------------------------------------------- (b) large detached content ---
large=$run_dir/large.bin
det_out=$run_dir/out-det/large.bin.xades.xml
if ((large_mb > 0)); then
  echo "== (b) $large_mb MiB of random bytes, detached XAdES (best of $repeat)"
  head -c "$((large_mb * 1048576))" /dev/urandom >"$large"
  large_kib=$(( $(stat -c %s "$large") / 1024 ))
  cat "$large" >/dev/null
  timed sha256sum nop sha256sum "$large"
  timed dgst nop openssl dgst -sha256 "$large"
  clear_det() { fresh out-det; }
  timed sd_sign_det clear_det "${sd_sign[@]}" --format xades --mode detached --output-dir "$run_dir/out-det" "$large"
  [[ $S_sd_sign_det == 1 || -f $det_out ]] || die "securedoc-cli did not write $det_out"
  if [[ -f $det_out ]]; then
    timed sd_verify_det nop "${sd_verify[@]}" --detached-content "$large" "$det_out"
  else
    skipped sd_verify_det
  fi
fi

# --------------------------------------------------------------- validity ---
echo "== verifying outputs"
ver=ok
check() {  # check LABEL CMD...: CMD must succeed
  local label=$1; shift
  if "$@" >"$run_dir/verify.log" 2>&1; then
    echo "  ok: $label"
  else
    echo "  FAILED: $label"; sed 's/^/    /' "$run_dir/verify.log" | head -20; ver=FAILED
  fi
}
# The exit status of each timed verification (the bounded runs ignore it).
checked() {  # checked LABEL NAME CMD...: CMD must succeed, unless NAME could not run
  local label=$1 s="S_$2"; shift 2
  if [[ ${!s} != 0 ]]; then echo "  not checked (the run was stopped or skipped): $label"; return; fi
  check "$label" "$@"
}
checked "securedoc-cli verify: TOTAL-PASSED, our enveloped signature" sd_verify_sd "${sd_verify[@]}" "$sd_xml_out"
# xmlsec1's signature is plain XML-DSig: no signed SigningCertificate, so the
# best it can be is INDETERMINATE / NO_SIGNING_CERTIFICATE_FOUND (exit 2), with
# the references, the value and the chain checked.
plain_dsig_ok() {  # plain_dsig_ok FILE
  { "$cli" verify --format json --trust-anchor "$pki/root-ca.pem" "$1" || true; } | python3 -c '
import json, sys
s = json.load(sys.stdin)["signatures"][0]
checks = {c["id"]: c["status"] for c in s["checks"]}
print(s["indication"], s["subIndication"], checks)
sys.exit(0 if s["subIndication"] == "NO_SIGNING_CERTIFICATE_FOUND" and all(
    checks.get(k) == "passed" for k in ("references", "signatureValue", "certificateChain")) else 1)'
}
checked "securedoc-cli verify: xmlsec1's enveloped signature (plain XML-DSig) has intact references, value and chain" \
  sd_verify_xs plain_dsig_ok "$xs_xml_out"
checked "xmlsec1 --verify: OK, our enveloped signature" xs_verify_sd "${xs_verify[@]}" "$sd_xml_out"
checked "xmlsec1 --verify: OK, its own enveloped signature" xs_verify_xs "${xs_verify[@]}" "$xs_xml_out"
if ((large_mb > 0)); then
  checked "securedoc-cli verify --detached-content: TOTAL-PASSED, $large_mb MiB" sd_verify_det \
    "${sd_verify[@]}" --detached-content "$large" "$det_out"
fi

# ----------------------------------------------------------------- report ---
state() { local v="S_$1"; echo "${!v:-2}"; }   # 0 measured, 1 stopped at the limit, 2 not run
# fig NAME T|M|C: a figure for the table ("> N" when stopped, "-" when not run).
fig() {
  local v="$2_$1" st; st=$(state "$1")
  if [[ $st == 2 ]]; then echo "-"; return; fi
  case $2 in
    T) if [[ $st == 1 ]]; then echo "> $limit (stopped)"; else echo "${!v}"; fi ;;
    M) if [[ $st == 1 ]]; then echo "≥ $(mib "${!v}")"; else mib "${!v}"; fi ;;
    C) if [[ $st == 1 ]]; then echo "≥ ${!v}"; else echo "${!v}"; fi ;;
  esac
}
# compare OURS THEIRS T|M: "1.23×" ("≥" when ours was stopped, "≤" when theirs
# was); sets OK to 1 (met: ours <= theirs), 0 (missed) or "" (not measured).
compare() {
  local a="$3_$1" b="$3_$2" sa sb r
  sa=$(state "$1"); sb=$(state "$2")
  if [[ $sa == 2 || $sb == 2 ]] || [[ $sa == 1 && $sb == 1 ]]; then OK=""; CMP="n/a"; return; fi
  r=$(calc "%.2f" "${!a}/${!b}")
  # Stopped: its figure is a lower bound, which decides only when already above.
  if [[ $sa == 1 ]]; then OK=$(awk -v x="$r" 'BEGIN{print (x>1)?0:""}'); CMP="≥ ${r}×"; return; fi
  if [[ $sb == 1 ]]; then OK=1; CMP="≤ ${r}×"; return; fi
  OK=$(awk -v x="${!a}" -v y="${!b}" 'BEGIN{print (x<=y)?1:0}'); CMP="${r}×"
}
say() { case $1 in 1) echo "met" ;; 0) echo "MISSED" ;; *) echo "not measured" ;; esac; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
ram=$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)
xmlsec_ver=$(xmlsec1 --version | head -1)
row() {  # row LABEL NAME SIZE_KIB
  local t="T_$2" tp="-"
  if [[ $(state "$2") == 0 ]]; then tp="$(calc "%.1f" "$3/1024/${!t}") MiB/s"; fi
  echo "| $1 | $(fig "$2" T) | $(fig "$2" C) | $tp | $(fig "$2" M) |"
}
compare sd_sign_xml xs_sign_xml T; R_sign=$CMP; sign_t_ok=$OK
compare sd_sign_xml xs_sign_xml M; Q_sign=$CMP; sign_m_ok=$OK
compare sd_verify_sd xs_verify_sd T; R_vsd=$CMP; vsd_t_ok=$OK
compare sd_verify_sd xs_verify_sd M; Q_vsd=$CMP; vsd_m_ok=$OK
compare sd_verify_xs xs_verify_xs T; R_vxs=$CMP; vxs_t_ok=$OK
compare sd_verify_xs xs_verify_xs M; Q_vxs=$CMP; vxs_m_ok=$OK

cat <<EOF

## Results ($(date -u +%Y-%m-%dT%H:%M:%SZ))

Machine: $(nproc) cores (nproc), $cpu, $ram RAM, load average $load at the start; $(openssl version | cut -d' ' -f1-2), \
$xmlsec_ver; securedoc-cli build type: ${build_type:-unknown}; RSA-2048 key (signer-rsa.p12); fastest of $repeat runs each; \
a run is stopped after $limit s.

(a) $(mib "$doc_kib") MiB XML document, $records records, enveloped:

| Command | Time (s) | CPU (s) | Throughput | Peak RSS (MiB) |
|---|---:|---:|---:|---:|
$(row "securedoc-cli sign (XAdES B-B, enveloped)" sd_sign_xml "$doc_kib")
$(row "xmlsec1 --sign (enveloped, exc-c14n, rsa-sha256)" xs_sign_xml "$doc_kib")
$(row "securedoc-cli verify, our signature" sd_verify_sd "$doc_kib")
$(row "xmlsec1 --verify, our signature" xs_verify_sd "$doc_kib")
$(row "securedoc-cli verify, xmlsec1's signature" sd_verify_xs "$doc_kib")
$(row "xmlsec1 --verify, its own signature" xs_verify_xs "$doc_kib")

- Signing: securedoc-cli takes ${R_sign} xmlsec1's time ($(say "$sign_t_ok")); peak RSS ${Q_sign} ($(say "$sign_m_ok")).
- Verifying our signature: ${R_vsd} xmlsec1's time ($(say "$vsd_t_ok")), peak RSS ${Q_vsd} ($(say "$vsd_m_ok")).
- Verifying xmlsec1's signature: ${R_vxs} xmlsec1's time ($(say "$vxs_t_ok")), peak RSS ${Q_vxs} ($(say "$vxs_m_ok")).
EOF
if ((large_mb > 0)); then
  det_s_ok=""; det_v_ok=""
  if [[ $(state sd_sign_det) != 2 ]]; then det_s_ok=$((M_sd_sign_det < rss_target_kib ? 1 : 0)); fi
  if [[ $(state sd_verify_det) != 2 ]]; then det_v_ok=$((M_sd_verify_det < rss_target_kib ? 1 : 0)); fi
  compare sd_sign_det dgst T; R_sdg=$CMP
  compare sd_sign_det sha256sum T; R_ssh=$CMP
  compare sd_verify_det dgst T; R_vdg=$CMP
  cat <<EOF

(b) $(mib "$large_kib") MiB of random bytes, detached XAdES:

| Command | Time (s) | CPU (s) | Throughput | Peak RSS (MiB) |
|---|---:|---:|---:|---:|
$(row "sha256sum" sha256sum "$large_kib")
$(row "openssl dgst -sha256" dgst "$large_kib")
$(row "securedoc-cli sign --format xades --mode detached" sd_sign_det "$large_kib")
$(row "securedoc-cli verify --detached-content" sd_verify_det "$large_kib")

- Peak RSS (target < 64 MiB): signing $(fig sd_sign_det M) MiB ($(say "$det_s_ok")), verifying $(fig sd_verify_det M) MiB ($(say "$det_v_ok")).
- Time (no target): signing takes ${R_sdg} openssl dgst's time and ${R_ssh} sha256sum's; verifying ${R_vdg} openssl dgst's.
EOF
fi
echo
echo "- Outputs verified (ours TOTAL-PASSED; xmlsec1's references, value and chain intact; xmlsec1 OK on both): $ver."
[[ $ver == ok ]] || exit 1
