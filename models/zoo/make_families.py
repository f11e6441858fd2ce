#!/usr/bin/env python3
"""Regenerate the model families of issue 16 (ops real models use), deterministically (fixed seeds).

    python3 -m venv /tmp/zoo-venv && /tmp/zoo-venv/bin/pip install onnx==1.17.0 numpy onnxruntime
    /tmp/zoo-venv/bin/python models/zoo/make_families.py

Each model has a dynamic batch axis ("batch") and is written like make_zoo.py's: network.onnx, input.json,
cal.json and expected_output.json, the expected output computed by onnxruntime.

  decoder/  a one-block causal language model: token ids [batch, 8] (int64) -> token embedding (Gather,
            vocabulary 40, width 16) + positional embedding, pre-LayerNorm attention with 2 heads and a
            causal mask (Where(mask, scores, float32 min), as Hugging Face's GPT-2 writes it), exact-Gelu
            MLP, final LayerNorm, logits [batch, 8, 40]
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
