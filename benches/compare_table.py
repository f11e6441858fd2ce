#!/usr/bin/env python3
"""Print the zkinfer vs EZKL table from the files benches/compare.sh leaves in its work folder.

usage: compare_table.py WORK_DIR model [model ...]
With several runs of a model (WORK_DIR/<model>.<r>.prove.out and <model>.ezkl.<r>.json, r = 1, 2, ...) the timed
metrics and peak RSS are medians, printed with their range; the rest is the same in every run.
EZKL's verifier gas and runtime size come from WORK_DIR/<model>.ezkl-evm.json, written in the same run by the
suite's evm_check.py (solcjs + anvil: EZKL's own EVM step needs a native solc download, which this machine
cannot make); when that file is missing or failed, from ../shared/bench/README.md, marked "(README)".
"""
import glob
import json
import re
import statistics
import sys

TIMED = ("srs_s", "keygen_s", "prove_s", "rss_mib")

EZKL_GAS = {"mlp_digits": 550_000, "cnn_digits": 551_000, "mlp_wide": 550_000, "lenet_mnist_shape": 549_000}
EZKL_BYTECODE = 13_400


def grab(pattern, text, cast=float):
    m = re.search(pattern, text, re.M)
    return cast(m.group(1)) if m else None


def runs(work, pattern):
    """The run numbers of the files matching pattern (with {} where the run number goes)."""
    found = glob.glob(f"{work}/" + pattern.format("*"))
    numbers = [re.search(r"\.(\d+)\.", f[len(work):]) for f in found]
    return sorted(int(n.group(1)) for n in numbers if n)


class Spread(float):
    """A median that prints with the range of the runs it summarises."""

    def __new__(cls, values):
        values = [v for v in values if v is not None]
        if not values:
            return None
        obj = super().__new__(cls, statistics.median(values))
        obj.lo, obj.hi, obj.n = min(values), max(values), len(values)
        return obj


def median_of(records):
    """One record: the first run's fields, with the timed ones replaced by their median over all runs."""
    merged = dict(records[0])
    if len(records) > 1:
        for key in TIMED:
            merged[key] = Spread([r[key] for r in records])
    return merged


def ours(work, m):
    return median_of([ours_run(work, m, r) for r in runs(work, m + ".{}.prove.out")])


def ours_run(work, m, r):
    out = open(f"{work}/{m}.{r}.prove.out").read()
    err = open(f"{work}/{m}.{r}.prove.err").read()
    evm = open(f"{work}/{m}.evm.out").read()
    pk = open(f"{work}/{m}.pk").read()
    return {
        "k": grab(r"k=(\d+)", out, int),
        "rows": grab(r"rows=(\d+)", out, int),
        "columns": re.search(r"columns: (.*)$", out, re.M).group(1),
        "keygen_s": grab(r"^\s+keygen\s+([\d.]+) s", out),
        "prove_s": grab(r"^\s+prove\s+([\d.]+) s", out),
        "srs_s": grab(r"^\s+srs\s+([\d.]+) s", out),
        "rss_mib": grab(r"Maximum resident set size \(kbytes\): (\d+)", err) / 1024,
        "pk_mb": grab(r"pk_bytes (\d+)", pk) / 1e6,
        "proof_bytes": grab(r"proof\s+(\d+) bytes", out, int),
        "gas": grab(r"gas used (\d+)", evm, int),
        # the per-model verifying-key contract (the shared verifier is deployed once for all models)
        "bytecode": grab(r"verifying-key contract: runtime (\d+) bytes", evm, int),
        "shared_bytecode": grab(r"shared verifier: runtime (\d+) bytes", evm, int),
        "max_err": grab(r"max \|quantized - float\| = ([\d.]+)", out),
    }


def ezkl_evm(work, m):
    """(gas, runtime bytes) measured on anvil in this run, or the README's figures marked as such."""
    try:
        d = json.loads(open(f"{work}/{m}.ezkl-evm.json").read().strip().splitlines()[-1])
        if d.get("verify_ok_onchain") and d.get("verify_gas_estimate"):
            return d["verify_gas_estimate"], d.get("runtime_bytes", EZKL_BYTECODE)
    except (OSError, ValueError, IndexError):
        pass
    return f"{EZKL_GAS.get(m)} (README)", f"{EZKL_BYTECODE} (README)"


def ezkl(work, m):
    return median_of([ezkl_run(work, m, r) for r in runs(work, m + ".ezkl.{}.json")])


def ezkl_run(work, m, r):
    line = open(f"{work}/{m}.ezkl.{r}.json").read().strip().splitlines()[-1]
    d = json.loads(line)
    gas, bytecode = ezkl_evm(work, m)
    return {
        "k": d.get("logrows"),
        "rows": d.get("num_rows"),
        "columns": f"{d.get('num_inner_cols')} inner cols",
        "keygen_s": d["steps"].get("setup"),
        "prove_s": d["steps"].get("prove"),
        "srs_s": d["steps"].get("gen_srs"),
        "rss_mib": d.get("peak_rss_mib"),
        "pk_mb": d.get("pk_bytes", 0) / 1e6,
        "proof_bytes": d.get("proof_bytes"),
        "gas": gas,
        "bytecode": bytecode,
        "max_err": d.get("max_abs_err"),
    }


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, Spread):
        return f"{fmt(float(v))} ({fmt(float(v.lo))}-{fmt(float(v.hi))}, median of {v.n})"
    if isinstance(v, float):
        return f"{v:.3f}" if v < 10 else f"{v:.1f}"
    return str(v)


work, models = sys.argv[1], sys.argv[2:]
rows = [("k", "k"), ("rows", "rows"), ("columns", "columns"), ("srs_s", "SRS gen s"), ("keygen_s", "keygen s"),
        ("prove_s", "prove s"), ("rss_mib", "peak RSS MiB"), ("pk_mb", "pk MB"), ("proof_bytes", "proof bytes"),
        ("gas", "verify gas"), ("bytecode", "verifier bytes"), ("max_err", "max |q - float|")]
for m in models:
    z, e = ours(work, m), ezkl(work, m)
    print(f"\n## {m}\n\n| metric | zkinfer | EZKL 23.0.5 | zkinfer / EZKL |\n|---|---|---|---|")
    for key, label in rows:
        a, b = z[key], e[key]
        ratio = f"{a / b:.3f}" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b else ""
        print(f"| {label} | {fmt(a)} | {fmt(b)} | {ratio} |")
print("\nzkinfer verifier bytes: the model's verifying-key contract; the shared ZkinferVerifier "
      f"({z.get('shared_bytecode')} bytes) is deployed once for every model.")
print("\nEZKL verify gas: anvil's eth_estimateGas for EZKL's solcjs-compiled verifier (evm_check.py, this run);"
      " zkinfer's: gas used in revm. Both include the 21,000 base and the calldata.")
