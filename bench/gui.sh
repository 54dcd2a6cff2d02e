#!/usr/bin/env bash
# The window's start-up time and a 5,000-file add (bench/gui_bench.cpp), each
# run 5 times under a fresh Xvfb.  Build first:
#   cmake --build build --target gui_bench
# BUILD=build-dir picks another build; the first argument is the file count.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD:-$root/build}"
bench="$build/bench/gui_bench"
[[ -x $bench ]] || { echo "no $bench (cmake --build $build --target gui_bench)" >&2; exit 1; }
cfg="$(mktemp)"
trap 'rm -f "$cfg"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for run in 1 2 3 4 5; do
  echo "== run $run"
  SECUREDOC_CONFIG="$cfg" SECUREDOC_LOCALEDIR="$build/locale" \
    xvfb-run -a -s "-screen 0 1280x800x24" "$bench" "${1:-5000}"
done
