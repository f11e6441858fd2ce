#!/usr/bin/env bash
# End to end on a local node: start anvil, deploy zkinfer's shared verifier and one verifying-key
# contract per model, deploy an InferenceMarket, post one job per model (input published for workers),
# run a worker per model until it has been paid, and print every step with its gas.
#
# usage: scripts/market-demo.sh [model ...]   models of ../shared/bench/models (default: mlp_digits)
# env:   ZKINFER_BENCH_DIR (default ../shared/bench), DEMO_DIR (default target/market-demo)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUITE=${ZKINFER_BENCH_DIR:-$ROOT/../shared/bench}/models
WORK=${DEMO_DIR:-$ROOT/target/market-demo}
MODELS=("$@")
[ ${#MODELS[@]} -eq 0 ] && MODELS=(mlp_digits)
(cd "$ROOT" && npm ci --prefix verifier-contract/js --no-audit --no-fund --silent && cargo build --release --workspace)
Z="${CARGO_TARGET_DIR:-$ROOT/target}/release/zkinfer"
ANVIL="$ROOT/verifier-contract/js/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
rm -rf "$WORK" && mkdir -p "$WORK"
export ZKINFER_CACHE="$WORK/cache"
export ZKINFER_INSECURE_DEV_SRS=1   # a demo: local development SRS (INSECURE), no ceremony imported
PORT=${DEMO_PORT:-8545}
RPC="http://127.0.0.1:$PORT"
# anvil's public dev accounts 0 (requester, deployer) and 1 (worker)
REQUESTER=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
WORKER=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
"$ANVIL" --host 127.0.0.1 --port "$PORT" --silent --gas-limit 30000000 &
ANVIL_PID=$!
trap 'kill $ANVIL_PID 2>/dev/null' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "$RPC" -X POST -H 'content-type: application/json' \
  --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' && break; sleep 0.1; done

cd "$WORK"
out=$("$Z" market deploy --rpc "$RPC" --private-key "$REQUESTER")
echo "$out"
market=$(echo "$out" | awk '/^market/ {print $2}')
verifier=""
for m in "${MODELS[@]}"; do
  echo "=== $m"
  onnx="$SUITE/$m.onnx"; input="$SUITE/$m.input.json"; cal=(--calibration "$SUITE/$m.cal.json" --public-input)
  reuse=(); [ -n "$verifier" ] && reuse=(--verifier "$verifier")
  out=$("$Z" deploy "$onnx" "${cal[@]}" --rpc "$RPC" --private-key "$REQUESTER" "${reuse[@]}" 2>/dev/null)
  echo "$out"
  [ -z "$verifier" ] && verifier=$(echo "$out" | awk '/^verifier/ {print $2}')
  model=$(echo "$out" | awk '/^model/ {print $2}')
  "$Z" market post "$onnx" "$input" "${cal[@]}" --rpc "$RPC" --private-key "$REQUESTER" --market "$market" \
      --verifier "$model" --reward 1000000000000000000 --publish inputs 2>/dev/null
  "$Z" worker "$onnx" "${cal[@]}" --rpc "$RPC" --private-key "$WORKER" --market "$market" \
      --verifier "$model" --inputs inputs --once 2>/dev/null | grep -E "^(worker|job)"
done
