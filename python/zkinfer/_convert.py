"""Translation between Python values and what the native module reads: options and inputs as JSON
(inputs in EZKL's ``{"input_data": [...]}`` format, so the library checks them exactly as it checks an
``input.json``), 32-byte words as 0x-hex, and the default progress printer."""

from __future__ import annotations

import json
import math
import operator
import os
import sys
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _native
from ._native import ZkinferError

PathLike = Union[str, "os.PathLike[str]"]
Word = Union[int, str, bytes]

_VISIBILITIES = ("private", "public", "hashed")


def is_path(value: Any) -> bool:
    """Whether ``value`` names a file (rather than holding data)."""
    return isinstance(value, (str, os.PathLike))


def _array(value: Any, what: str) -> np.ndarray:
    """``value`` as a float64 array; an error naming ``what`` if it holds anything but finite numbers
    or booleans (strings are refused, not parsed)."""
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as e:
        raise ZkinferError(f"{what}: not an array of numbers ({e})") from None
    if raw.dtype.kind not in "biuf":
        raise ZkinferError(f"{what}: not an array of numbers (dtype {raw.dtype})")
    array = raw.astype(np.float64)
    if array.size == 0:
        raise ZkinferError(f"{what}: empty")
    if not np.all(np.isfinite(array)):
        bad = array[~np.isfinite(array)].flat[0]
        raise ZkinferError(f"{what}: non-finite value {bad}")
    return array


def _list(value: Any, what: str) -> Any:
    """``value`` as nested lists of floats in its own shape (the library checks it against the input's)."""
    array = _array(value, what)
    return [float(array)] if array.ndim == 0 else array.tolist()


def _strip(shape: Sequence[int]) -> List[int]:
    """A shape without its leading 1s."""
    shape = list(shape)
    while shape and shape[0] == 1:
        shape.pop(0)
    return shape


def options(
    model: Optional[PathLike] = None,
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
) -> str:
    """The settings keyword arguments as the native module's options JSON."""
    if input_visibility not in _VISIBILITIES:
        raise ZkinferError(
            f"input_visibility={input_visibility!r}: expected one of {', '.join(map(repr, _VISIBILITIES))}"
        )
    out: Dict[str, Any] = {
        "input_visibility": input_visibility,
        "insecure_dev_srs": bool(insecure_dev_srs),
        "force": bool(force),
        "dims": dict(dims or {}),
    }
    if calibration is not None:
        if is_path(calibration):
            out["calibration"] = os.fspath(calibration)
        elif model is None:
            raise ZkinferError("calibration arrays need the model (model=) to check their shapes")
        else:
            inputs = _native.model_inputs(os.fspath(model), json.dumps({"dims": dict(dims or {})}))
            out["samples"] = samples_json(inputs, calibration)
    if settings is not None:
        out["settings"] = os.fspath(settings)
    if srs is not None:
        out["srs"] = os.fspath(srs)
    if scale is not None:
        out["scale"] = int(scale)
    if lanes is not None:
        lanes = tuple(int(v) for v in lanes)
        if len(lanes) == 2:
            lanes = lanes + (1,)
        if len(lanes) != 3:
            raise ZkinferError("lanes: expected (IN, OUT) or (IN, OUT, PACK), e.g. (8, 2) or (16, 1, 7)")
        out["lanes"] = lanes
    if conv_lanes is not None:
        out["conv_lanes"] = int(conv_lanes)
    if weight_bits is not None:
        out["weight_bits"] = int(weight_bits)
    return json.dumps(out)


def samples_json(inputs: Sequence[Tuple[str, Sequence[int]]], data: Any) -> str:
    """Calibration samples as an EZKL input file. For a one-input model ``data`` stacks its samples,
    one a row (shape ``(n, *input_shape)``, leading 1s of the input's shape optional); for several
    inputs, a list of such arrays in order or a dict by name, with the same ``n``."""
    names = [name for name, _ in inputs]
    if len(names) == 1:
        stacks = [data]
    elif isinstance(data, Mapping) and sorted(data) == sorted(names):
        stacks = [data[n] for n in names]
    elif isinstance(data, (list, tuple)) and len(data) == len(names):
        stacks = list(data)
    else:
        raise ZkinferError(
            f"calibration: the model has {len(names)} inputs ({', '.join(names)}): give a list of "
            f"{len(names)} stacked arrays in that order, or a dict by name"
        )
    lists, count = [], None
    for (name, shape), stack in zip(inputs, stacks):
        array = _array(stack, f"calibration '{name}'")
        sample = array.shape[1:]
        if array.ndim == 0 or _strip(sample) != _strip(shape):
            raise ZkinferError(
                f"calibration '{name}': samples of shape {tuple(sample)}, the input's shape is "
                f"{tuple(shape)}: stack one sample a row, an array of shape (n, {', '.join(map(str, shape))})"
            )
        if count is not None and array.shape[0] != count:
            raise ZkinferError(f"calibration: {count} samples of one input, {array.shape[0]} of '{name}'")
        count = array.shape[0]
        lists.append(array.ravel().tolist())
    return json.dumps({"input_data": lists})


def input_json(inputs: Sequence[Tuple[str, Sequence[int]]], value: Any, salt: Optional[Word] = None) -> str:
    """One inference's input as an EZKL input file: for a one-input model, ``value`` is that input
    (any nesting, or flat); for several, a list or tuple of them in order, or a dict by name."""
    names = [name for name, _ in inputs]
    if isinstance(value, Mapping):
        missing = [n for n in names if n not in value]
        extra = [k for k in value if k not in names]
        if missing or extra:
            raise ZkinferError(
                f"input: the model's inputs are {names}; missing {missing}, unknown {extra}"
            )
        lists = [_list(value[n], f"input '{n}'") for n in names]
    elif len(names) == 1:
        lists = [_list(value, f"input '{names[0]}'")]
    elif isinstance(value, (list, tuple)) and len(value) == len(names):
        lists = [_list(v, f"input '{n}'") for n, v in zip(names, value)]
    else:
        raise ZkinferError(
            f"input: the model has {len(names)} inputs ({', '.join(names)}): give a list of "
            f"{len(names)} arrays in that order, or a dict by name"
        )
    doc: Dict[str, Any] = {"input_data": lists}
    if salt is not None:
        doc["salt"] = word_hex(salt, "salt")
    return json.dumps(doc)


def word_hex(value: Word, what: str) -> str:
    """A 32-byte word (an int, 0x-hex, or at most 32 bytes, big-endian) as 0x-hex."""
    if isinstance(value, bool):
        raise ZkinferError(f"{what}: expected an int, 0x-hex or bytes, not a bool")
    if isinstance(value, (int, np.integer)):
        value = operator.index(value)
        if value < 0 or value >= 1 << 256:
            raise ZkinferError(f"{what}={value}: expected a non-negative int below 2**256")
        return hex(value)
    if isinstance(value, (bytes, bytearray)):
        if len(value) > 32:
            raise ZkinferError(f"{what}: {len(value)} bytes, at most 32")
        return "0x" + (bytes(value).hex() or "0")
    if isinstance(value, str):
        return value
    raise ZkinferError(f"{what}: expected an int, 0x-hex or bytes, got {type(value).__name__}")


def print_progress(event: str, phase: str, seconds: Optional[float]) -> None:
    """A progress callback that prints each long step to stderr, with its predicted duration."""
    if event == "begin":
        about = "" if seconds is None or math.isnan(seconds) else f" (about {seconds:.1f} s)"
        print(f"zkinfer: {phase}{about} ...", file=sys.stderr, flush=True)
    else:
        print(f"zkinfer: {phase} done in {seconds:.2f} s", file=sys.stderr, flush=True)


def as_json_dict(text: str) -> Dict[str, Any]:
    """The native module's JSON result."""
    out = json.loads(text)
    assert isinstance(out, dict)
    return out


def outputs(proof_outputs: List[Dict[str, Any]], key: str, dtype: Any) -> List[np.ndarray]:
    """The proof's outputs (``values`` or ``quantized``) as arrays in their shapes."""
    return [np.asarray(o[key], dtype=dtype).reshape(o["shape"]) for o in proof_outputs]
