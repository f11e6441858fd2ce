"""Bad input raises zkinfer.ZkinferError with one line naming what is wrong and where, and how to fix it
where an argument does; nothing is written."""

import numpy as np
import pytest

import zkinfer


def _one_line(excinfo):
    message = str(excinfo.value)
    assert "\n" not in message, message
    return message


def test_an_input_of_the_wrong_size_names_the_input_and_its_shape(prover):
    with pytest.raises(zkinfer.ZkinferError) as e:
        prover.prove(np.zeros(7))
    assert "'input'" in _one_line(e) and "[1, 2, 4]" in str(e.value)


def test_an_input_in_another_layout_is_refused_not_read_permuted(prover):
    with pytest.raises(zkinfer.ZkinferError) as e:
        prover.prove(np.zeros((4, 2)))
    assert "nest it in that shape" in _one_line(e)


def test_non_numbers_and_non_finite_values_are_named(prover):
    with pytest.raises(zkinfer.ZkinferError) as e:
        prover.prove([0.0, float("nan")] + [0.0] * 6)
    assert "non-finite" in _one_line(e)
    with pytest.raises(zkinfer.ZkinferError) as e:
        prover.prove(["a"] * 8)
    assert "not an array of numbers" in _one_line(e)


def test_named_inputs_must_match_the_models(prover, tiny):
    with pytest.raises(zkinfer.ZkinferError) as e:
        prover.prove({"image": tiny["x"]})
    assert "missing ['input']" in _one_line(e) and "unknown ['image']" in str(e.value)


def test_a_missing_model_file_is_named(tmp_path):
    missing = tmp_path / "nope.onnx"
    with pytest.raises(zkinfer.ZkinferError) as e:
        zkinfer.Prover(missing, insecure_dev_srs=True)
    assert str(missing) in _one_line(e)


def test_arguments_are_checked(tiny, prover):
    with pytest.raises(zkinfer.ZkinferError, match="input_visibility='secret'"):
        zkinfer.Prover(tiny["model"], input_visibility="secret")
    with pytest.raises(zkinfer.ZkinferError, match="bind"):
        prover.prove(tiny["x"], bind=-1)
    with pytest.raises(zkinfer.ZkinferError, match="bind='0xzz'"):
        prover.prove(tiny["x"], bind="0xzz")
    with pytest.raises(zkinfer.ZkinferError, match="not an array of numbers"):
        prover.prove(["0.5"] * 8)  # strings are refused, not parsed
    with pytest.raises(zkinfer.ZkinferError, match="lanes"):
        zkinfer.Prover(tiny["model"], lanes=(1,))
    with pytest.raises(zkinfer.ZkinferError, match="progress"):
        zkinfer.Prover(tiny["model"], progress="yes")


def test_no_development_srs_without_consent(tiny):
    # Settings are cached for the model by now; keys need an SRS, and none was imported.
    with pytest.raises(zkinfer.ZkinferError) as e:
        zkinfer.Prover(tiny["model"], calibration=tiny["cal"])
    assert "insecure_dev_srs=True" in _one_line(e) and "zkinfer.import_srs('FILE.ptau')" in str(e.value)


def test_a_corrupt_proof_document_is_refused():
    with pytest.raises(zkinfer.ZkinferError, match="not a proof file"):
        zkinfer.Proof.from_json('{"proof": "0x00"}')
