#!/usr/bin/env bash
# Installs what chokepoint needs on Debian 12 (only what is missing), then configures and builds
# one CMake preset. Idempotent: a second run with nothing changed takes a few seconds.
#   scripts/setup.sh [preset]      (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-release}
packages=(
  cmake ninja-build g++ pkg-config git
  libboost-graph-dev libyaml-cpp-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libgraphviz-dev graphviz coinor-libclp-dev libgtest-dev libgmock-dev
  python3 python3-jsonschema python3-yaml python3-networkx
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Graphviz finds its layout and render plugins through config6a; a custom image can lack it.
gvdir=$(pkg-config --variable=libdir libgvc)/graphviz
if [ ! -s "$gvdir/config6a" ] && [ "$(id -u)" -eq 0 ]; then
  dot -c 2>/dev/null || true
fi

jobs=$(nproc 2>/dev/null || echo 2)
if [ ! -f "build/$preset/build.ninja" ]; then
  cmake --preset "$preset" >/dev/null
fi
cmake --build --preset "$preset" -j "$jobs"
