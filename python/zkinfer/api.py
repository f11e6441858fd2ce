"""The pipeline from Python: :class:`Prover` (a model with its keys loaded once) and the one-call
functions :func:`prove`, :func:`calibrate`, :func:`inspect`, :func:`verify`, :func:`verify_evm` and
:func:`export_verifier`, each the library call of the CLI subcommand of the same name.

The settings keyword arguments are the CLI's flags: ``calibration`` (a file, or arrays of samples),
``settings`` (a file from :func:`calibrate`), ``input_visibility`` (``"private"``, ``"public"`` or
``"hashed"``), ``insecure_dev_srs``, ``srs``, ``scale``, ``lanes``, ``conv_lanes``, ``weight_bits``, ``dims``
and ``force``."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _convert, _native
from ._convert import PathLike, Word
from .results import EvmResult, Proof, Verified, _verified

Progress = Callable[[str, str, Optional[float]], None]
"""``callback(event, phase, seconds)``: ``event`` is ``"begin"`` (``seconds`` the predicted duration
or None) or ``"end"`` (how long it took); ``phase`` is keygen, witness, prove, verify, ..."""


def _progress(progress: Union[None, bool, Progress]) -> Optional[Progress]:
    if progress is True:
        return _convert.print_progress
    if progress is None or progress is False:
        return None
    if not callable(progress):
        raise _native.ZkinferError("progress: expected a callable(event, phase, seconds), True or None")
    return progress


class Prover:
    """A model ready to prove many inputs: settings chosen, circuit built, SRS and keys loaded once
    (generated and cached on first use). Long calls release the GIL.

    >>> prover = zkinfer.Prover("model.onnx", calibration="cal.json", insecure_dev_srs=True)
    >>> proof = prover.prove(x)            # x: a numpy array or nested lists
    >>> prover.verify(proof).k
    """

    def __init__(
        self,
        model: PathLike,
        *,
        calibration: Any = None,
        settings: Optional[PathLike] = None,
        input_visibility: str = "private",
        insecure_dev_srs: bool = False,
        srs: Optional[PathLike] = None,
        scale: Optional[int] = None,
        lanes: Optional[Sequence[int]] = None,
        conv_lanes: Optional[int] = None,
        weight_bits: Optional[int] = None,
        dims: Optional[Mapping[str, int]] = None,
        force: bool = False,
        progress: Union[None, bool, Progress] = None,
        _fallback_input: Optional[str] = None,
    ) -> None:
        opts = _convert.options(
            model, calibration=calibration, settings=settings, input_visibility=input_visibility,
            insecure_dev_srs=insecure_dev_srs, srs=srs, scale=scale, lanes=lanes, conv_lanes=conv_lanes,
            weight_bits=weight_bits, dims=dims, force=force,
        )
        self._native = _native.Prover(os.fspath(model), opts, _progress(progress), _fallback_input)

    @property
    def inputs(self) -> List[Tuple[str, Tuple[int, ...]]]:
        """The model's inputs, ``[(name, shape)]`` in order."""
        return [(name, tuple(shape)) for name, shape in self._native.inputs]

    @property
    def k(self) -> int:
        """The circuit has ``2**k`` rows."""
        return self._native.k

    @property
    def circuit_hash(self) -> str:
        return self._native.circuit_hash

    @property
    def model_hash(self) -> str:
        return self._native.model_hash

    @property
    def vk_hash(self) -> str:
        return self._native.vk_hash

    @property
    def vk_path(self) -> str:
        """The verifying-key file in the key cache (what ``verify(vk=...)`` reads)."""
        return os.fspath(self._native.vk_path)

    @property
    def keys_generated(self) -> bool:
        """Whether this prover generated the keys (else they came from the key cache)."""
        return self._native.keys_generated

    @property
    def settings(self) -> Dict[str, Any]:
        """The fixed-point settings and what they were calibrated on."""
        return _convert.as_json_dict(self._native.settings_json())

    def prove(self, input: Any, *, bind: Word = 0, salt: Optional[Word] = None) -> Proof:
        """Prove one inference. ``input`` is the model's input (an array or nested lists, flat or in
        its shape) or, for several inputs, a list of them or a dict by name. ``bind`` is the binding
        word (the last public instance: what the proof is for, e.g. an InferenceMarket job's payee
        tag); ``salt`` starts a hashed input's commitment."""
        text = _convert.input_json(self.inputs, input, salt)
        return Proof(self._native.prove(text, _convert.word_hex(bind, "bind")))

    def keep_fixed_cosets(self) -> int:
        """Keep the proving key's extended-domain evaluations for every later proof: each then skips
        about half of its quotient's transforms (cifar_vgg 9.4-9.9 -> 7.8-8.0 s a proof on 2 cores), for
        memory of about twice the proving key while this prover lives. Returns the bytes kept."""
        return self._native.keep_fixed_cosets()

    def verify(self, proof: Proof) -> Verified:
        """Verify ``proof`` against this model's verifying key, recomputed from the model (never the
        proof's claims or a cached key file). Raises :class:`ZkinferError` if it fails."""
        return _verified(self._native.verify(proof._native))

    def verify_evm(self, proof: Proof) -> EvmResult:
        """Verify ``proof`` in an in-process EVM with zkinfer's verifier and this model's
        verifying-key contract; raises :class:`ZkinferError` if the EVM rejects it."""
        return EvmResult(**_convert.as_json_dict(self._native.verify_evm(proof._native)))

    def export_verifier(self, output: PathLike = "verifier") -> Dict[str, Any]:
        """Write ``ZkinferVerifier.sol`` (shared by every model) and this model's ``vk.json`` into
        the folder ``output``; returns the paths and contract sizes."""
        return _convert.as_json_dict(self._native.export_verifier(os.fspath(output)))

    def inspect(self) -> Dict[str, Any]:
        """The circuit and its predicted cost (rows per chip, k, columns, memory, proving time)."""
        return _convert.as_json_dict(self._native.inspect())

    def __repr__(self) -> str:
        return f"Prover(circuit={self.circuit_hash[:16]}, k={self.k}, inputs={self.inputs})"


def prove(
    model: PathLike,
    input: Any,
    *,
    bind: Word = 0,
    salt: Optional[Word] = None,
    progress: Union[None, bool, Progress] = None,
    **settings: Any,
) -> Proof:
    """Prove one inference of ``model`` on ``input`` (see :meth:`Prover.prove`). Settings come from
    ``calibration=``/``settings=`` when given, else the ones cached for the model, else the input
    itself (pass ``calibration=`` for settings that hold across inputs)."""
    inputs = _native.model_inputs(os.fspath(model), _convert.options(**_only_model(settings)))
    fallback = _convert.input_json(inputs, input)
    prover = Prover(model, progress=progress, _fallback_input=fallback, **settings)
    return prover.prove(input, bind=bind, salt=salt)


def _only_model(settings: Mapping[str, Any]) -> Dict[str, Any]:
    """The settings that change how the model is imported."""
    return {"dims": settings["dims"]} if settings.get("dims") else {}


def calibrate(
    model: PathLike,
    data: Any,
    *,
    output: Optional[PathLike] = None,
    scale: Optional[int] = None,
    lanes: Optional[Sequence[int]] = None,
    conv_lanes: Optional[int] = None,
    weight_bits: Optional[int] = None,
    dims: Optional[Mapping[str, int]] = None,
    input_visibility: str = "private",
) -> Dict[str, Any]:
    """Choose the model's fixed-point settings from calibration ``data`` (an EZKL-format file, or
    arrays: see ``calibration=``), check every layer's accuracy on it, cache them for the model and
    write them to ``output`` if given (for ``settings=``). Returns ``settings``, ``k``, ``samples``,
    ``guard_passed`` and the per-layer ``layers``."""
    opts = _convert.options(
        model, calibration=data, scale=scale, lanes=lanes, conv_lanes=conv_lanes, weight_bits=weight_bits,
        dims=dims, input_visibility=input_visibility,
    )
    out = None if output is None else os.fspath(output)
    return _convert.as_json_dict(_native.calibrate(os.fspath(model), opts, out))


def inspect(model: PathLike, *, input: Any = None, **settings: Any) -> Dict[str, Any]:
    """The model's circuit and its predicted cost, before any keygen: settings from
    ``calibration=``/``settings=``, else the cached ones, else calibrated on ``input`` (nothing is
    cached)."""
    opts = _convert.options(model, **settings)
    fallback = None
    if input is not None:
        inputs = _native.model_inputs(os.fspath(model), _convert.options(**_only_model(settings)))
        fallback = _convert.input_json(inputs, input)
    return _convert.as_json_dict(_native.inspect(os.fspath(model), opts, fallback))


def verify(proof: Proof, *, model: Optional[PathLike] = None, vk: Optional[PathLike] = None, **settings: Any) -> Verified:
    """:meth:`Proof.verify`."""
    return proof.verify(model=model, vk=vk, **settings)


def verify_evm(proof: Proof, *, model: Optional[PathLike] = None, vk: Optional[PathLike] = None, **settings: Any) -> EvmResult:
    """:meth:`Proof.verify_evm`."""
    return proof.verify_evm(model=model, vk=vk, **settings)


def export_verifier(model: PathLike, output: PathLike = "verifier", **settings: Any) -> Dict[str, Any]:
    """Write the shared ``ZkinferVerifier.sol`` and ``model``'s ``vk.json`` into the folder
    ``output``, from its verifying key recomputed with the SRS the settings name; returns the paths and
    contract sizes."""
    opts = _convert.options(model, **settings)
    return _convert.as_json_dict(_native.export_verifier(os.fspath(model), os.fspath(output), opts))


def import_srs(ptau: PathLike, *, k: Optional[int] = None, output: Optional[PathLike] = None) -> Dict[str, Any]:
    """Import a public ceremony's SRS (a snarkjs / Perpetual Powers of Tau ``.ptau`` file, BN254) into
    the SRS cache after checking its powers, keeping ``2**k`` of them (default: all the file has); it
    then serves every circuit of up to ``2**k`` rows instead of a development setup. With ``output``,
    the checked SRS is written there instead (pass it as ``srs=``). Returns ``k``, ``kind``, ``hash``
    and ``path``. The CLI's ``zkinfer srs import``."""
    out = None if output is None else os.fspath(output)
    return _convert.as_json_dict(_native.import_srs(os.fspath(ptau), k, out))
