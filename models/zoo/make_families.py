#!/usr/bin/env python3
"""Regenerate the model families of issue 16 (ops real models use), deterministically (fixed seeds).

    python3 -m venv /tmp/zoo-venv && /tmp/zoo-venv/bin/pip install onnx==1.17.0 numpy onnxruntime scikit-learn skl2onnx
    /tmp/zoo-venv/bin/python models/zoo/make_families.py

Each model has a dynamic batch axis ("batch") and is written like make_zoo.py's: network.onnx, input.json,
cal.json and expected_output.json, the expected output computed by onnxruntime.

  decoder/  a one-block causal language model: token ids [batch, 8] (int64) -> token embedding (Gather,
            vocabulary 40, width 16) + positional embedding, pre-LayerNorm attention with 2 heads and a
            causal mask (Where(mask, scores, float32 min), as Hugging Face's GPT-2 writes it), exact-Gelu
            MLP, final LayerNorm, logits [batch, 8, 40]
  gan/      a DCGAN-style generator: latent [batch, 8] -> Gemm -> [8, 4, 4] -> Elu -> ConvTranspose (8->4,
            4x4, stride 2, pad 1) -> Elu -> ConvTranspose (4->1) -> Tanh: an image [batch, 1, 16, 16]
  forest/   a random forest (scikit-learn, 5 trees of depth 3, on iris) written as a tensor program in
            Hummingbird's GEMM form: feature selection (MatMul), node tests (LessOrEqual), path
            matching (MatMul, Equal), leaf values (MatMul) averaged; outputs the class probabilities
            [batch, 3] and the label (ArgMax, [batch])
  lstm/     a sequence classifier as PyTorch exports `nn.LSTM(batch_first=True)`: x [batch, 6, 4] ->
            Transpose -> LSTM (hidden 8) -> last hidden state -> Gemm -> logits [batch, 3]
  gru/      the same with `nn.GRU` (linear_before_reset=1, as PyTorch writes it)
  logreg/   scikit-learn's LogisticRegression on iris, exported by skl2onnx (zipmap=False): the
            ai.onnx.ml LinearClassifier and Normalizer; outputs the label [batch] and the
            probabilities [batch, 3]
  linsvc/   scikit-learn's LinearSVC on iris, by skl2onnx: a LinearClassifier with raw margins (no
            post-transform); outputs the label [batch] and the margins [batch, 3]
  linreg/   scikit-learn's LinearRegression (petal width from the other three measures), by skl2onnx:
            the ai.onnx.ml LinearRegressor
  skforest/ scikit-learn's RandomForestClassifier (10 trees of depth 4, 6 continuous features, 3
            classes), by skl2onnx (zipmap=False): the ai.onnx.ml TreeEnsembleClassifier; outputs the
            label [batch] and the probabilities [batch, 3]
  boosted/  GradientBoostingClassifier (10 rounds of depth-2 trees per class) on the same data: a
            TreeEnsembleClassifier with base values and a SOFTMAX post-transform
  binforest/ a binary RandomForestClassifier (8 trees of depth 4): skl2onnx writes class 0's votes only
            and onnxruntime's label is [p > 1/2] (not tract's ArgMax of [p, 0]); outputs the label
            [batch] and the probabilities [batch, 2]
  forestreg/ RandomForestRegressor (8 trees of depth 4, 5 features): a TreeEnsembleRegressor with the
            AVERAGE aggregate
  boostreg/ GradientBoostingRegressor (8 rounds of depth 3): a TreeEnsembleRegressor with SUM and a base
            value
"""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def save(folder, graph, x, cal, opset):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="zkinfer-zoo")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = os.path.join(HERE, folder, "network.onnx")
    onnx.save(model, path)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    dtype = np.int64 if session.get_inputs()[0].type == "tensor(int64)" else np.float32
    expected = session.run(None, {name: np.asarray(x, dtype)})[0]
    dump = lambda file, obj: json.dump(obj, open(os.path.join(HERE, folder, file), "w"))
    values = lambda a: np.asarray(a).ravel().tolist()
    dump("input.json", {"input_data": [values(x)]})
    dump("cal.json", {"input_data": [values(c) for c in cal]})
    dump("expected_output.json", {"output_data": [np.asarray(expected, np.float64).ravel().tolist()]})


# ---------------------------------------------------------------- decoder
rng = np.random.default_rng(16)
V, T, D, H, F = 40, 8, 16, 2, 32
dh = D // H
W, nodes = {}, []
c = lambda name, arr: W.setdefault(name, np.asarray(arr))


def layernorm(x, name):
    c(name + ".g", 1 + rng.normal(0, 0.05, D)), c(name + ".b", rng.normal(0, 0.05, D))
    nodes.append(helper.make_node("LayerNormalization", [x, name + ".g", name + ".b"], [name], axis=-1, epsilon=1e-5))
    return name


def linear(x, name, n_in, n_out):
    c(name + ".w", rng.normal(0, np.sqrt(1.0 / n_in), (n_in, n_out))), c(name + ".b", rng.normal(0, 0.02, n_out))
    nodes.extend([helper.make_node("MatMul", [x, name + ".w"], [name + ".mm"]),
                  helper.make_node("Add", [name + ".mm", name + ".b"], [name])])
    return name


c("wte", rng.normal(0, 0.5, (V, D))), c("wpe", rng.normal(0, 0.1, (T, D)))
c("shape_heads", np.array([0, T, H, dh], dtype=np.int64))  # 0: keep the (dynamic) batch
c("shape_model", np.array([0, T, D], dtype=np.int64))
c("inv_sqrt_dh", np.array(1.0 / np.sqrt(dh)))
c("half", np.array(0.5)), c("one", np.array(1.0)), c("inv_sqrt2", np.array(1.0 / np.sqrt(2.0)))
c("causal", np.tril(np.ones((T, T), dtype=bool)))
c("masked", np.array(np.finfo(np.float32).min))
nodes += [helper.make_node("Gather", ["wte", "tokens"], ["tok"], axis=0),
          helper.make_node("Add", ["tok", "wpe"], ["x0"])]
h = layernorm("x0", "ln1")
heads = {}
for t in "qkv":
    y = linear(h, t, D, D)
    nodes.append(helper.make_node("Reshape", [y, "shape_heads"], [y + ".r"]))
    perm = [0, 2, 3, 1] if t == "k" else [0, 2, 1, 3]
    nodes.append(helper.make_node("Transpose", [y + ".r"], [y + ".t"], perm=perm))
    heads[t] = y + ".t"
nodes += [helper.make_node("MatMul", [heads["q"], heads["k"]], ["s"]),
          helper.make_node("Mul", ["s", "inv_sqrt_dh"], ["ss"]),
          helper.make_node("Where", ["causal", "ss", "masked"], ["sm"]),
          helper.make_node("Softmax", ["sm"], ["a"], axis=-1),
          helper.make_node("MatMul", ["a", heads["v"]], ["o"]),
          helper.make_node("Transpose", ["o"], ["ot"], perm=[0, 2, 1, 3]),
          helper.make_node("Reshape", ["ot", "shape_model"], ["or"])]
o = linear("or", "proj", D, D)
nodes.append(helper.make_node("Add", ["x0", o], ["res1"]))
h = layernorm("res1", "ln2")
u = linear(h, "fc1", D, F)
nodes += [helper.make_node("Mul", [u, "inv_sqrt2"], [u + ".s"]),
          helper.make_node("Erf", [u + ".s"], [u + ".e"]),
          helper.make_node("Add", [u + ".e", "one"], [u + ".e1"]),
          helper.make_node("Mul", [u, u + ".e1"], [u + ".m"]),
          helper.make_node("Mul", [u + ".m", "half"], [u + ".gelu"])]
d = linear(u + ".gelu", "fc2", F, D)
nodes.append(helper.make_node("Add", ["res1", d], ["res2"]))
h = layernorm("res2", "ln_f")
c("head.w", rng.normal(0, np.sqrt(1.0 / D), (D, V)))
nodes.append(helper.make_node("MatMul", [h, "head.w"], ["logits"]))
inits = [numpy_helper.from_array(v if v.dtype in (np.int64, bool) else v.astype(np.float32), k) for k, v in W.items()]
graph = helper.make_graph(nodes, "decoder", [helper.make_tensor_value_info("tokens", TensorProto.INT64, ["batch", T])],
                         [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", T, V])], inits)
tokens = rng.integers(0, V, (1, T))
cal = [rng.integers(0, V, (1, T)) for _ in range(3)]
save("decoder", graph, tokens, [tokens] + cal, 17)


# ---------------------------------------------------------------- gan
rng = np.random.default_rng(17)
f32 = lambda name, arr: numpy_helper.from_array(np.asarray(arr, np.float32), name)
Z = 8
inits = [
    f32("fc.w", rng.normal(0, np.sqrt(1.0 / Z), (Z, 128))), f32("fc.b", rng.normal(0, 0.1, 128)),
    numpy_helper.from_array(np.array([0, 8, 4, 4], np.int64), "shape"),
    f32("up1.w", rng.normal(0, np.sqrt(2.0 / (8 * 16)), (8, 4, 4, 4))), f32("up1.b", rng.normal(0, 0.05, 4)),
    f32("up2.w", rng.normal(0, np.sqrt(2.0 / (4 * 16)), (4, 1, 4, 4))), f32("up2.b", rng.normal(0, 0.05, 1)),
]
nodes = [
    helper.make_node("Gemm", ["z", "fc.w", "fc.b"], ["h"]),
    helper.make_node("Reshape", ["h", "shape"], ["h4"]),
    helper.make_node("Elu", ["h4"], ["a1"], alpha=1.0),
    helper.make_node("ConvTranspose", ["a1", "up1.w", "up1.b"], ["u1"], kernel_shape=[4, 4], strides=[2, 2], pads=[1, 1, 1, 1]),
    helper.make_node("Elu", ["u1"], ["a2"], alpha=1.0),
    helper.make_node("ConvTranspose", ["a2", "up2.w", "up2.b"], ["u2"], kernel_shape=[4, 4], strides=[2, 2], pads=[1, 1, 1, 1]),
    helper.make_node("Tanh", ["u2"], ["image"]),
]
graph = helper.make_graph(nodes, "gan", [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", Z])],
                          [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 16, 16])], inits)
z = rng.normal(0, 1, (1, Z))
save("gan", graph, z.round(4), [z.round(4)] + [rng.normal(0, 1, (1, Z)).round(4) for _ in range(3)], 13)


# ---------------------------------------------------------------- forest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

iris = load_iris()
forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=3).fit(iris.data, iris.target)
K, F = 3, 4
A, B, C, D, E = [], [], [], [], []  # per internal node: feature one-hot, threshold; per leaf: path, depth, value
for est in forest.estimators_:
    t = est.tree_
    internal = [i for i in range(t.node_count) if t.children_left[i] != -1]
    leaves = [i for i in range(t.node_count) if t.children_left[i] == -1]
    base_i, base_l = len(B), len(D)
    col = {n: base_i + j for j, n in enumerate(internal)}
    for n in internal:
        A.append(np.eye(F)[t.feature[n]])
        B.append(t.threshold[n])
    paths = {0: []}  # node -> [(internal node, went left)]
    for n in range(t.node_count):
        if t.children_left[n] != -1:
            paths[t.children_left[n]] = paths[n] + [(n, True)]
            paths[t.children_right[n]] = paths[n] + [(n, False)]
    for leaf in leaves:
        C.append({col[n]: (1.0 if left else -1.0) for n, left in paths[leaf]})
        D.append(sum(1 for _, left in paths[leaf] if left))
        v = t.value[leaf][0]
        E.append(v / v.sum() / len(forest.estimators_))
I, L = len(B), len(D)
Cm = np.zeros((I, L))
for l, entries in enumerate(C):
    for i, c in entries.items():
        Cm[i, l] = c
inits = [f32("select", np.array(A).T), f32("thresholds", B), f32("paths", Cm), f32("depths", D),
         f32("leaf_values", np.array(E))]
nodes = [
    helper.make_node("MatMul", ["x", "select"], ["xf"]),
    helper.make_node("LessOrEqual", ["xf", "thresholds"], ["went_left"]),
    helper.make_node("Cast", ["went_left"], ["wl"], to=TensorProto.FLOAT),
    helper.make_node("MatMul", ["wl", "paths"], ["score"]),
    helper.make_node("Equal", ["score", "depths"], ["at_leaf"]),
    helper.make_node("Cast", ["at_leaf"], ["leaf"], to=TensorProto.FLOAT),
    helper.make_node("MatMul", ["leaf", "leaf_values"], ["probabilities"]),
    helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
]
graph = helper.make_graph(nodes, "forest", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", F])],
                          [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", K]),
                           helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"])], inits)
picks = [0, 60, 120, 75]  # one of each class, and one near the versicolor/virginica border
x = iris.data[picks[:1]]
p = forest.predict_proba(iris.data[picks])
save("forest", graph, x, [iris.data[[i]] for i in picks], 13)
# The tensor program is the forest: its probabilities are scikit-learn's.
session = ort.InferenceSession(os.path.join(HERE, "forest", "network.onnx"), providers=["CPUExecutionProvider"])
got = session.run(None, {"x": iris.data[picks].astype(np.float32)})
assert np.allclose(got[0], p, atol=1e-5), (got[0], p)
assert (got[1] == p.argmax(1)).all()


# ---------------------------------------------------------------- lstm, gru
for kind, gates, seed in (("lstm", 4, 18), ("gru", 3, 19)):
    rng = np.random.default_rng(seed)
    T, I, H, K = 6, 4, 8, 3
    inits = [
        f32("W", rng.normal(0, 0.5, (1, gates * H, I))), f32("R", rng.normal(0, 0.4, (1, gates * H, H))),
        f32("B", rng.normal(0, 0.1, (1, 2 * gates * H))),
        f32("head.w", rng.normal(0, 0.5, (K, H))), f32("head.b", rng.normal(0, 0.1, K)),
        numpy_helper.from_array(np.array([-1, H], np.int64), "flat"),
    ]
    extra = {"linear_before_reset": 1} if kind == "gru" else {}
    outs = ["Y", "Y_h"] + (["Y_c"] if kind == "lstm" else [])
    nodes = [
        helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),
        helper.make_node(kind.upper(), ["xt", "W", "R", "B"], outs, hidden_size=H, **extra),
        helper.make_node("Reshape", ["Y_h", "flat"], ["h"]),
        helper.make_node("Gemm", ["h", "head.w", "head.b"], ["logits"], transB=1),
    ]
    graph = helper.make_graph(nodes, kind, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", T, I])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", K])], inits)
    xs = [rng.normal(0, 1, (1, T, I)).round(4) for _ in range(4)]
    save(kind, graph, xs[0], xs, 14)


# ---------------------------------------------------------------- logreg (the real exporter)
from skl2onnx import to_onnx
from sklearn.linear_model import LogisticRegression

X = iris.data.astype(np.float32)
logreg = LogisticRegression(max_iter=500).fit(X, iris.target)
model = to_onnx(logreg, X[:1], options={"zipmap": False}, target_opset={"": 13, "ai.onnx.ml": 3})
os.makedirs(os.path.join(HERE, "logreg"), exist_ok=True)
path = os.path.join(HERE, "logreg", "network.onnx")
onnx.save(model, path)
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
picks = [0, 60, 120, 70]
label, probabilities = session.run(None, {"X": X[picks]})
assert (label == logreg.predict(X[picks])).all()
dump = lambda file, obj: json.dump(obj, open(os.path.join(HERE, "logreg", file), "w"))
dump("input.json", {"input_data": [iris.data[picks[0]].tolist()]})
dump("cal.json", {"input_data": [iris.data[i].tolist() for i in picks]})
dump("expected_output.json", {"output_data": [[float(label[0])]]})

# LinearSVC: a LinearClassifier without a post-transform (raw margins), its label by the ArgMax.
from sklearn.svm import LinearSVC

svc = LinearSVC(random_state=0, max_iter=5000).fit(X, iris.target)
model = to_onnx(svc, X[:1], target_opset={"": 13, "ai.onnx.ml": 3})
os.makedirs(os.path.join(HERE, "linsvc"), exist_ok=True)
path = os.path.join(HERE, "linsvc", "network.onnx")
onnx.save(model, path)
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
label, margins = session.run(None, {"X": X[picks]})
assert (label == svc.predict(X[picks])).all()
dump = lambda file, obj: json.dump(obj, open(os.path.join(HERE, "linsvc", file), "w"))
dump("input.json", {"input_data": [iris.data[picks[0]].tolist()]})
dump("cal.json", {"input_data": [iris.data[i].tolist() for i in picks]})
dump("expected_output.json", {"output_data": [[float(label[0])]]})

from sklearn.linear_model import LinearRegression

linreg = LinearRegression().fit(iris.data[:, :3], iris.data[:, 3])
model = to_onnx(linreg, X[:1, :3], target_opset={"": 13, "ai.onnx.ml": 3})
os.makedirs(os.path.join(HERE, "linreg"), exist_ok=True)
path = os.path.join(HERE, "linreg", "network.onnx")
onnx.save(model, path)
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
(width,) = session.run(None, {"X": X[picks, :3]})
assert np.allclose(width.ravel(), linreg.predict(iris.data[picks, :3]), atol=1e-4)
dump = lambda file, obj: json.dump(obj, open(os.path.join(HERE, "linreg", file), "w"))
dump("input.json", {"input_data": [iris.data[picks[0], :3].tolist()]})
dump("cal.json", {"input_data": [iris.data[i, :3].tolist() for i in picks]})
dump("expected_output.json", {"output_data": [[float(width[0, 0])]]})

# ---------------------------------------------------------------- tree ensembles (the real exporter)
# Continuous features (no test point sits on a threshold: a tree test is decided on the quantized input,
# so an input within 2^-s of a threshold may take the other branch).
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

TX, ty = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0)
TX = TX.astype(np.float32)
for folder, clf in [("skforest", RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0)),
                    ("boosted", GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0))]:
    clf.fit(TX, ty)
    model = to_onnx(clf, TX[:1], options={"zipmap": False}, target_opset={"": 13, "ai.onnx.ml": 3})
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    path = os.path.join(HERE, folder, "network.onnx")
    onnx.save(model, path)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    picks = [0, 1, 2, 3]
    label, probabilities = session.run(None, {"X": TX[picks]})
    assert (label == clf.predict(TX[picks])).all()
    dump = lambda file, obj: json.dump(obj, open(os.path.join(HERE, folder, file), "w"))
    dump("input.json", {"input_data": [TX[picks[0]].astype(float).tolist()]})
    dump("cal.json", {"input_data": [TX[i].astype(float).tolist() for i in picks]})
    dump("expected_output.json", {"output_data": [[float(label[0])]]})

# A binary forest: skl2onnx writes only class 0's votes (the probability of class 1) and onnxruntime's
# label is [p > 1/2]; inputs on both sides of the border.
BX, by = make_classification(n_samples=300, n_features=5, n_informative=3, random_state=1)
BX = BX.astype(np.float32)
binary = RandomForestClassifier(n_estimators=8, max_depth=4, random_state=0).fit(BX, by)
model = to_onnx(binary, BX[:1], options={"zipmap": False}, target_opset={"": 13, "ai.onnx.ml": 3})
os.makedirs(os.path.join(HERE, "binforest"), exist_ok=True)
path = os.path.join(HERE, "binforest", "network.onnx")
onnx.save(model, path)
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
p1 = binary.predict_proba(BX)[:, 1]
picks = [int(np.argmin(p1)), int(np.argmax(p1)), int(np.argmin(np.abs(p1 - 0.6))), int(np.argmin(np.abs(p1 - 0.4)))]
label, probabilities = session.run(None, {"X": BX[picks]})
assert (label == binary.predict(BX[picks])).all() and sorted(label.tolist()) == [0, 0, 1, 1]
dump = lambda file, obj: json.dump(obj, open(os.path.join(HERE, "binforest", file), "w"))
dump("input.json", {"input_data": [BX[picks[1]].astype(float).tolist()]})
dump("cal.json", {"input_data": [BX[i].astype(float).tolist() for i in picks]})
dump("expected_output.json", {"output_data": [[float(label[1])]]})

# Regressors: ai.onnx.ml TreeEnsembleRegressor (AVERAGE for the forest; SUM and base values for boosting).
from sklearn.datasets import make_regression
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor

RX, ry = make_regression(n_samples=300, n_features=5, n_informative=4, noise=0.1, random_state=0)
RX, ry = RX.astype(np.float32), ry / 100.0
for folder, reg in [("forestreg", RandomForestRegressor(n_estimators=8, max_depth=4, random_state=0)),
                    ("boostreg", GradientBoostingRegressor(n_estimators=8, max_depth=3, random_state=0))]:
    reg.fit(RX, ry)
    model = to_onnx(reg, RX[:1], target_opset={"": 13, "ai.onnx.ml": 3})
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    path = os.path.join(HERE, folder, "network.onnx")
    onnx.save(model, path)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    picks = [0, 1, 2, 3]
    (y,) = session.run(None, {"X": RX[picks]})
    assert np.allclose(y.ravel(), reg.predict(RX[picks]), atol=1e-4)
    dump = lambda file, obj: json.dump(obj, open(os.path.join(HERE, folder, file), "w"))
    dump("input.json", {"input_data": [RX[picks[0]].astype(float).tolist()]})
    dump("cal.json", {"input_data": [RX[i].astype(float).tolist() for i in picks]})
    dump("expected_output.json", {"output_data": [[float(y[0, 0])]]})
