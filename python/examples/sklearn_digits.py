"""Where a model maker starts: train a scikit-learn classifier, export it with skl2onnx, then prove one
prediction with zkinfer, verify the proof natively and in an EVM, and print what verifying costs on
chain.

    pip install ./python scikit-learn skl2onnx
    python python/examples/sklearn_digits.py [--out DIR]

It uses a development SRS made on this machine (``insecure_dev_srs=True``): fine for trying zkinfer,
but whoever made it can forge proofs. For proofs others rely on, import a ceremony's SRS
(``zkinfer srs import FILE.ptau``) or pass ``srs=``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any, Dict

import numpy as np
from skl2onnx import to_onnx
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

import zkinfer


def train() -> Dict[str, Any]:
    """Logistic regression on scikit-learn's 8x8 digits (bundled with scikit-learn), pixels in [0, 1]."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    clf = LogisticRegression(max_iter=2000).fit(X[:1500], y[:1500])
    return {"clf": clf, "X_train": X[:1500], "X_test": X[1500:], "y_test": y[1500:]}


def run(out: Path) -> Dict[str, Any]:
    """Train, export, calibrate, prove, verify; returns what the test checks."""
    out.mkdir(parents=True, exist_ok=True)
    data = train()
    clf = data["clf"]
    print(f"trained: test accuracy {clf.score(data['X_test'], data['y_test']):.3f}")

    # skl2onnx writes a LinearClassifier and a Normalizer (zipmap=False: plain tensors, not a map).
    onx = to_onnx(clf, data["X_train"][:1], options={"zipmap": False}, target_opset={"": 13, "ai.onnx.ml": 3})
    model = out / "digits_logreg.onnx"
    model.write_bytes(onx.SerializeToString())

    # Settings from 64 training samples, checked layer by layer; saved for whoever verifies.
    cal = zkinfer.calibrate(model, data["X_train"][:64], output=out / "settings.json")
    print(f"calibrated: scale 2^{cal['settings']['scale']}, k={cal['k']}, guard passed: {cal['guard_passed']}")

    prover = zkinfer.Prover(model, settings=out / "settings.json", insecure_dev_srs=True, progress=True)
    # A test digit the model is sure of (top probability at least 0.9), so that the proven label and
    # scikit-learn's cannot differ by the fixed-point rounding of two close probabilities.
    sure = np.flatnonzero(clf.predict_proba(data["X_test"]).max(axis=1) >= 0.9)
    x = data["X_test"][sure[0]]
    proof = prover.prove(x)
    proof.save(out / "proof.json")
    label, probabilities = proof.outputs
    print(f"proven: label {int(label[0])}, probabilities {np.round(probabilities[0], 3).tolist()}")

    # The verifier's side: the proof file, and the model with the prover's settings.
    received = zkinfer.Proof.load(out / "proof.json")
    verified = received.verify(model=model, settings=out / "settings.json", insecure_dev_srs=True)
    print(f"verified: k={verified.k}, {verified.instances} public instances, key from the {verified.key_origin}")
    evm = prover.verify_evm(received)
    print(f"EVM: accepted, {evm.gas_used:,} gas to verify (verifying-key contract {evm.vk_contract_bytes:,} bytes)")
    return {
        "label": int(label[0]),
        "probabilities": probabilities[0],
        "sklearn_label": int(clf.predict(x[None, :])[0]),
        "sklearn_probabilities": clf.predict_proba(x[None, :])[0],
        "verified": verified,
        "evm": evm,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="where the model, settings and proof go (default: a temporary folder)")
    args = parser.parse_args()
    if args.out:
        run(args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run(Path(tmp))


if __name__ == "__main__":
    main()
