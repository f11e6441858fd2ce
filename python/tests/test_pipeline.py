"""The rest of the pipeline from Python: calibration (from arrays or a file), inspect, the verifier
export, progress reports, and long calls that let other Python threads run."""

import json
import threading
import time

import numpy as np
import pytest

import zkinfer


def _samples(tiny):
    return np.asarray(json.loads(tiny["cal"].read_text())["input_data"][0], dtype=np.float64)


def test_calibrate_from_arrays_checks_every_layer_and_writes_settings(tiny, tmp_path):
    out = tmp_path / "settings.json"
    cal = zkinfer.calibrate(tiny["model"], _samples(tiny), output=out)
    assert cal["guard_passed"] and cal["layers"] and all(l["passes"] for l in cal["layers"])
    assert cal["samples"] == _samples(tiny).size // 8
    assert cal["calibrated_on"].startswith("calibration samples (sha256 ")
    written = json.loads(out.read_text())
    assert written["settings"] == cal["settings"]
    # The same data from a file or from arrays gives the same circuit.
    from_file = zkinfer.calibrate(tiny["model"], tiny["cal"])
    assert from_file["settings"] == cal["settings"] and from_file["k"] == cal["k"]
    a = zkinfer.Prover(tiny["model"], settings=out, insecure_dev_srs=True)
    b = zkinfer.Prover(tiny["model"], calibration=tiny["cal"], insecure_dev_srs=True)
    assert a.circuit_hash == b.circuit_hash


def test_calibration_arrays_of_the_wrong_size_are_refused(tiny):
    with pytest.raises(zkinfer.ZkinferError, match="not a multiple of the 8 values of 'input'"):
        zkinfer.calibrate(tiny["model"], np.zeros(12))


def test_inspect_predicts_before_keygen(tiny, prover):
    ins = zkinfer.inspect(tiny["model"], calibration=tiny["cal"])
    assert ins["estimate"]["k"] == prover.k and ins["estimate"]["prove_seconds"] > 0
    assert ins["cost"] == prover.inspect()["cost"]


def test_export_verifier_writes_the_contract_and_the_key_data(tiny, prover, tmp_path):
    got = zkinfer.export_verifier(tiny["model"], tmp_path / "v", calibration=tiny["cal"], insecure_dev_srs=True)
    assert "contract ZkinferVerifier" in open(got["solidity"]).read()
    vk = json.loads(open(got["vk_json"]).read())
    assert got["circuit_hash"] == prover.circuit_hash and vk
    assert 0 < got["vk_contract_bytes"] <= got["eip170_limit"]


def test_prove_in_one_call_calibrates_on_the_input_when_nothing_is_cached(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("ZKINFER_CACHE", str(tmp_path / "cache"))
    events = []
    proof = zkinfer.prove(tiny["model"], tiny["x"], insecure_dev_srs=True, progress=lambda *e: events.append(e))
    np.testing.assert_allclose(proof.outputs[0][0], tiny["expected"], atol=2 ** -6)
    phases = [(event, phase) for event, phase, _ in events]
    for phase in ("keygen", "witness", "prove", "verify"):
        assert ("begin", phase) in phases and ("end", phase) in phases
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
    assert ran_at - times["begin"] < times["took"] / 2, (ran_at - times["begin"], times["took"])
