#!/usr/bin/env bash
# The window's start-up time, a 5,000-file add and the preview's first page
# of a 500-page PDF (bench/gui_bench.cpp), each run 5 times under a fresh
# Xvfb; pdftoppm drawing the same page is measured in the same runs as the
# peer.  Build first:
#   cmake --build build --target gui_bench
# BUILD=build-dir picks another build; the first argument is the file count.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD:-$root/build}"
bench="$build/bench/gui_bench"
[[ -x $bench ]] || { echo "no $bench (cmake --build $build --target gui_bench)" >&2; exit 1; }
cfg="$(mktemp)"
work="$(mktemp -d)"
trap 'rm -rf "$cfg" "$work"' EXIT
pdf="$work/long-500.pdf"
python3 "$root/bench/make_pdfs.py" pages "$pdf" 500
echo "preview file: $(basename "$pdf"), $(stat -c %s "$pdf") bytes, $(pdfinfo "$pdf" | awk '/^Pages:/{print $2}') pages"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for run in 1 2 3 4 5; do
  echo "== run $run"
  SECUREDOC_CONFIG="$cfg" SECUREDOC_LOCALEDIR="$build/locale" \
    xvfb-run -a -s "-screen 0 1280x800x24" "$bench" "${1:-5000}" "$pdf" \
    "$build/tests/pki/signer-ec.p12" "$build/tests/pki/password.txt"
  # The peer: poppler's own tool drawing the same first page (a new process,
  # so it loads poppler as the window's first preview does), at 72 dpi,
  # about the preview's fit-width size.
  /usr/bin/time -f "pdftoppm -f 1 -l 1 -r 72: %e s wall, %M KiB peak RSS" \
    pdftoppm -f 1 -l 1 -r 72 -png "$pdf" "$work/page" 2>&1
done
