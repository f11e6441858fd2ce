#!/usr/bin/env bash
# The Python package's tests: install the pinned test dependencies (maturin, numpy, scikit-learn,
# skl2onnx, pytest: python/requirements-test.txt, from PyPI) into a local venv (.deps/pyvenv), build and
# install the package from this checkout exactly as a user does (`pip install ./python`: pip fetches
# maturin into an isolated build environment and builds the wheel), then run pytest on python/tests.
#
# The wheel is built in cargo's target directory (CARGO_TARGET_DIR when set, as .ci/run sets it, else
# ./target), with the release profile, so the crates the release build compiled are reused: only pyo3
# and the native module are rebuilt (maturin builds them as an extension module, not linked to
# libpython).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.deps/pyvenv
req=python/requirements-test.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$venv/requirements-test.txt"; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$venv/requirements-test.txt"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
start=$(date +%s)
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps ./python
echo "python package built and installed in $(( $(date +%s) - start )) s"
"$venv/bin/pytest" -q python/tests
