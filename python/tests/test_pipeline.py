"""The rest of the pipeline from Python: calibration (from arrays or a file), inspect, the verifier
export, progress reports, and long calls that let other Python threads run."""

import json
import threading
import time

import numpy as np
import pytest

import zkinfer


def _samples(tiny):
    """cal.json's samples, one a row: shape (n, 8)."""
    return np.asarray(json.loads(tiny["cal"].read_text())["input_data"], dtype=np.float64)


def test_calibrate_from_arrays_checks_every_layer_and_writes_settings(tiny, tmp_path):
    out = tmp_path / "settings.json"
    cal = zkinfer.calibrate(tiny["model"], _samples(tiny).reshape(-1, 2, 4), output=out)
    assert cal["guard_passed"] and cal["layers"] and all(l["passes"] for l in cal["layers"])
    assert cal["samples"] == len(_samples(tiny)) > 1
    assert cal["calibrated_on"].startswith("calibration samples (sha256 ")
    written = json.loads(out.read_text())
    assert written["settings"] == cal["settings"]
    # The same data from a file or from arrays gives the same circuit.
    from_file = zkinfer.calibrate(tiny["model"], tiny["cal"])
    assert from_file["settings"] == cal["settings"] and from_file["k"] == cal["k"]
    a = zkinfer.Prover(tiny["model"], settings=out, insecure_dev_srs=True)
    b = zkinfer.Prover(tiny["model"], calibration=tiny["cal"], insecure_dev_srs=True)
    assert a.circuit_hash == b.circuit_hash


def test_calibration_arrays_must_stack_samples_in_the_inputs_shape(tiny):
    samples = _samples(tiny).reshape(-1, 1, 2, 4)
    for wrong in (samples.reshape(-1, 8)[:, :6], samples.reshape(-1, 4, 2), samples.ravel()):
        with pytest.raises(zkinfer.ZkinferError, match=r"the input's shape is \(1, 2, 4\): stack one sample a row"):
            zkinfer.calibrate(tiny["model"], wrong)
    # With or without the leading 1: the same samples.
    a = zkinfer.calibrate(tiny["model"], samples)
    b = zkinfer.calibrate(tiny["model"], samples.reshape(-1, 2, 4))
    assert a["settings"] == b["settings"] and a["samples"] == b["samples"] == len(samples)
    with pytest.raises(zkinfer.ZkinferError, match="not an array of numbers"):
        zkinfer.calibrate(tiny["model"], np.array([["0.5"] * 8]))


def test_inspect_predicts_before_keygen(tiny, prover):
    ins = zkinfer.inspect(tiny["model"], calibration=tiny["cal"])
    assert ins["estimate"]["k"] == prover.k and ins["estimate"]["prove_seconds"] > 0
    assert ins["cost"] == prover.inspect()["cost"]


def test_export_verifier_writes_the_contract_and_the_key_data(tiny, prover, tmp_path):
    got = zkinfer.export_verifier(tiny["model"], tmp_path / "v", calibration=tiny["cal"], insecure_dev_srs=True)
    assert "contract ZkinferVerifier" in open(got["solidity"]).read()
    vk = json.loads(open(got["vk_json"]).read())
    assert got["circuit_hash"] == prover.circuit_hash == vk["circuit_hash"]
    assert 0 < got["vk_contract_bytes"] <= got["eip170_limit"]
    # The prover's export is the same key's.
    own = prover.export_verifier(tmp_path / "own")
    assert json.loads(open(own["vk_json"]).read()) == vk


def test_prove_in_one_call_calibrates_on_the_input_when_nothing_is_cached(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("ZKINFER_CACHE", str(tmp_path / "cache"))
    events = []
    proof = zkinfer.prove(tiny["model"], tiny["x"], insecure_dev_srs=True, progress=lambda *e: events.append(e))
    np.testing.assert_allclose(proof.outputs[0][0], tiny["expected"], atol=2 ** -6)
    phases = [(event, phase) for event, phase, _ in events]
    for phase in ("keygen", "witness", "prove", "verify"):
        assert ("begin", phase) in phases and ("end", phase) in phases
    source = zkinfer.Prover(tiny["model"], insecure_dev_srs=True).settings["source"]
    assert source.startswith("the proving input"), source  # cached by the one call
    begin_prove = next(s for e, p, s in events if (e, p) == ("begin", "prove"))
    assert begin_prove is not None and begin_prove > 0  # the predicted duration
    zkinfer.verify(proof, model=tiny["model"], insecure_dev_srs=True)


def test_proving_lets_other_python_threads_run(tiny):
    # The prove phase's begin is reported from inside the native call, before the proving work; its
    # end reports how long the work took, timed natively. Were the GIL held through the work, this
    # thread could run again only after the work was done: at least `took` after the begin.
    begun, times = threading.Event(), {}

    def progress(event, phase, seconds):
        if phase == "prove" and event == "begin":
            times["begin"] = time.monotonic()
            begun.set()
        elif phase == "prove":
            times["took"] = seconds

    prover = zkinfer.Prover(tiny["model"], calibration=tiny["cal"], insecure_dev_srs=True, progress=progress)
    worker = threading.Thread(target=prover.prove, args=(tiny["x"],))
    worker.start()
    assert begun.wait(60)
    ran_at = time.monotonic()
    worker.join()
    # Held, `ran_at - begin >= took`; released, this thread runs within milliseconds of the begin.
    assert ran_at - times["begin"] < 0.9 * times["took"], (ran_at - times["begin"], times["took"])


def test_conv_lanes_put_a_cnns_convolutions_on_the_convolution_check():
    from conftest import ZOO

    model, cal = ZOO / "cnn_tiny" / "network.onnx", ZOO / "cnn_tiny" / "cal.json"
    checked = zkinfer.inspect(model, calibration=cal, conv_lanes=2)
    assert checked["settings"]["conv_lanes"] == 2 and checked["cost"]["conv_rows"] > 0
    plain = zkinfer.inspect(model, calibration=cal, conv_lanes=0)
    assert "conv_lanes" not in plain["settings"] and plain["cost"]["conv_rows"] == 0
    with pytest.raises(zkinfer.ZkinferError, match="99 convolution lanes are not supported"):
        zkinfer.inspect(model, calibration=cal, conv_lanes=99)


def test_weight_bits_hold_dense_weights_finer():
    from conftest import ZOO

    model, cal = ZOO / "mlp_digits" / "network.onnx", ZOO / "mlp_digits" / "cal.json"
    finer = zkinfer.inspect(model, calibration=cal, weight_bits=4)
    assert finer["settings"]["weight_bits"] == 4
    plain = zkinfer.inspect(model, calibration=cal, weight_bits=0)
    assert "weight_bits" not in plain["settings"]
    assert finer["estimate"]["advice"] > plain["estimate"]["advice"]
    with pytest.raises(zkinfer.ZkinferError, match="3 weight bits are not supported"):
        zkinfer.inspect(model, calibration=cal, weight_bits=3)
