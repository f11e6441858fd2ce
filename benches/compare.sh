#!/usr/bin/env bash
# Side by side: zkinfer and EZKL 23.0.5 (from PyPI, in a local venv) on the same ONNX files of
# ../shared/bench/models, one model after the other on this machine, then a table of ratios.
# A benchmark, not a test: it installs EZKL (~1 min) and takes minutes per model.
#
# EZKL's verifier gas is measured in the same run too: the suite's evm_check.py compiles EZKL's Solidity
# verifier with solcjs, deploys it on anvil and estimates the gas of verifying EZKL's proof.
#
# Small proofs vary by about ±20% from run to run on a 2-core machine (EZKL's too), so RUNS=N repeats the
# pair N times, alternating EZKL and zkinfer so both see the same drift, and the table reports medians
# (with the range) of the timed metrics.
#
# usage: benches/compare.sh [model ...]        (default: all four bench models)
# env:   ZKINFER_BENCH_DIR (default ../shared/bench), COMPARE_DIR (default target/compare),
#        CARGO_TARGET_DIR (where zkinfer is built, default target/), RUNS (default 1)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUITE=${ZKINFER_BENCH_DIR:-$ROOT/../shared/bench}
WORK=${COMPARE_DIR:-$ROOT/target/compare}
MODELS=("$@")
[ ${#MODELS[@]} -eq 0 ] && MODELS=(mlp_digits cnn_digits mlp_wide lenet_mnist_shape)
mkdir -p "$WORK"
if [ ! -d "$WORK/bench" ]; then cp -r "$SUITE" "$WORK/bench" && chmod -R u+w "$WORK/bench"; fi
[ -x "$WORK/bench/.venv/bin/python" ] || (cd "$WORK/bench" && ./setup.sh)
(cd "$ROOT" && npm ci --prefix verifier-contract/js --no-audit --no-fund --silent && cargo build --release --workspace)
Z="${CARGO_TARGET_DIR:-$ROOT/target}/release/zkinfer"
RUNS=${RUNS:-1}
for m in "${MODELS[@]}"; do
  rm -f "$WORK/$m".*.prove.out "$WORK/$m".*.prove.err "$WORK/$m".ezkl.*.json
  M="$WORK/bench/models/$m"
  cache="$WORK/cache-$m"
  for r in $(seq 1 "$RUNS"); do
    echo "=== EZKL $m run $r/$RUNS $(date +%T)"
    (cd "$WORK/bench" && CAP_S=${CAP_S:-1500} ./run_all.sh "$m" >/dev/null)
    cp "$WORK/bench/logs/$m.json" "$WORK/$m.ezkl.$r.json"
    if [ "$r" -eq 1 ]; then
      (cd "$WORK/bench" && .venv/bin/python evm_check.py "$m" > "$WORK/$m.ezkl-evm.json") ||
        echo "EZKL's EVM check failed for $m: the table falls back to the suite README's gas"
    fi
    echo "=== zkinfer $m run $r/$RUNS $(date +%T)"
    rm -rf "$cache"   # cold: SRS, settings and keys are all made in this run
    ZKINFER_CACHE="$cache" /usr/bin/time -v "$Z" prove "$M.onnx" "$M.input.json" --calibration "$M.cal.json" \
        --insecure-dev-srs -o "$WORK/$m.proof.json" > "$WORK/$m.$r.prove.out" 2> "$WORK/$m.$r.prove.err"
  done
  ZKINFER_CACHE="$cache" "$Z" verify-evm "$WORK/$m.proof.json" > "$WORK/$m.evm.out"
  ls -l "$cache"/keys/*/pk.bin | awk '{print "pk_bytes", $5}' > "$WORK/$m.pk"
done
python3 "$ROOT/benches/compare_table.py" "$WORK" "${MODELS[@]}"
