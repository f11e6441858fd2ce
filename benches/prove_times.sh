#!/usr/bin/env bash
# Warm proving times against the estimate's prediction, per bench model: one cold `zkinfer prove`
# (SRS, settings and keys made and cached), then three warm ones; prints the layout's k and columns,
# `inspect`'s predicted prove seconds, the cold run's keygen and prove, and the three warm proves. What the proving-time fit in
# circuits/src/estimate.rs was refitted on.
#
# usage: bash benches/prove_times.sh [MODEL...]   (default: the small suite and the scale suite)
# env:   ZKINFER (default: the release binary), ZKINFER_BENCH_DIR (default ../shared/bench),
#        WORK (default /tmp/zkinfer-prove-times; one key cache per model under it)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
Z="${ZKINFER:-${CARGO_TARGET_DIR:-$ROOT/target}/release/zkinfer}"
SUITE="${ZKINFER_BENCH_DIR:-$ROOT/../shared/bench}"
WORK="${WORK:-/tmp/zkinfer-prove-times}"
MODELS=("$@")
if [ ${#MODELS[@]} -eq 0 ]; then
  MODELS=(mlp_digits cnn_digits mlp_wide lenet_mnist_shape cifar_cnn dense_4m cifar_vgg tiny_bert)
fi
mkdir -p "$WORK"
for m in "${MODELS[@]}"; do
  M="$SUITE/models/$m"
  export ZKINFER_CACHE="$WORK/cache-$m"
  rm -rf "$ZKINFER_CACHE"   # cold: the first prove makes the SRS, settings and keys
  prove() {
    "$Z" prove "$M.onnx" "$M.input.json" --calibration "$M.cal.json" --insecure-dev-srs \
      -o "$WORK/$m.proof.json" 2>/dev/null
  }
  cold=$(prove | awk '/^ +(keygen|prove) /{printf "%s %s s ", $1, $2}')
  predicted=$("$Z" inspect "$M.onnx" --calibration "$M.cal.json" --json 2>/dev/null | python3 -c '
import json, sys
e = json.load(sys.stdin)["estimate"]
print("k={} advice={} fixed={} lookups={} predicted={:.3f}".format(
    e["k"], e["advice"], e["fixed"], e["lookups"], e["prove_seconds"]))')
  warm=""
  for _ in 1 2 3; do
    warm="$warm $(prove | awk '/^ +prove /{print $2}')"
  done
  echo "$m $predicted cold: $cold warm prove s:$warm"
done
