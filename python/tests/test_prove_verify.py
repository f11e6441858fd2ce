"""Proving and verifying from Python: the outputs are the model's, the proof verifies against a key the
verifier trusts (never its own claims), and anything changed in it is rejected, natively and in the EVM."""

import json

import numpy as np
import pytest

import zkinfer


def test_the_proof_carries_the_models_output(proof, tiny):
    # expected_output.json is onnxruntime's float output, written when the zoo model was made.
    (out,) = proof.outputs
    assert out.shape == (1, 4)
    np.testing.assert_allclose(out[0], tiny["expected"], atol=2 ** -6)
    assert proof.quantized_outputs[0].dtype == np.int64
    np.testing.assert_array_equal(proof.quantized_outputs[0] / 2.0 ** proof.scale, out)


def test_numpy_nested_flat_and_named_inputs_prove_the_same_outputs(prover, proof, tiny):
    x = np.asarray(tiny["x"], dtype=np.float32)
    for given in (x, x.reshape(1, 2, 4), x.reshape(1, 2, 4).tolist(), {"input": x}):
        np.testing.assert_array_equal(prover.prove(given).quantized_outputs[0], proof.quantized_outputs[0])


def test_verify_against_the_model_and_the_prover(prover, proof, tiny):
    v = prover.verify(proof)
    assert (v.k, v.instances) == (prover.k, 4 + 1)  # the outputs, then the binding word
    assert v.circuit_hash == prover.circuit_hash and v.key_hash == prover.vk_hash
    assert v.insecure_srs
    v2 = zkinfer.verify(proof, model=tiny["model"], insecure_dev_srs=True)
    assert v2.key_origin.startswith("model ") and v2.key_hash == v.key_hash


def test_a_prover_that_keeps_its_cosets_proves_the_same_outputs(tiny, proof):
    kept = zkinfer.Prover(tiny["model"], calibration=tiny["cal"], insecure_dev_srs=True)
    assert kept.keep_fixed_cosets() > 0
    again = kept.prove(tiny["x"])
    np.testing.assert_array_equal(again.quantized_outputs[0], proof.quantized_outputs[0])
    assert kept.verify(again).key_hash == kept.vk_hash


def test_a_proof_is_never_checked_against_its_own_claims(proof):
    with pytest.raises(zkinfer.ZkinferError, match="a key you trust"):
        proof.verify()


def test_a_development_key_file_is_refused_unless_allowed(prover, proof):
    # The message names this API's keyword, not the CLI's flag.
    with pytest.raises(zkinfer.ZkinferError, match=r"insecure_dev_srs=True"):
        proof.verify(vk=prover.vk_path)
    assert proof.verify(vk=prover.vk_path, insecure_dev_srs=True).key_origin.startswith("key file")


def _doctored(proof, change):
    doc = json.loads(proof.to_json())
    change(doc)
    return zkinfer.Proof.from_json(json.dumps(doc))


def _flip_proof_byte(doc):
    raw = bytearray.fromhex(doc["proof"][2:])
    raw[100] ^= 1
    doc["proof"] = "0x" + raw.hex()


def _swap_outputs(doc):
    # Two different outputs swapped in the instances and in the readable outputs alike, so the
    # claims agree with each other and only the proof can tell.
    o = doc["outputs"][0]
    assert o["quantized"][0] != o["quantized"][2]
    for field in ("quantized", "values"):
        o[field][0], o[field][2] = o[field][2], o[field][0]
    doc["instances"][0], doc["instances"][2] = doc["instances"][2], doc["instances"][0]


def _other_output(doc):
    o = doc["outputs"][0]
    o["quantized"][0] += 1
    o["values"][0] = o["quantized"][0] / 2 ** o["scale"]
    doc["instances"][0] = "0x%064x" % o["quantized"][0]


def _other_binding_word(doc):
    doc["instances"][-1] = "0x" + "0" * 63 + "1"


@pytest.mark.parametrize("change", [_flip_proof_byte, _swap_outputs, _other_output, _other_binding_word])
def test_a_changed_proof_is_rejected_natively_and_in_the_evm(prover, proof, change):
    bad = _doctored(proof, change)
    with pytest.raises(zkinfer.ZkinferError, match="proof rejected"):
        prover.verify(bad)
    with pytest.raises(zkinfer.ZkinferError, match="REJECTED by the EVM verifier"):
        prover.verify_evm(bad)


def _readable_output_only(doc):
    o = doc["outputs"][0]
    o["quantized"][1] += 5
    o["values"][1] = o["quantized"][1] / 2 ** o["scale"]


def test_readable_outputs_that_are_not_the_proven_instances_are_refused_before_the_evm(prover, proof, tiny):
    # The EVM checks the instances and the proof; the outputs a reader sees must be what they encode.
    bad = _doctored(proof, _readable_output_only)
    for check in (prover.verify, prover.verify_evm):
        with pytest.raises(zkinfer.ZkinferError, match=r"outputs.quantized\[1\].*is not the proven instance"):
            check(bad)
    with pytest.raises(zkinfer.ZkinferError, match="is not the proven instance"):
        zkinfer.verify_evm(bad, model=tiny["model"], insecure_dev_srs=True)
    assert zkinfer.verify_evm(proof, model=tiny["model"], insecure_dev_srs=True).gas_used > 0


def test_the_evm_accepts_the_proof_and_reports_gas(prover, proof):
    run = prover.verify_evm(proof)
    assert run.accepted and run.gas_used > 21000 + run.calldata_gas
    assert 0 < run.vk_contract_bytes <= 24576


def test_a_proof_bound_to_one_word_does_not_verify_with_another(prover, tiny):
    bound = prover.prove(tiny["x"], bind=0x2A)
    assert int(bound.instances[-1], 16) == 0x2A
    prover.verify(bound)
    with pytest.raises(zkinfer.ZkinferError):
        prover.verify(_doctored(bound, _other_binding_word))


def test_json_and_files_round_trip(proof, prover, tmp_path):
    again = zkinfer.Proof.from_json(proof.to_json())
    assert again.proof_bytes == proof.proof_bytes and again.instances == proof.instances
    path = tmp_path / "proof.json"
    proof.save(path)
    loaded = zkinfer.Proof.load(path)
    assert loaded.circuit_hash == proof.circuit_hash
    prover.verify(loaded)


def test_a_proof_of_another_circuit_of_the_model_is_refused(tiny):
    public = zkinfer.Prover(tiny["model"], calibration=tiny["cal"], input_visibility="public", insecure_dev_srs=True)
    proof = public.prove(tiny["x"])
    assert proof.public_input and len(proof.instances) == 8 + 4 + 1  # the input, the outputs, the word
    # The verifier asks for the model's private-input circuit: the proof is for another one.
    with pytest.raises(zkinfer.ZkinferError, match=r"proven for circuit .* input visibility; the proof claims public_input=true"):
        proof.verify(model=tiny["model"], calibration=tiny["cal"], insecure_dev_srs=True)
    proof.verify(model=tiny["model"], calibration=tiny["cal"], input_visibility="public", insecure_dev_srs=True)


def test_a_hashed_input_is_public_only_as_its_salted_commitment(tiny):
    hashed = zkinfer.Prover(tiny["model"], calibration=tiny["cal"], input_visibility="hashed", insecure_dev_srs=True)
    a, b = hashed.prove(tiny["x"], salt=1), hashed.prove(tiny["x"], salt=np.int64(2))
    assert len(a.instances) == 1 + 4 + 1  # the commitment, the outputs, the word
    assert a.instances[0] != b.instances[0] and a.instances[1:] == b.instances[1:]
    hashed.verify(a)
    hashed.verify(b)
    with pytest.raises(zkinfer.ZkinferError, match="proof rejected"):
        hashed.verify(_doctored(a, lambda doc: doc["instances"].__setitem__(0, b.instances[0])))
