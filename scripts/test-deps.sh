#!/usr/bin/env bash
# Install what the test suite needs besides cargo, into the repository (nothing global):
# - solc-js 0.8.19 (npm, lockfile in verifier-contract/js) to compile the contracts, and anvil 1.7.1
#   (npm @foundry-rs/anvil-linux-amd64, same lockfile) as the local Ethereum node of the on-chain tests;
# - the ONNX backend node tests (the `onnx` Python package from PyPI, pinned, in a local venv), linked at
#   .deps/onnx-node for the conformance test.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix verifier-contract/js --no-audit --no-fund
ONNX_VERSION=1.17.0
link=.deps/onnx-node
if [ ! -d "$link" ] || [ "$(cat .deps/onnx-version 2>/dev/null)" != "$ONNX_VERSION" ]; then
    mkdir -p .deps
    python3 -m venv .deps/venv
    # Only the package's data is used (no imports): skip its dependencies.
    .deps/venv/bin/pip install --quiet --disable-pip-version-check --no-deps "onnx==$ONNX_VERSION"
    data=$(find .deps/venv/lib -path '*/onnx/backend/test/data/node' -type d | head -n 1)
    [ -n "$data" ] || { echo "onnx $ONNX_VERSION has no backend node tests" >&2; exit 1; }
    ln -sfn "$(pwd)/$data" "$link"
    echo "$ONNX_VERSION" > .deps/onnx-version
fi
anvil=verifier-contract/js/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
"$anvil" --version > /dev/null || { echo "$anvil does not run" >&2; exit 1; }
echo "test deps ready: solc-js and anvil in verifier-contract/js, ONNX node tests in $link ($(ls "$link" | wc -l) cases)"
