#!/usr/bin/env bash
# The main job on a bundled model: build zkinfer, prove one inference of the digits MLP, verify the proof
# natively and with zkinfer's EVM verifier (shared contract + the model's verifying-key contract, exported to
# evm/) in an in-process EVM. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix verifier-contract/js --no-audit --no-fund --silent
cargo build --release --workspace
Z="${CARGO_TARGET_DIR:-target}/release/zkinfer"   # where cargo just built it
M=models/zoo/mlp_digits
# --insecure-dev-srs: no ceremony SRS imported here, so allow a local development one (INSECURE)
$Z prove $M/network.onnx $M/input.json --calibration $M/cal.json -o proof.json --insecure-dev-srs
$Z verify proof.json --insecure-dev-srs   # the key was made with that development SRS
$Z export-verifier $M/network.onnx --calibration $M/cal.json -o evm --insecure-dev-srs
$Z verify-evm proof.json --exported evm
