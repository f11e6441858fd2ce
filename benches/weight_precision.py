"""How much of a model's output error comes from its weights' precision, before any circuit is built.

A numpy model of zkinfer's fixed-point arithmetic for plain CNNs and MLPs (Conv, Gemm, MatMul, Add, Relu,
MaxPool, Flatten, Reshape): every activation is rounded half up to `2^-s` after each layer, as the requant
rows do; weights and biases are rounded to `2^-(s+e)` (`e` extra weight bits). It prints the largest
|quantized - float| of the graph outputs over the first samples of `<model>.cal.json`, for each scale `s`
and extra bits `e`, once with finer weights everywhere and once with finer weights in the dense layers only.
At `e = 0` it is zkinfer's own arithmetic (its figures match `zkinfer calibrate`'s output row).

usage (in the bench suite's venv, which has numpy and onnx; `benches/compare.sh` or `setup.sh` makes it):
    .venv/bin/python benches/weight_precision.py MODEL [SCALES] [EXTRA_BITS]
    e.g. benches/weight_precision.py cifar_cnn 11,12,13 0,2,4,8
env: ZKINFER_BENCH_DIR (default ../shared/bench), SAMPLES (default 5)
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.environ.get("ZKINFER_BENCH_DIR", os.path.join(HERE, "..", "..", "shared", "bench"))


def rounded(x, bits):
    """Round half up to a multiple of 2^-bits, as zkinfer's rescale does."""
    return np.floor(x * 2.0**bits + 0.5) / 2.0**bits


def conv2d(x, w, b, pads, strides):
    """One image's convolution (x: C,H,W; w: O,C,kh,kw) as an im2col product."""
    c, _, _ = x.shape
    o, _, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    ho = (x.shape[1] - kh) // strides[0] + 1
    wo = (x.shape[2] - kw) // strides[1] + 1
    cols = np.empty((c * kh * kw, ho * wo))
    i = 0
    for ci in range(c):
        for a in range(kh):
            for bb in range(kw):
                cols[i] = x[ci, a:a + ho * strides[0]:strides[0], bb:bb + wo * strides[1]:strides[1]].ravel()
                i += 1
    return (w.reshape(o, -1) @ cols + b[:, None]).reshape(o, ho, wo)


def max_pool(x, kernel, strides):
    c, h, w = x.shape
    ho = (h - kernel[0]) // strides[0] + 1
    wo = (w - kernel[1]) // strides[1] + 1
    y = np.full((c, ho, wo), -np.inf)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            y = np.maximum(y, x[:, i:i + ho * strides[0]:strides[0], j:j + wo * strides[1]:strides[1]])
    return y


def run(model, init, x, scale=None, extra=0, dense_only=False):
    """The graph's output in float (scale None) or in fixed point at 2^scale, weights at 2^(scale+extra)."""
    act = (lambda v: rounded(v, scale)) if scale is not None else (lambda v: v)
    fine = (lambda v: rounded(v, scale + extra)) if scale is not None else (lambda v: v)
    coarse = (lambda v: rounded(v, scale)) if scale is not None else (lambda v: v)
    env = {model.graph.input[0].name: act(x)}
    for node in model.graph.node:
        attr = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        ins = [env[i] if i in env else init.get(i) for i in node.input]
        op = node.op_type
        if op == "Conv":
            wq = coarse if dense_only else fine
            bias = ins[2] if len(ins) > 2 else np.zeros(ins[1].shape[0])
            pads = attr.get("pads", [0, 0, 0, 0])
            y = act(conv2d(ins[0][0], wq(ins[1]), wq(bias), pads, attr.get("strides", [1, 1]))[None])
        elif op == "Gemm":
            w = ins[1].T if attr.get("transB", 0) else ins[1]
            y = act(ins[0] @ fine(w) + (fine(ins[2]) if len(ins) > 2 else 0))
        elif op == "MatMul":
            y = act(ins[0] @ fine(ins[1]))
        elif op == "Add":
            y = act(ins[0] + (fine(ins[1]) if node.input[1] in init else ins[1]))
        elif op == "Relu":
            y = np.maximum(ins[0], 0)
        elif op == "MaxPool":
            kernel = attr["kernel_shape"]
            y = max_pool(ins[0][0], kernel, attr.get("strides", kernel))[None]
        elif op in ("Flatten", "Reshape"):
            y = ins[0].reshape(ins[0].shape[0], -1)
        else:
            sys.exit(f"{op} (node {node.name}) is not modelled here: plain CNNs and MLPs only")
        env[node.output[0]] = y
    return env[model.graph.output[0].name]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    name = sys.argv[1]
    scales = [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else "10,11,12,13").split(",")]
    extras = [int(e) for e in (sys.argv[3] if len(sys.argv) > 3 else "0,2,4,8").split(",")]
    path = os.path.join(SUITE, "models", name)
    model = onnx.load(path + ".onnx")
    init = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    shape = [d.dim_value or 1 for d in model.graph.input[0].type.tensor_type.shape.dim]
    with open(path + ".cal.json") as f:
        flat = np.array(json.load(f)["input_data"][0], dtype=np.float64)
    per = int(np.prod(shape))
    samples = [flat[i * per:(i + 1) * per].reshape(shape) for i in range(len(flat) // per)]
    samples = samples[: int(os.environ.get("SAMPLES", "5"))]
    floats = [run(model, init, x) for x in samples]
    peak = max(np.abs(f).max() for f in floats)
    print(f"{name}: {len(samples)} samples, output peak |x| {peak:.4f}")
    print("scale  extra  max |q - float| (all weights)  (dense layers only)")
    for s in scales:
        for e in extras:
            errs = []
            for dense_only in (False, True):
                err = max(np.abs(f - run(model, init, x, s, e, dense_only)).max() for f, x in zip(floats, samples))
                errs.append(err)
            print(f"2^{s:<4} {e:>5}  {errs[0]:>29.5f}  {errs[1]:>19.5f}", flush=True)


if __name__ == "__main__":
    main()
