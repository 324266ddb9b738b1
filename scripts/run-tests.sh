#!/usr/bin/env bash
# Sets everything up and runs every test (unit, golden CLI, schema, invalid fixtures).
#   scripts/run-tests.sh [preset]   (default: dev, warnings as errors; also: asan, release)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-dev}
scripts/setup.sh "$preset" >&2
jobs=$(nproc 2>/dev/null || echo 2)
ctest --preset "$preset" -j "$jobs"
