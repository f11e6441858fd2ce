#!/usr/bin/env python3
"""Regenerate models/zoo/conv_pool (deterministic, fixed seed): a mini LeNet whose max-pools are each the
one reader of a convolution, so the importer pools the convolutions' exact sums before their rescale.

    python3 -m venv /tmp/zoo-venv && /tmp/zoo-venv/bin/pip install numpy onnx==1.17.0
    /tmp/zoo-venv/bin/python models/zoo/make_conv_pool.py

  conv_pool/  Conv 2->4 3x3 pad 1 + Relu, MaxPool 2x2 / 2, Conv 4->3 3x3 pad 1 (no activation), MaxPool 3x3 / 1,
              Flatten, Gemm 12->5. Input [1, 2, 8, 8]. Files as make_zoo.py writes them: network.onnx,
              input.json, cal.json (6 samples), expected_output.json (numpy's float64 reference).
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(23)
W1 = (rng.integers(-8, 9, size=(4, 2, 3, 3)) / 8.0).astype(np.float32)
b1 = (rng.integers(-4, 5, size=(4,)) / 8.0).astype(np.float32)
W2 = (rng.integers(-8, 9, size=(3, 4, 3, 3)) / 16.0).astype(np.float32)
b2 = (rng.integers(-4, 5, size=(3,)) / 8.0).astype(np.float32)
Wf = (rng.integers(-8, 9, size=(12, 5)) / 8.0).astype(np.float32)
bf = (rng.integers(-4, 5, size=(5,)) / 8.0).astype(np.float32)
f32 = lambda name, a: numpy_helper.from_array(np.asarray(a, dtype=np.float32), name)
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["input", "W1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "W2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("MaxPool", ["c2"], ["p2"], name="pool2", kernel_shape=[3, 3], strides=[1, 1]),
        helper.make_node("Flatten", ["p2"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "Wf", "bf"], ["output"], name="fc"),
    ],
    "conv_pool",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 8, 8])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 5])],
    [f32("W1", W1), f32("b1", b1), f32("W2", W2), f32("b2", b2), f32("Wf", Wf), f32("bf", bf)],
)


def conv(x, w, b, pad):
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    o, _, kh, kw = w.shape
    h, wd = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    return np.array([[[(x[:, i:i + kh, j:j + kw] * w[c]).sum() + b[c] for j in range(wd)] for i in range(h)]
                     for c in range(o)])


def max_pool(x, k, s):
    c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    return np.array([[[x[ch, i * s:i * s + k, j * s:j * s + k].max() for j in range(ow)] for i in range(oh)]
                     for ch in range(c)])


def conv_pool(x):
    p1 = max_pool(np.maximum(conv(x.reshape(2, 8, 8), W1, b1, 1), 0), 2, 2)
    p2 = max_pool(conv(p1, W2, b2, 1), 3, 1)
    return p2.reshape(1, 12) @ Wf + bf


x = (rng.integers(-16, 17, size=(1, 2, 8, 8)) / 16.0).astype(np.float32)
cal = (rng.integers(-16, 17, size=(6, 1, 2, 8, 8)) / 16.0).astype(np.float32)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="zkinfer-zoo")
model.ir_version = 8
onnx.checker.check_model(model)
folder = os.path.join(HERE, "conv_pool")
os.makedirs(folder, exist_ok=True)
onnx.save(model, os.path.join(folder, "network.onnx"))
dump = lambda name, obj: json.dump(obj, open(os.path.join(folder, name), "w"))
dump("input.json", {"input_data": [x.astype(np.float64).ravel().tolist()]})
dump("cal.json", {"input_data": [c.astype(np.float64).ravel().tolist() for c in cal]})
expected = conv_pool(x.astype(np.float64))
dump("expected_output.json", {"output_data": [expected.ravel().tolist()]})
print("conv_pool:", expected.ravel().tolist())
