#!/usr/bin/env bash
# SecureDoc benchmark (issue 6): the CSC v2 service under concurrent clients.
# Runs build/bench/cloud_load (bench/cloud_load.cpp) against the real
# securedoc-cloud; builds nothing.  Every option is passed on to cloud_load.
#
# Usage: bench/cloud_load.sh [--clients N] [--hashes N] [--rounds R] [--server-threads N] [--dir DIR]
#        bench/cloud_load.sh -h|--help
# Environment:
#   BUILD=build             the build folder holding bench/cloud_load and app/cloud/securedoc-cloud
#   CLOUD_LOAD=...          the cloud_load program (default: $BUILD/bench/cloud_load)
#   SECUREDOC_CLOUD=...     the securedoc-cloud program (default: $BUILD/app/cloud/securedoc-cloud)
# Build first: cmake --build build --target cloud_load securedoc-cloud
# Goals (bench/RESULTS.md): >= 1,000 signatures/s, p99 of authorize+signHash < 100 ms.
# Run by hand; ctest runs the same program as test_cloud_load.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-$repo/build}
load=${CLOUD_LOAD:-$build/bench/cloud_load}
cloud=${SECUREDOC_CLOUD:-$build/app/cloud/securedoc-cloud}

die() { echo "$0: $*" >&2; exit 1; }

[[ -x $load ]] || die "no $load (cmake --build $build --target cloud_load securedoc-cloud, or set CLOUD_LOAD)"
for a in "$@"; do
  if [[ $a == -h || $a == --help ]]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    echo
    exec "$load" --help
  fi
done
[[ -x $cloud ]] || die "no $cloud (cmake --build $build --target securedoc-cloud, or set SECUREDOC_CLOUD)"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: $load --cloud $cloud $*"
exec "$load" --cloud "$cloud" "$@"
