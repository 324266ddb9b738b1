#!/usr/bin/env bash
# Sets everything up and runs the main job on the bundled rare-earth dataset. Reports go to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release >&2
bin=build/release/chokepoint
dataset=data/rare-earths
[ -d "$dataset" ] || dataset=data/example
mkdir -p out

echo "== validate --strict $dataset"
$bin validate --strict "$dataset"
