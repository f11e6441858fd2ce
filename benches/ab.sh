#!/usr/bin/env bash
# A/B: two zkinfer builds on the same bench models, alternating, so both see the same machine drift.
# Per model: one cold prove per build (settings and keys made, its keygen / prove / error printed), then
# PAIRS warm proves per build (keys cached), old then new, each printing the prove phase in seconds.
#
# usage: OLD=/path/to/zkinfer-before NEW=/path/to/zkinfer-after [PAIRS=3] benches/ab.sh model ...
# env:   ZKINFER_BENCH_DIR (default ../shared/bench), AB_DIR (caches and proofs, default target/ab)
# e.g.   cp target/release/zkinfer /tmp/zkinfer-before; (change, cargo build --release)
#        OLD=/tmp/zkinfer-before NEW=target/release/zkinfer benches/ab.sh cifar_cnn tiny_bert
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${ZKINFER_BENCH_DIR:-$ROOT/../shared/bench}/models
WORK=${AB_DIR:-$ROOT/target/ab}
: "${OLD:?set OLD to the zkinfer binary before the change}" "${NEW:?set NEW to the binary after it}"
PAIRS=${PAIRS:-3}
mkdir -p "$WORK"
for m in "$@"; do
  [ -f "$B/$m.onnx" ] || { echo "no bench model $B/$m.onnx" >&2; exit 2; }
  for v in old new; do
    z=$OLD; [ $v = new ] && z=$NEW
    rm -rf "$WORK/cache-$v-$m"
    ZKINFER_CACHE="$WORK/cache-$v-$m" "$z" prove "$B/$m.onnx" "$B/$m.input.json" --calibration "$B/$m.cal.json" \
      --insecure-dev-srs -o "$WORK/$v-$m.proof.json" > "$WORK/$v-$m.cold.out" 2>&1
    echo "$m $v cold: $(grep -E '^\s+(keygen|prove) ' "$WORK/$v-$m.cold.out" | tr -s ' ' | tr '\n' ' ')$(grep -E 'max \|' "$WORK/$v-$m.cold.out")"
  done
  for r in $(seq 1 "$PAIRS"); do
    for v in old new; do
      z=$OLD; [ $v = new ] && z=$NEW
      t=$(ZKINFER_CACHE="$WORK/cache-$v-$m" "$z" prove "$B/$m.onnx" "$B/$m.input.json" --insecure-dev-srs \
        -o "$WORK/$v-$m.proof.json" 2>&1 | awk '$1 == "prove" {print $2}')
      echo "$m $v warm $r: $t s"
    done
  done
done
