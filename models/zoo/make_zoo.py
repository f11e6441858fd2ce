#!/usr/bin/env python3
"""Regenerate zkinfer's example model zoo, deterministically (fixed seeds).

    python3 -m venv /tmp/zoo-venv && /tmp/zoo-venv/bin/pip install onnx==1.17.0 numpy scikit-learn
    /tmp/zoo-venv/bin/python models/zoo/make_zoo.py

Writes, per model folder: network.onnx, input.json (EZKL's {"input_data": [[...]]}), cal.json (several
samples, one list each), expected_output.json (and for mlp_digits a labelled test.json, {"X", "y"}) (the float output computed here with numpy, which the
tests compare zkinfer's dequantized outputs against).

  mlp_digits/   Gemm 64->32 (transB=1), Relu, Gemm 32->10; trained on scikit-learn's bundled 8x8 digits
  tiny_linear/  Flatten [1,2,4] -> MatMul 8->4 -> Add bias -> Relu -> Identity; fixed small weights
  cnn_tiny/     Conv 3x3 pad 1 + Relu, AveragePool 2x2, Conv 1x1, Flatten, Gemm; fixed small weights
  slice_concat/ Concat(Slice(input), Pad(Relu(MatMul(input))))
  reduce_pool/  Conv + Relu, GlobalAveragePool and ReduceMean(axis 1), concatenated
  maxpool_clip/ Conv, MaxPool 2x2 and 3x3 (padded), Max / Min of two tensors, Clip, LeakyRelu
  bn_affine/    Conv, BatchNormalization, Relu, Sub/Mul/Div by constants, constant - tensor, tensor + tensor
  prelu/        Conv, PRelu with per-channel slopes 0.25, 1.5, -0.5
  attention/    one self-attention head: Q·K^T and P·V are products of two activations (Freivalds)
  softmax/      Gemm, Reshape, Softmax over the last axis (max, exp, sum, sound division), Flatten
  smooth_act/   Gemm+Sigmoid, Gemm+Tanh, Gelu, Gemm+Gelu(tanh), Erf, Gemm, x*Sigmoid(x) (Silu), Exp (opset 20)
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

HERE = os.path.dirname(os.path.abspath(__file__))


def save(folder, graph, x, cal, expected, opset=13):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="zkinfer-zoo")
    model.ir_version = 8 if opset < 20 else 9
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, folder, "network.onnx"))
    dump = lambda name, obj: json.dump(obj, open(os.path.join(HERE, folder, name), "w"))
    dump("input.json", {"input_data": [np.asarray(x, np.float64).ravel().tolist()]})
    dump("cal.json", {"input_data": [np.asarray(c, np.float64).ravel().tolist() for c in cal]})
    dump("expected_output.json", {"output_data": [np.asarray(expected, np.float64).ravel().tolist()]})


def f32(name, arr):
    return numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name)


# ---------------------------------------------------------------- mlp_digits
digits = load_digits()
X = (digits.data / 16.0).astype(np.float32)
Xtr, Xte, ytr, yte = train_test_split(X, digits.target, test_size=0.2, random_state=1, stratify=digits.target)
clf = MLPClassifier(hidden_layer_sizes=(32,), activation="relu", max_iter=800, random_state=1).fit(Xtr, ytr)
W1, W2 = [w.astype(np.float32) for w in clf.coefs_]
b1, b2 = [b.astype(np.float32) for b in clf.intercepts_]
graph = helper.make_graph(
    [
        helper.make_node("Gemm", ["input", "W1t", "b1"], ["h"], name="fc1", transB=1),
        helper.make_node("Relu", ["h"], ["a"], name="relu1"),
        helper.make_node("Gemm", ["a", "W2", "b2"], ["output"], name="fc2"),
    ],
    "mlp_digits",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 64])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])],
    [f32("W1t", W1.T), f32("b1", b1), f32("W2", W2), f32("b2", b2)],
)
x = Xte[:1]
expected = np.maximum(x @ W1 + b1, 0) @ W2 + b2
save("mlp_digits", graph, x, Xte[1:9], expected)
json.dump({"X": Xte[:120].astype(np.float64).tolist(), "y": yte[:120].tolist()},
          open(os.path.join(HERE, "mlp_digits", "test.json"), "w"))
print("mlp_digits: test accuracy", clf.score(Xte, yte))

# ---------------------------------------------------------------- tiny_linear
rng = np.random.default_rng(7)
W = (rng.integers(-8, 9, size=(8, 4)) / 8.0).astype(np.float32)
b = (rng.integers(-4, 5, size=(4,)) / 8.0).astype(np.float32)
graph = helper.make_graph(
    [
        helper.make_node("Flatten", ["input"], ["flat"], name="flatten", axis=1),
        helper.make_node("MatMul", ["flat", "W"], ["mm"], name="matmul"),
        helper.make_node("Add", ["mm", "b"], ["pre"], name="bias"),
        helper.make_node("Relu", ["pre"], ["act"], name="relu"),
        helper.make_node("Identity", ["act"], ["output"], name="identity"),
    ],
    "tiny_linear",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 4])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4])],
    [f32("W", W), f32("b", b)],
)
x = (rng.integers(-16, 17, size=(1, 2, 4)) / 16.0).astype(np.float32)
cal = (rng.integers(-16, 17, size=(4, 1, 2, 4)) / 16.0).astype(np.float32)
expected = np.maximum(x.reshape(1, 8) @ W + b, 0)
save("tiny_linear", graph, x, cal, expected)
print("tiny_linear:", expected.ravel().tolist())

# ---------------------------------------------------------------- cnn_tiny
# Conv 1->3 3x3 (pad 1) + Relu, AveragePool 2x2, Conv 3->2 depthwise-free 1x1 (stride 1), Flatten, Gemm 18->4.
# Small weights on a 1/8 grid; numpy computes the float reference.
rng = np.random.default_rng(11)
Wc = (rng.integers(-8, 9, size=(3, 1, 3, 3)) / 8.0).astype(np.float32)
bc = (rng.integers(-4, 5, size=(3,)) / 8.0).astype(np.float32)
Wp = (rng.integers(-8, 9, size=(2, 3, 1, 1)) / 8.0).astype(np.float32)
bp = (rng.integers(-4, 5, size=(2,)) / 8.0).astype(np.float32)
Wf = (rng.integers(-8, 9, size=(18, 4)) / 8.0).astype(np.float32)
bf = (rng.integers(-4, 5, size=(4,)) / 8.0).astype(np.float32)
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["input", "Wc", "bc"], ["c1"], name="conv1", pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("AveragePool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "Wp", "bp"], ["c2"], name="conv2", strides=[1, 1]),
        helper.make_node("Flatten", ["c2"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "Wf", "bf"], ["output"], name="fc"),
    ],
    "cnn_tiny",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 6, 6])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4])],
    [f32("Wc", Wc), f32("bc", bc), f32("Wp", Wp), f32("bp", bp), f32("Wf", Wf), f32("bf", bf)],
)


def cnn_tiny(x):
    x = x.reshape(6, 6)
    padded = np.pad(x, 1)
    c1 = np.array([[[(padded[i:i + 3, j:j + 3] * Wc[o, 0]).sum() + bc[o] for j in range(6)] for i in range(6)] for o in range(3)])
    r1 = np.maximum(c1, 0)
    p1 = r1.reshape(3, 3, 2, 3, 2).mean(axis=(2, 4))
    c2 = np.einsum("oc,cij->oij", Wp[:, :, 0, 0], p1) + bp[:, None, None]
    return c2.reshape(1, 18) @ Wf + bf


x = (rng.integers(0, 17, size=(1, 1, 6, 6)) / 16.0).astype(np.float32)
cal = (rng.integers(0, 17, size=(6, 1, 1, 6, 6)) / 16.0).astype(np.float32)
save("cnn_tiny", graph, x, cal, cnn_tiny(x.astype(np.float64)))
print("cnn_tiny:", cnn_tiny(x.astype(np.float64)).ravel().tolist())

# ---------------------------------------------------------------- bn_affine
# Conv 1->2 3x3, BatchNormalization, Relu, then elementwise arithmetic with constants and between tensors:
# (relu - 0.25) * per-channel c / 3 + (1 - relu), flattened.
rng = np.random.default_rng(5)
Wc = (rng.integers(-8, 9, size=(2, 1, 3, 3)) / 8.0).astype(np.float32)
bc = np.array([0.25, -0.5], np.float32)
gamma, beta = np.array([1.5, 0.75], np.float32), np.array([0.125, -0.25], np.float32)
mean, var = np.array([0.5, -0.25], np.float32), np.array([2.0, 0.5], np.float32)
cmul = np.array([0.5, -1.5], np.float32).reshape(1, 2, 1, 1)
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["input", "Wc", "bc"], ["c1"], name="conv", strides=[1, 1]),
        helper.make_node("BatchNormalization", ["c1", "gamma", "beta", "mean", "var"], ["bn"], name="bn", epsilon=1e-5),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("Sub", ["r", "quarter"], ["s1"], name="sub_const"),
        helper.make_node("Mul", ["s1", "cmul"], ["m"], name="mul_const"),
        helper.make_node("Div", ["m", "three"], ["d"], name="div_const"),
        helper.make_node("Sub", ["one", "r"], ["n"], name="const_sub"),
        helper.make_node("Add", ["d", "n"], ["sum"], name="add_values"),
        helper.make_node("Flatten", ["sum"], ["output"], name="flatten", axis=1),
    ],
    "bn_affine",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 5, 5])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 18])],
    [f32("Wc", Wc), f32("bc", bc), f32("gamma", gamma), f32("beta", beta), f32("mean", mean), f32("var", var),
     f32("quarter", 0.25), f32("cmul", cmul), f32("three", 3.0), f32("one", 1.0)],
)


def bn_affine(x):
    x = x.reshape(5, 5)
    c1 = np.array([[[(x[i:i + 3, j:j + 3] * Wc[o, 0]).sum() + bc[o] for j in range(3)] for i in range(3)] for o in range(2)])
    bn = (c1 - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5) * gamma[:, None, None] + beta[:, None, None]
    r = np.maximum(bn, 0)
    out = (r - 0.25) * cmul[0] / 3.0 + (1.0 - r)
    return out.reshape(1, 18)


x = (rng.integers(0, 17, size=(1, 1, 5, 5)) / 16.0).astype(np.float32)
cal = (rng.integers(0, 17, size=(6, 1, 1, 5, 5)) / 16.0).astype(np.float32)
save("bn_affine", graph, x, cal, bn_affine(x.astype(np.float64)))

# ---------------------------------------------------------------- slice_concat
# output = Concat(Slice(input, 1..3), Pad(Relu(input @ W), 1 zero each side)) along axis 1: nothing to fold.
rng = np.random.default_rng(9)
W1 = (rng.integers(-8, 9, size=(4, 3)) / 8.0).astype(np.float32)
graph = helper.make_graph(
    [
        helper.make_node("Slice", ["input", "s1", "s3", "ax1"], ["part"], name="slice"),
        helper.make_node("MatMul", ["input", "W1"], ["h"], name="mm"),
        helper.make_node("Relu", ["h"], ["a"], name="relu"),
        helper.make_node("Pad", ["a", "pads"], ["padded"], name="pad", mode="constant"),
        helper.make_node("Concat", ["part", "padded"], ["output"], name="concat", axis=1),
    ],
    "slice_concat",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 7])],
    [f32("W1", W1), numpy_helper.from_array(np.array([0, 1, 0, 1], np.int64), "pads"),
     numpy_helper.from_array(np.array([1], np.int64), "s1"),
     numpy_helper.from_array(np.array([3], np.int64), "s3"), numpy_helper.from_array(np.array([1], np.int64), "ax1")],
)


def slice_concat(x):
    x = x.reshape(1, 4)
    return np.concatenate([x[:, 1:3], np.pad(np.maximum(x @ W1, 0), ((0, 0), (1, 1)))], axis=1)


x = (rng.integers(-16, 17, size=(1, 4)) / 16.0).astype(np.float32)
cal = (rng.integers(-16, 17, size=(4, 1, 4)) / 16.0).astype(np.float32)
save("slice_concat", graph, x, cal, slice_concat(x.astype(np.float64)))

# ---------------------------------------------------------------- reduce_pool
# Conv 1->2 3x3 + Relu, then GlobalAveragePool and ReduceMean over the channels, flattened and concatenated.
rng = np.random.default_rng(13)
Wc = (rng.integers(-8, 9, size=(2, 1, 3, 3)) / 8.0).astype(np.float32)
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["input", "Wc"], ["c"], name="conv", strides=[1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("GlobalAveragePool", ["r"], ["g"], name="gap"),
        helper.make_node("ReduceMean", ["r"], ["m"], name="mean", axes=[1], keepdims=1),
        helper.make_node("Flatten", ["g"], ["gf"], name="flat_g", axis=1),
        helper.make_node("Flatten", ["m"], ["mf"], name="flat_m", axis=1),
        helper.make_node("Concat", ["gf", "mf"], ["output"], name="concat", axis=1),
    ],
    "reduce_pool",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 5, 5])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 11])],
    [f32("Wc", Wc)],
)


def reduce_pool(x):
    x = x.reshape(5, 5)
    c = np.array([[[(x[i:i + 3, j:j + 3] * Wc[o, 0]).sum() for j in range(3)] for i in range(3)] for o in range(2)])
    r = np.maximum(c, 0)
    return np.concatenate([r.mean(axis=(1, 2)), r.mean(axis=0).ravel()]).reshape(1, 11)


x = (rng.integers(0, 17, size=(1, 1, 5, 5)) / 16.0).astype(np.float32)
cal = (rng.integers(0, 17, size=(6, 1, 1, 5, 5)) / 16.0).astype(np.float32)
save("reduce_pool", graph, x, cal, reduce_pool(x.astype(np.float64)))

# ---------------------------------------------------------------- maxpool_clip
# Conv 1->2 3x3 pad 1, MaxPool 2x2/2 and MaxPool 3x3/2 pad 1, then Clip(max(p1, p2), -0.5, 1) + LeakyRelu(min(p1, p2)).
rng = np.random.default_rng(17)
Wc = (rng.integers(-8, 9, size=(2, 1, 3, 3)) / 8.0).astype(np.float32)
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["input", "Wc"], ["c"], name="conv", pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("MaxPool", ["c"], ["p1"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("MaxPool", ["c"], ["p2"], name="pool3", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Max", ["p1", "p2"], ["mx"], name="max"),
        helper.make_node("Min", ["p1", "p2"], ["mn"], name="min"),
        helper.make_node("Clip", ["mx", "lo", "hi"], ["cl"], name="clip"),
        helper.make_node("LeakyRelu", ["mn"], ["lk"], name="leaky", alpha=0.125),
        helper.make_node("Add", ["cl", "lk"], ["sum"], name="add"),
        helper.make_node("Flatten", ["sum"], ["output"], name="flatten", axis=1),
    ],
    "maxpool_clip",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 6, 6])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 18])],
    [f32("Wc", Wc), f32("lo", -0.5), f32("hi", 1.0)],
)


def maxpool_clip(x):
    xp = np.pad(x.reshape(6, 6), 1)
    c = np.array([[[(xp[i:i + 3, j:j + 3] * Wc[o, 0]).sum() for j in range(6)] for i in range(6)] for o in range(2)])
    p1 = c.reshape(2, 3, 2, 3, 2).max(axis=(2, 4))
    cp = np.pad(c, ((0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    p2 = np.array([[[cp[o, 2 * i:2 * i + 3, 2 * j:2 * j + 3].max() for j in range(3)] for i in range(3)] for o in range(2)])
    mn = np.minimum(p1, p2)
    return (np.clip(np.maximum(p1, p2), -0.5, 1.0) + np.where(mn >= 0, mn, 0.125 * mn)).reshape(1, 18)


x = (rng.integers(0, 17, size=(1, 1, 6, 6)) / 16.0).astype(np.float32)
cal = (rng.integers(0, 17, size=(6, 1, 1, 6, 6)) / 16.0).astype(np.float32)
save("maxpool_clip", graph, x, cal, maxpool_clip(x.astype(np.float64)))

# ---------------------------------------------------------------- smooth_act
# Every tabulated function, fused into a Gemm where one precedes it and standalone otherwise.
rng = np.random.default_rng(23)
Ws = [(rng.integers(-8, 9, size=shape) / 8.0).astype(np.float32) for shape in [(6, 8), (8, 8), (8, 4), (4, 4)]]
bs = [(rng.integers(-4, 5, size=shape[1]) / 8.0).astype(np.float32) for shape in [(6, 8), (8, 8), (8, 4), (4, 4)]]
graph = helper.make_graph(
    [
        helper.make_node("Gemm", ["input", "W0", "b0"], ["h0"], name="fc0"),
        helper.make_node("Sigmoid", ["h0"], ["s0"], name="sigmoid"),
        helper.make_node("Gemm", ["s0", "W1", "b1"], ["h1"], name="fc1"),
        helper.make_node("Tanh", ["h1"], ["t1"], name="tanh"),
        helper.make_node("Gelu", ["t1"], ["g1"], name="gelu"),
        helper.make_node("Gemm", ["g1", "W2", "b2"], ["h2"], name="fc2"),
        helper.make_node("Gelu", ["h2"], ["g2"], name="gelu_tanh", approximate="tanh"),
        helper.make_node("Erf", ["g2"], ["e2"], name="erf"),
        helper.make_node("Gemm", ["e2", "W3", "b3"], ["h3"], name="fc3"),
        helper.make_node("Sigmoid", ["h3"], ["sg3"], name="silu_gate"),
        helper.make_node("Mul", ["h3", "sg3"], ["si3"], name="silu"),
        helper.make_node("Exp", ["si3"], ["output"], name="exp"),
    ],
    "smooth_act",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 6])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4])],
    [f32(f"W{i}", w) for i, w in enumerate(Ws)] + [f32(f"b{i}", b) for i, b in enumerate(bs)],
)


def smooth_act(x):
    import math
    erf = np.vectorize(math.erf)
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))
    h = sig(x.reshape(1, 6) @ Ws[0] + bs[0])
    h = np.tanh(h @ Ws[1] + bs[1])
    h = 0.5 * h * (1.0 + erf(h / math.sqrt(2.0)))
    h = h @ Ws[2] + bs[2]
    h = 0.5 * h * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h ** 3)))
    h = erf(h) @ Ws[3] + bs[3]
    return np.exp(h * sig(h))


x = (rng.integers(-16, 17, size=(1, 6)) / 16.0).astype(np.float32)
cal = (rng.integers(-16, 17, size=(8, 1, 6)) / 16.0).astype(np.float32)
save("smooth_act", graph, x, cal, smooth_act(x.astype(np.float64)), opset=20)

# ---------------------------------------------------------------- prelu
# Conv 1->3 3x3 pad 1, PRelu with per-channel slopes (below 1, above 1, negative), Flatten.
rng = np.random.default_rng(29)
Wp = (rng.integers(-8, 9, size=(3, 1, 3, 3)) / 8.0).astype(np.float32)
slopes = np.array([0.25, 1.5, -0.5], np.float32).reshape(3, 1, 1)
graph = helper.make_graph(
    [
        helper.make_node("Conv", ["input", "Wp"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("PRelu", ["c", "slope"], ["p"], name="prelu"),
        helper.make_node("Flatten", ["p"], ["output"], name="flatten", axis=1),
    ],
    "prelu",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 4, 4])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 48])],
    [f32("Wp", Wp), f32("slope", slopes)],
)


def prelu(x):
    xp = np.pad(x.reshape(4, 4), 1)
    c = np.array([[[(xp[i:i + 3, j:j + 3] * Wp[o, 0]).sum() for j in range(4)] for i in range(4)] for o in range(3)])
    return np.where(c < 0, slopes * c, c).reshape(1, 48)


x = (rng.integers(-16, 17, size=(1, 1, 4, 4)) / 16.0).astype(np.float32)
cal = (rng.integers(-16, 17, size=(6, 1, 1, 4, 4)) / 16.0).astype(np.float32)
save("prelu", graph, x, cal, prelu(x.astype(np.float64)))

# ---------------------------------------------------------------- softmax
# Gemm 8->6, Reshape [1, 2, 3], Softmax over the last axis, Flatten: two 3-way distributions.
rng = np.random.default_rng(31)
Wsm = (rng.integers(-8, 9, size=(8, 6)) / 8.0).astype(np.float32)
bsm = (rng.integers(-4, 5, size=6) / 8.0).astype(np.float32)
graph = helper.make_graph(
    [
        helper.make_node("Gemm", ["input", "Wsm", "bsm"], ["h"], name="fc"),
        helper.make_node("Reshape", ["h", "shape"], ["r"], name="reshape"),
        helper.make_node("Softmax", ["r"], ["p"], name="softmax", axis=2),
        helper.make_node("Flatten", ["p"], ["output"], name="flatten", axis=1),
    ],
    "softmax",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 8])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 6])],
    [f32("Wsm", Wsm), f32("bsm", bsm), numpy_helper.from_array(np.array([1, 2, 3], np.int64), "shape")],
)


def softmax(x):
    h = (x.reshape(1, 8) @ Wsm + bsm).reshape(2, 3)
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).reshape(1, 6)


x = (rng.integers(-16, 17, size=(1, 8)) / 16.0).astype(np.float32)
cal = (rng.integers(-16, 17, size=(8, 1, 8)) / 16.0).astype(np.float32)
save("softmax", graph, x, cal, softmax(x.astype(np.float64)))

# ---------------------------------------------------------------- attention
# One self-attention head over 4 tokens of width 6: Q, K, V projections, scores Q·K^T / 2 (a product of two
# activations), Softmax, and P·V (another one).
rng = np.random.default_rng(37)
Wq, Wk, Wv = [(rng.integers(-8, 9, size=(6, 4)) / 8.0).astype(np.float32) for _ in range(3)]
graph = helper.make_graph(
    [
        helper.make_node("MatMul", ["input", "Wq"], ["q"], name="q_proj"),
        helper.make_node("MatMul", ["input", "Wk"], ["k"], name="k_proj"),
        helper.make_node("MatMul", ["input", "Wv"], ["v"], name="v_proj"),
        helper.make_node("Transpose", ["k"], ["kt"], name="k_t", perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "kt"], ["qk"], name="scores"),
        helper.make_node("Mul", ["qk", "half"], ["s"], name="scale"),
        helper.make_node("Softmax", ["s"], ["p"], name="softmax", axis=-1),
        helper.make_node("MatMul", ["p", "v"], ["o"], name="mix"),
        helper.make_node("Flatten", ["o"], ["output"], name="flatten", axis=1),
    ],
    "attention",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4, 6])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 16])],
    [f32("Wq", Wq), f32("Wk", Wk), f32("Wv", Wv), f32("half", 0.5)],
)


def attention(x):
    x = x.reshape(4, 6)
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    sc = (q @ k.T) * 0.5
    e = np.exp(sc - sc.max(axis=1, keepdims=True))
    return ((e / e.sum(axis=1, keepdims=True)) @ v).reshape(1, 16)


x = (rng.integers(-16, 17, size=(1, 4, 6)) / 16.0).astype(np.float32)
cal = (rng.integers(-16, 17, size=(8, 1, 4, 6)) / 16.0).astype(np.float32)
save("attention", graph, x, cal, attention(x.astype(np.float64)))

# ---------------------------------------------------------------- testdata (bad inputs for the CLI tests)
os.makedirs(os.path.join(HERE, "testdata"), exist_ok=True)
# A model with an op zkinfer does not support: Sign after a MatMul.
graph = helper.make_graph(
    [
        helper.make_node("MatMul", ["input", "W"], ["mm"], name="matmul"),
        helper.make_node("Sign", ["mm"], ["output"], name="act"),
    ],
    "unsupported",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2])],
    [f32("W", np.ones((4, 2)) / 4)],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="zkinfer-zoo")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(HERE, "testdata", "unsupported.onnx"))
json.dump({"input_data": [[0.5, -0.5, 0.25, 1.0]]}, open(os.path.join(HERE, "testdata", "unsupported.input.json"), "w"))
# A model with an operator no runtime knows (not checked: the checker would refuse it).
graph = helper.make_graph(
    [helper.make_node("FrobnicateOp", ["input"], ["output"], name="mystery")],
    "unknown_op",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4])],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="zkinfer-zoo")
model.ir_version = 8
onnx.save(model, os.path.join(HERE, "testdata", "unknown_op.onnx"))
print("testdata: unsupported.onnx, unknown_op.onnx")
