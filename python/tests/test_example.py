"""The worked example runs as a test: a scikit-learn model, exported with skl2onnx, proven and verified,
its proven outputs checked against scikit-learn's own prediction."""

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sklearn_digits.py"


def test_the_sklearn_example_proves_what_sklearn_predicts(tmp_path):
    spec = importlib.util.spec_from_file_location("sklearn_digits", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    got = example.run(tmp_path)
    assert got["label"] == got["sklearn_label"]
    np.testing.assert_allclose(got["probabilities"], got["sklearn_probabilities"], atol=0.02)
    assert got["verified"].k > 0 and got["evm"].accepted and got["evm"].gas_used > 0
    assert (tmp_path / "proof.json").exists() and (tmp_path / "settings.json").exists()
