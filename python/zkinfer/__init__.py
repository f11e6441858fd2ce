"""zkinfer: zero-knowledge proofs that an output came from an ONNX model on an input, checkable by
anyone and on any EVM chain.

A model is quantized into fixed-point integer ops, compiled into a halo2 circuit (KZG over BN254) and
proven; the proof verifies natively (:meth:`Proof.verify`) or in an EVM with zkinfer's Solidity
verifier (:meth:`Proof.verify_evm`, :func:`export_verifier`).

>>> import zkinfer
>>> prover = zkinfer.Prover("network.onnx", calibration="cal.json", insecure_dev_srs=True)
>>> proof = prover.prove(x)                  # x: a numpy array or nested lists
>>> proof.outputs                            # what the proof says the model computed
>>> prover.verify(proof)                     # against the model's key, recomputed
>>> prover.verify_evm(proof).gas_used        # the same proof in an in-process EVM

``insecure_dev_srs=True`` allows a development SRS generated on this machine: whoever made it can
forge proofs. For proofs others rely on, import a ceremony's SRS (:func:`import_srs`, the CLI's
``zkinfer srs import FILE.ptau``) or pass ``srs=``.

Everything that fails raises :class:`ZkinferError` with one line naming what is wrong and where.
Keys and settings are cached under ``$ZKINFER_CACHE`` (default ``~/.cache/zkinfer``).
"""

from ._native import ZkinferError, __version__
from ._convert import print_progress
from .api import Prover, calibrate, export_verifier, import_srs, inspect, prove, verify, verify_evm
from .results import EvmResult, Proof, Verified

__all__ = [
    "EvmResult",
    "Proof",
    "Prover",
    "Verified",
    "ZkinferError",
    "__version__",
    "calibrate",
    "export_verifier",
    "import_srs",
    "inspect",
    "print_progress",
    "prove",
    "verify",
    "verify_evm",
]
