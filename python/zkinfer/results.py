"""What zkinfer hands back: a :class:`Proof` (what it claims, until verified), and what a verification
checked (:class:`Verified`, :class:`EvmResult`)."""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from . import _convert, _native
from ._convert import PathLike


@dataclass(frozen=True)
class Verified:
    """A proof verified against a trusted key."""

    k: int
    """The circuit has ``2**k`` rows."""
    instances: int
    """Public instances: the input when public, the outputs, the binding word."""
    proof_bytes: int
    key_hash: str
    """SHA-256 of the verifying key the proof was checked against."""
    circuit_hash: str
    key_origin: str
    """Where the key came from: ``model <path>`` (recomputed) or ``key file <path>``."""
    srs: str
    """The SRS the key was made with."""
    insecure_srs: bool
    """The key's SRS is a local development one: whoever made it can forge proofs."""


@dataclass(frozen=True)
class EvmResult:
    """A proof accepted by zkinfer's verifier in an in-process EVM (revm)."""

    accepted: bool
    gas_used: int
    """Gas of the verifying call, transaction base and calldata included."""
    calldata_gas: int
    verifier_bytes: int
    """Runtime size of the shared verifier contract."""
    verifier_deploy_gas: int
    vk_contract_bytes: int
    """Runtime size of the model's verifying-key contract (EIP-170 allows 24,576)."""
    vk_contract_deploy_gas: int


def _verified(text: str) -> Verified:
    """The native result, warning when the key's SRS is none this machine knows."""
    out = _convert.as_json_dict(text)
    if not out.pop("srs_known"):
        warnings.warn(
            "the verifying key's SRS is none this machine knows; accepted as INSECURE because "
            "insecure_dev_srs=True (import the prover's ceremony or pass srs= to check it)",
            stacklevel=3,
        )
    return Verified(**out)


class Proof:
    """A proof of one inference and what it claims: the model, circuit and key it is for, its public
    instances and the outputs they encode. Nothing in it is trusted until :meth:`verify` checks it
    against a key the verifier trusts (the model's, recomputed, or a key file)."""

    def __init__(self, native: _native.Proof) -> None:
        self._native = native
        self._outputs: List[Dict[str, Any]] = json.loads(native.outputs_json())

    @classmethod
    def from_json(cls, text: str) -> "Proof":
        """Parse a ``proof.json`` document."""
        return cls(_native.Proof.from_json(text))

    @classmethod
    def load(cls, path: PathLike) -> "Proof":
        """Read a ``proof.json`` file (as ``zkinfer prove -o`` or :meth:`save` writes it)."""
        return cls(_native.Proof.load(os.fspath(path)))

    def to_json(self) -> str:
        """The ``proof.json`` document."""
        return self._native.to_json()

    def save(self, path: PathLike) -> None:
        """Write the ``proof.json`` file atomically."""
        self._native.save(os.fspath(path))

    @property
    def outputs(self) -> List[np.ndarray]:
        """The model's outputs as the proof encodes them (dequantized float64, in their shapes)."""
        return _convert.outputs(self._outputs, "values", np.float64)

    @property
    def quantized_outputs(self) -> List[np.ndarray]:
        """The outputs as fixed-point integers (``values * 2**scale``), as the circuit proves them."""
        return _convert.outputs(self._outputs, "quantized", np.int64)

    @property
    def scale(self) -> int:
        """The outputs' fixed-point scale: ``value = quantized / 2**scale``."""
        return int(self._outputs[0]["scale"]) if self._outputs else 0

    @property
    def instances(self) -> List[str]:
        """The public instances, 0x-hex field elements."""
        return self._native.instances

    @property
    def proof_bytes(self) -> bytes:
        """The proof (the calldata after the instances)."""
        return self._native.proof_bytes

    @property
    def model_hash(self) -> str:
        return self._native.model_hash

    @property
    def circuit_hash(self) -> str:
        return self._native.circuit_hash

    @property
    def vk_hash(self) -> str:
        return self._native.vk_hash

    @property
    def k(self) -> int:
        return self._native.k

    @property
    def public_input(self) -> bool:
        return self._native.public_input

    def verify(self, *, model: Optional[PathLike] = None, vk: Optional[PathLike] = None, **settings: Any) -> Verified:
        """Verify against a key you trust: ``model=`` recomputes the model's key (with the settings
        cached for it, or ``settings=``/``calibration=`` and ``input_visibility=`` as the prover
        used), ``vk=`` reads a key file whose SRS this machine knows (``srs=``, or
        ``insecure_dev_srs=True`` for a development one). Raises :class:`ZkinferError` if it fails."""
        out = _native.verify(self._native, _convert.options(model, **settings), _path(model), _path(vk))
        return _verified(out)

    def verify_evm(self, *, model: Optional[PathLike] = None, vk: Optional[PathLike] = None, **settings: Any) -> EvmResult:
        """Verify in an in-process EVM with zkinfer's verifier and the model's verifying-key
        contract, built from the key ``model=`` or ``vk=`` names (as :meth:`verify`), after checking
        the proof's readable outputs against its instances and that key. Raises
        :class:`ZkinferError` if either fails."""
        out = _native.verify(self._native, _convert.options(model, **settings), _path(model), _path(vk), evm=True)
        return EvmResult(**_convert.as_json_dict(out))

    def __repr__(self) -> str:
        return repr(self._native)


def _path(value: Optional[PathLike]) -> Optional[str]:
    return None if value is None else os.fspath(value)


def as_dict(text: str) -> Mapping[str, Any]:
    """A JSON result as a dict."""
    return _convert.as_json_dict(text)
