#!/usr/bin/env bash
# Sets everything up and runs the main job on the bundled rare-earth dataset: the impact of
# China's April 2025 seven-element licensing, with the chokepoint report and diagram.
# Reports go to out/; the headline report is also printed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release >&2
bin=build/release/chokepoint
dataset=data/rare-earths
scenario=data/scenarios/cn-2025-04-seven-elements.yaml
mkdir -p out

echo "== validate --strict $dataset data/scenarios" >&2
$bin validate --strict "$dataset" >&2
$bin validate data/scenarios >&2

echo "== impact of China's April 2025 controls -> out/impact.md, out/impact.json" >&2
$bin scenario run "$dataset" "$scenario" --format md -o out/impact.md
$bin scenario run "$dataset" "$scenario" --format json -o out/impact.json

echo "== chokepoints, dependencies, concentration, summary -> out/" >&2
$bin chokepoints "$dataset" --format md -o out/chokepoints.md
$bin dependencies "$dataset" --format md -o out/dependencies.md
$bin concentration "$dataset" --basis production --format md -o out/concentration.md
$bin summary "$dataset" --format md -o out/summary.md

if $bin diagram --help >/dev/null 2>&1; then
  echo "== chokepoint diagrams -> out/diagram-*.svg" >&2
  $bin diagram "$dataset" --view country --element Dy -o out/diagram-country-dy.svg
  $bin diagram "$dataset" --element Dy --scenario "$scenario" -o out/diagram-dy-april-2025.svg
fi

cat out/impact.md
echo >&2
echo "Reports written to out/: $(cd out && ls | tr '\n' ' ')" >&2
