# Shared by bench/run.sh and bench/pades.sh (sourced; sets nothing on its own
# but `cli`, found once `repo` is set, and the helper functions).
# shellcheck shell=bash
# Timings are set indirectly (printf -v T_name).
# shellcheck disable=SC2154

die() { echo "$0: $*" >&2; exit 1; }
verdict() { if [[ $1 == 1 ]]; then echo "met"; else echo "MISSED"; fi; }

# An optimised build by default: scripts/test's (RelWithDebInfo), else scripts/demo's.
cli=${SECUREDOC_CLI:-}
if [[ -z $cli ]]; then
  for c in "$repo/build/test/app/cli/securedoc-cli" "$repo/build/demo-build/app/cli/securedoc-cli" \
           "$repo/build/app/cli/securedoc-cli"; do
    if [[ -x $c ]]; then cli=$c; break; fi
  done
fi
[[ -n $cli ]] || { echo "$0: no securedoc-cli built; run scripts/test or scripts/demo first" >&2; exit 1; }

# measure NAME CMD...: runs CMD under GNU time; sets T_<NAME> (wall seconds),
# C_<NAME> (CPU seconds, user + system, of CMD and its children) and M_<NAME>
# (peak RSS, KiB, of the largest single process in CMD's tree).
measure() {
  local name=$1; shift
  local tf=$run_dir/time.$name t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >/dev/null
  t1=$(date +%s%N)
  printf -v "T_$name" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')"
  printf -v "M_$name" '%s' "$(awk 'END{print $2}' "$tf")"
  printf -v "C_$name" '%s' "$(awk 'END{printf "%.2f", $3 + $4}' "$tf")"
}
# best_of NAME SETUP CMD...: BENCH_REPEAT times: SETUP, sync, CMD.  Keeps the
# fastest run in T_<NAME>/C_<NAME>/M_<NAME> and prints them all.
best_of() {
  local name=$1 setup=$2; shift 2
  local r tv mv times="" rss=""
  printf -v "T_$name" '%s' ""
  for ((r = 1; r <= repeat; r++)); do
    $setup
    sync
    measure "${name}_$r" "$@"
    tv="T_${name}_$r"; mv="M_${name}_$r"
    times+="${times:+ / }${!tv}"; rss+="${rss:+ / }${!mv}"
    local best="T_$name" cv="C_${name}_$r"
    if [[ -z ${!best} ]] || awk -v a="${!tv}" -v b="${!best}" 'BEGIN{exit !(a<b)}'; then
      printf -v "T_$name" '%s' "${!tv}"
      printf -v "M_$name" '%s' "${!mv}"
      printf -v "C_$name" '%s' "${!cv}"
    fi
  done
  printf '  %-14s runs %s s; peak RSS %s KiB\n' "$name:" "$times" "$rss"
}
calc() { awk "BEGIN{printf \"$1\", $2}"; }
mib() { calc "%.1f" "$1/1024"; }
nop() { :; }

# prepare_run: the CLI as an absolute path and its build type, a warning
# when the machine is busy, the work folder made and absolute (sets cli,
# build_type, load and work; needs repo and work).
prepare_run() {
  [[ -x $cli ]] || die "$cli not found; build it: cmake --build $repo/build --target securedoc-cli"
  cli=$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$cli")/../../CMakeCache.txt" 2>/dev/null || true)
  load=$(cut -d' ' -f1 /proc/loadavg)
  if awk -v l="$load" 'BEGIN{exit !(l > 0.5)}'; then
    echo "warning: load average is $load; other work on this machine will distort the figures" >&2
  fi
  mkdir -p "$work"
  work=$(cd "$work" && pwd)
}
