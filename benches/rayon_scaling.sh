#!/usr/bin/env bash
# Rayon scaling per model: warm `zkinfer prove` with RAYON_NUM_THREADS=2 and =1 alternating, PAIRS
# pairs (keys made and cached by one untimed prove first); prints each setting's median prove phase and
# range, the speedup and the parallel efficiency (speedup / 2). What issue 17's ">= 85% parallel
# efficiency" is measured with.
#
# usage: bash benches/rayon_scaling.sh [MODEL...]   (default: the scale suite)
# env:   ZKINFER (default: the release binary), ZKINFER_BENCH_DIR (default ../shared/bench),
#        WORK (default /tmp/zkinfer-rayon-scaling; one key cache per model under it), PAIRS (default 3)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
Z="${ZKINFER:-${CARGO_TARGET_DIR:-$ROOT/target}/release/zkinfer}"
SUITE="${ZKINFER_BENCH_DIR:-$ROOT/../shared/bench}"
WORK="${WORK:-/tmp/zkinfer-rayon-scaling}"
PAIRS="${PAIRS:-3}"
MODELS=("$@")
if [ ${#MODELS[@]} -eq 0 ]; then
  MODELS=(dense_4m cifar_cnn cifar_vgg tiny_bert)
fi
mkdir -p "$WORK"
for m in "${MODELS[@]}"; do
  M="$SUITE/models/$m"
  export ZKINFER_CACHE="$WORK/cache-$m"
  prove() {
    RAYON_NUM_THREADS="$1" "$Z" prove "$M.onnx" "$M.input.json" --calibration "$M.cal.json" \
      --insecure-dev-srs -o "$WORK/$m.proof.json" 2>/dev/null | awk '/^ +prove /{print $2}'
  }
  prove 2 >/dev/null # settings and keys
  two="" one=""
  for _ in $(seq "$PAIRS"); do
    two="$two $(prove 2)"
    one="$one $(prove 1)"
  done
  python3 - "$m" "$two" "$one" <<'PY'
import statistics, sys
m, two, one = sys.argv[1], [float(v) for v in sys.argv[2].split()], [float(v) for v in sys.argv[3].split()]
t2, t1 = statistics.median(two), statistics.median(one)
print(f"{m}: 2 threads {t2:.3f} s ({min(two):.3f}-{max(two):.3f}), 1 thread {t1:.3f} s "
      f"({min(one):.3f}-{max(one):.3f}), speedup {t1 / t2:.2f}, parallel efficiency {t1 / t2 / 2:.0%}")
PY
done
