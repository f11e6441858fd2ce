"""Shared fixtures: a key and settings cache of the test session's own (never the user's), the bundled
tiny_linear model, and one prover of it that the tests share (its keys are made once)."""

import json
import os
import tempfile
from pathlib import Path

import pytest

# Before zkinfer reads it: keys, settings and the development SRS go to a folder of this session.
_CACHE = tempfile.mkdtemp(prefix="zkinfer-pytest-")
os.environ["ZKINFER_CACHE"] = _CACHE

import zkinfer  # noqa: E402

ZOO = Path(__file__).resolve().parents[2] / "models" / "zoo"


@pytest.fixture(scope="session")
def tiny():
    """tiny_linear: Gemm + Relu, input (1, 2, 4), output (1, 4); its ONNX reference output."""
    folder = ZOO / "tiny_linear"
    x = json.loads((folder / "input.json").read_text())["input_data"][0]
    expected = json.loads((folder / "expected_output.json").read_text())["output_data"][0]
    return {"model": folder / "network.onnx", "cal": folder / "cal.json", "x": x, "expected": expected}


@pytest.fixture(scope="session")
def prover(tiny):
    return zkinfer.Prover(tiny["model"], calibration=tiny["cal"], insecure_dev_srs=True)


@pytest.fixture(scope="session")
def proof(prover, tiny):
    return prover.prove(tiny["x"])
