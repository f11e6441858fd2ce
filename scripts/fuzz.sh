#!/usr/bin/env bash
# Fuzz zkinfer's hostile-input targets with cargo-fuzz (libFuzzer), each for a bounded time.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
#
# Targets (fuzz/fuzz_targets/, each a call into crate zkinfer-robustness): onnx input_json settings
# proof_json vk_file pk_file srs_file ptau vk_json chain_data. Seeds come from the bundled models and
# robustness/fixtures. A crash (panic, abort, out of memory, timeout) is copied to
# robustness/regressions/<target>/, which `cargo test -p zkinfer-robustness` replays on stable:
# commit it with the fix. Needs the nightly toolchain (libFuzzer's instrumentation flags) and
# installs cargo-fuzz from crates.io into target/tools. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PER=${1:-60}
shift || true
ALL="onnx input_json settings proof_json vk_file pk_file srs_file ptau vk_json chain_data"
TARGETS=${*:-$ALL}

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "fuzz.sh: needs the nightly toolchain (rustup toolchain install nightly)" >&2
    exit 1
fi
FUZZ="$ROOT/target/tools/bin/cargo-fuzz"
if [ ! -x "$FUZZ" ]; then
    cargo install --locked --root "$ROOT/target/tools" cargo-fuzz
fi

CORPUS="$ROOT/target/fuzz/corpus"
ARTIFACTS="$ROOT/target/fuzz/artifacts"
cargo run --quiet --release -p zkinfer-robustness --example write_seeds -- "$CORPUS"

summary=()
for t in $TARGETS; do
    mkdir -p "$ARTIFACTS/$t" "$ROOT/robustness/regressions/$t"
    log="$ROOT/target/fuzz/$t.log"
    echo "== $t: ${PER}s"
    # -rss_limit_mb: a hostile file must not make us allocate gigabytes; -timeout: nor hang.
    set +e
    (cd "$ROOT" && rustup run nightly "$FUZZ" fuzz run --fuzz-dir fuzz "$t" "$CORPUS/$t" -- \
        -max_total_time="$PER" -rss_limit_mb=3072 -timeout=20 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$t/") >"$log" 2>&1
    rc=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    crashes=0
    for f in "$ARTIFACTS/$t"/*; do
        [ -f "$f" ] || continue
        cp "$f" "$ROOT/robustness/regressions/$t/"
        crashes=$((crashes + 1))
    done
    summary+=("$t: exit $rc, $runs runs, corpus $(ls "$CORPUS/$t" | wc -l), crash inputs $crashes")
    [ "$rc" = 0 ] || tail -n 30 "$log"
done
echo
printf '%s\n' "${summary[@]}"
