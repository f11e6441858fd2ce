//! The importer against tract: the FloatGraph zkinfer builds must compute what tract computes, and the
//! quantized graph must stay within the quantization error of it.

use std::path::{Path, PathBuf};
use zkinfer_circuits::ops;
use zkinfer_circuits::QTensor;
use zkinfer_models::settings::{choose, SettingsChoice};
use zkinfer_models::{load_onnx, read_input_file, FloatOp};

fn zoo(model: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("zoo")
        .join(model)
        .join(file)
}

fn check_model(model: &str, max_quant_err: f64) {
    let m = load_onnx(&zoo(model, "network.onnx")).expect("import");
    let sizes = m.graph.input_sizes();
    let samples = read_input_file(&zoo(model, "cal.json"))
        .unwrap()
        .samples(&sizes)
        .unwrap();
    assert!(samples.len() > 1, "calibration file holds several samples");
    let (graph, cal) = choose(&m.graph, &samples, &SettingsChoice::default()).unwrap();
    for sample in &samples {
        let tract = m.run_float(sample).unwrap();
        let ours = m.graph.outputs(sample).unwrap();
        for (t, o) in tract.iter().zip(&ours) {
            for (a, b) in t.iter().zip(o) {
                // tract runs in f32, the FloatGraph in f64.
                assert!(
                    (a - b).abs() <= 1e-4 * (1.0 + a.abs()),
                    "{model}: tract {a} vs float graph {b}"
                );
            }
        }
        let inputs: Vec<QTensor> = sample
            .iter()
            .map(|v| QTensor::from_f64(vec![v.len()], v, cal.settings.scale).unwrap())
            .collect();
        let trace = graph.eval(&inputs).unwrap();
        let quantized = trace.outputs(&graph).next().unwrap().dequantize();
        for (q, t) in quantized.iter().zip(&tract[0]) {
            assert!(
                (q - t).abs() <= max_quant_err,
                "{model}: quantized {q} vs tract {t}"
            );
        }
    }
}

#[test]
fn mlp_digits_matches_tract() {
    check_model("mlp_digits", 0.25);
}

#[test]
fn tiny_linear_matches_tract() {
    check_model("tiny_linear", 1e-9);
}

#[test]
fn cnn_tiny_matches_tract() {
    check_model("cnn_tiny", 0.01);
}

#[test]
fn conv_pool_matches_tract_with_both_pools_over_raw_sums() {
    check_model("conv_pool", 0.01);
    let m = load_onnx(&zoo("conv_pool", "network.onnx")).unwrap();
    let count = |f: fn(&FloatOp) -> bool| m.graph.nodes.iter().filter(|n| f(&n.op)).count();
    assert_eq!(count(|o| matches!(o, FloatOp::Conv(c) if c.raw)), 2);
    assert_eq!(count(|o| matches!(o, FloatOp::Conv(c) if !c.raw)), 0);
    // 2x2: 3 steps and the end; 3x3: 8 steps and the end.
    assert_eq!(count(|o| matches!(o, FloatOp::RawSum(_))), 4 + 9);
}

#[test]
fn conv_bias_and_relu_are_fused_and_pool_imported() {
    let m = load_onnx(&zoo("cnn_tiny", "network.onnx")).unwrap();
    let ops: Vec<&FloatOp> = m.graph.nodes.iter().map(|n| &n.op).collect();
    assert!(
        matches!(
            ops[1],
            FloatOp::Conv(ops::Conv {
                c_in: 1,
                c_out: 3,
                act: zkinfer_circuits::Activation::Relu,
                ..
            })
        ),
        "{:?}",
        ops[1]
    );
    assert!(
        matches!(
            ops[2],
            FloatOp::Pool(ops::Pool {
                divisor: zkinfer_circuits::ops::PoolDivisor::InBounds,
                ..
            })
        ),
        "{:?}",
        ops[2]
    );
    // tract turns the 1x1 Conv into an EinSum over NCHW: a Dense between free transposes.
    assert!(ops.iter().any(|o| matches!(
        o,
        FloatOp::Dense(ops::Dense {
            n_in: 3,
            n_out: 2,
            ..
        })
    )));
    assert!(ops
        .iter()
        .any(|o| matches!(o, FloatOp::Transpose(ops::Transpose { .. }))));
    assert!(!ops.iter().any(|o| matches!(o, FloatOp::Relu(_))));
}

#[test]
fn slice_concat_matches_tract() {
    check_model("slice_concat", 1e-9);
    let m = load_onnx(&zoo("slice_concat", "network.onnx")).unwrap();
    assert!(m.graph.nodes.iter().any(
        |n| matches!(&n.op, FloatOp::Pad(ops::Pad { pads }) if pads == &vec![(0, 0), (1, 1)])
    ));
    assert!(m
        .graph
        .nodes
        .iter()
        .any(|n| matches!(n.op, FloatOp::Concat(ops::Concat { axis: 1 }))));
    assert!(m.graph.nodes.iter().any(|n| matches!(
        n.op,
        FloatOp::Slice(ops::Slice {
            axis: 1,
            start: 1,
            end: 3
        })
    )));
}

#[test]
fn reduce_pool_matches_tract() {
    check_model("reduce_pool", 0.01);
    let m = load_onnx(&zoo("reduce_pool", "network.onnx")).unwrap();
    // ReduceMean and GlobalAveragePool arrive as sums divided by the count: folded into the coefficient.
    let reduces: Vec<f64> = m
        .graph
        .nodes
        .iter()
        .filter_map(|n| match n.op {
            FloatOp::ReduceSum(ops::ReduceSum { weight, .. }) => Some(weight),
            _ => None,
        })
        .collect();
    // GlobalAveragePool: sum over 3x3 divided by 9; ReduceMean over 2 channels: divided by 2.
    assert_eq!(reduces.len(), 2, "{reduces:?}");
    assert!(
        (reduces[0] - 1.0 / 9.0).abs() < 1e-6 && (reduces[1] - 0.5).abs() < 1e-9,
        "{reduces:?}"
    );
    assert!(
        !m.graph
            .nodes
            .iter()
            .any(|n| matches!(n.op, FloatOp::Affine { .. })),
        "division not folded"
    );
}

#[test]
fn maxpool_clip_matches_tract() {
    check_model("maxpool_clip", 0.01);
    let m = load_onnx(&zoo("maxpool_clip", "network.onnx")).unwrap();
    let count = |f: fn(&FloatOp) -> bool| m.graph.nodes.iter().filter(|n| f(&n.op)).count();
    // 2x2 pool: 4 taps; 3x3 pool: 9 taps; each extra tap is one max = two affine steps.
    assert_eq!(count(|o| matches!(o, FloatOp::Gather { .. })), 4 + 9);
    let relu_steps = count(|o| {
        matches!(
            o,
            FloatOp::Affine(ops::Affine {
                act: zkinfer_circuits::Activation::Relu,
                ..
            })
        )
    });
    // 3 + 8 pool maxes, max(p1, p2), min(p1, p2), Clip's max and min, LeakyRelu.
    assert_eq!(relu_steps, 3 + 8 + 1 + 1 + 2 + 1);
}

#[test]
fn bn_affine_matches_tract() {
    check_model("bn_affine", 0.01);
}

#[test]
fn batchnorm_and_constant_arithmetic_fold() {
    let m = load_onnx(&zoo("bn_affine", "network.onnx")).unwrap();
    let ops: Vec<&FloatOp> = m.graph.nodes.iter().map(|n| &n.op).collect();
    // BatchNormalization (tract: Mul + Add) folds into the Conv; Relu fuses after it.
    let convs: Vec<_> = ops
        .iter()
        .filter(|o| matches!(o, FloatOp::Conv(ops::Conv { .. })))
        .collect();
    assert_eq!(convs.len(), 1);
    assert!(
        !ops.iter().any(|o| matches!(o, FloatOp::Relu(_))),
        "{ops:?}"
    );
    // Sub/Mul/Div by constants fold into one-operand Affines; const - x and x + y are Affines too.
    let two_operand = ops
        .iter()
        .filter(|o| matches!(o, FloatOp::Affine(a) if a.coefficients.len() == 2))
        .count();
    assert_eq!(two_operand, 1);
}

#[test]
fn gemm_bias_and_relu_are_fused_into_dense() {
    let m = load_onnx(&zoo("mlp_digits", "network.onnx")).unwrap();
    let dense: Vec<_> = m
        .graph
        .nodes
        .iter()
        .filter(|n| matches!(n.op, FloatOp::Dense(ops::Dense { .. })))
        .collect();
    assert_eq!(dense.len(), 2, "two Gemms");
    assert_eq!(
        m.graph
            .nodes
            .iter()
            .filter(|n| matches!(n.op, FloatOp::Relu(_) | FloatOp::Affine(_)))
            .count(),
        0
    );
    match &dense[0].op {
        FloatOp::Dense(ops::Dense {
            n_in: 64,
            n_out: 32,
            act,
            bias,
            ..
        }) => {
            assert_eq!(*act, zkinfer_circuits::Activation::Relu);
            assert!(bias.iter().any(|b| *b != 0.0), "bias folded in");
        }
        other => panic!("unexpected first layer {other:?}"),
    }
}

#[test]
fn readme_lists_exactly_the_supported_ops() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let begin = readme
        .find("<!-- supported-ops:begin")
        .expect("begin marker");
    let start = begin + readme[begin..].find('\n').unwrap() + 1;
    let end = readme
        .find("<!-- supported-ops:end -->")
        .expect("end marker");
    assert_eq!(
        &readme[start..end],
        zkinfer_models::supported::markdown_table(),
        "regenerate with `zkinfer ops`"
    );
}

#[test]
fn smooth_act_matches_tract_with_one_table_per_function() {
    check_model("smooth_act", 0.02);
    let m = load_onnx(&zoo("smooth_act", "network.onnx")).unwrap();
    use zkinfer_circuits::Function::*;
    // Sigmoid, Tanh and Silu (tract recognises x·sigmoid(x)) fuse into their Gemms; Erf stands alone
    // (its operand already has an activation). Gelu(tanh) (fused), Gelu and Exp (standalone) saturate:
    // each is read by an Affine of its clamped input (`import::saturate`).
    let tables: Vec<(&str, zkinfer_circuits::Function)> = m
        .graph
        .nodes
        .iter()
        .filter_map(|n| {
            let f = n.op.as_real().table()?.function;
            Some(match n.op {
                FloatOp::Dense(_) => ("dense", f),
                FloatOp::Lookup(_) => ("lookup", f),
                FloatOp::Affine(_) => ("affine", f),
                _ => ("other", f),
            })
        })
        .collect();
    assert_eq!(
        tables,
        vec![
            ("dense", Sigmoid),
            ("dense", Tanh),
            ("affine", Gelu),
            ("affine", GeluTanh),
            ("lookup", Erf),
            ("dense", Silu),
            ("affine", Exp)
        ]
    );
}

#[test]
fn prelu_matches_tract_as_relu_and_affine() {
    check_model("prelu", 0.01);
    let m = load_onnx(&zoo("prelu", "network.onnx")).unwrap();
    let ops: Vec<&str> = m
        .graph
        .nodes
        .iter()
        .map(|n| match n.op {
            FloatOp::Input { .. } => "input",
            FloatOp::Conv(ops::Conv { .. }) => "conv",
            FloatOp::Relu(_) => "relu",
            FloatOp::Affine { .. } => "affine",
            FloatOp::Reshape { .. } => "reshape",
            _ => "other",
        })
        .collect();
    // The slope product tract's expansion made is pruned: conv, relu(conv), a·conv + (b-a)·relu(conv).
    assert_eq!(ops, vec!["input", "conv", "relu", "affine", "reshape"]);
}

#[test]
fn softmax_matches_tract() {
    check_model("softmax", 0.005);
    let m = load_onnx(&zoo("softmax", "network.onnx")).unwrap();
    assert!(m
        .graph
        .nodes
        .iter()
        .any(|n| matches!(n.op, FloatOp::Divide(_))));
}

#[test]
fn attention_matches_tract_with_two_witness_products() {
    check_model("attention", 0.01);
    let m = load_onnx(&zoo("attention", "network.onnx")).unwrap();
    let products = m
        .graph
        .nodes
        .iter()
        .filter(|n| matches!(n.op, FloatOp::MatMul { .. }))
        .count();
    assert_eq!(products, 2, "Q·K^T and P·V");
}

/// The decoder's logits (8 positions of 40) against tract's: close, and the same next token everywhere.
#[test]
fn decoder_embeds_tokens_and_masks_its_softmax() {
    check_model("decoder", 0.03);
    let m = load_onnx(&zoo("decoder", "network.onnx")).unwrap();
    let nodes = &m.graph.nodes;
    let embeddings: Vec<usize> = (0..nodes.len())
        .filter(|i| matches!(nodes[*i].op, FloatOp::Embedding(_)))
        .collect();
    assert_eq!(embeddings.len(), 1, "one token embedding");
    assert!(matches!(
        nodes[nodes[embeddings[0]].inputs[0]].op,
        FloatOp::Input(_)
    ));
    // The mask's fill (the float32 minimum) never enters the graph.
    for n in nodes {
        if let FloatOp::Affine(a) = &n.op {
            assert!(
                a.bias.iter().all(|b| b.abs() < 1e3),
                "{}: {:?}",
                n.name,
                a.bias
            );
        }
    }
    let samples = read_input_file(&zoo("decoder", "cal.json"))
        .unwrap()
        .samples(&m.graph.input_sizes())
        .unwrap();
    let (graph, cal) = choose(&m.graph, &samples, &SettingsChoice::default()).unwrap();
    // The attention probabilities: exactly 0 above the diagonal, rows summing to 1.
    let probs = graph
        .nodes
        .iter()
        .position(|n| {
            matches!(n.op, ops::OpKind::Divide(_))
                && graph.nodes[n.inputs[0]].name.ends_with(".exp_masked")
        })
        .expect("the masked softmax's division");
    for sample in &samples {
        let x = QTensor::from_f64(vec![8], &sample[0], cal.settings.scale).unwrap();
        let trace = graph.eval(&[x]).unwrap();
        let p = trace.values[probs].dequantize();
        assert_eq!(p.len(), 2 * 8 * 8, "two heads of 8x8");
        for (row, chunk) in p.chunks(8).enumerate() {
            let t = row % 8;
            assert!(
                chunk[t + 1..].iter().all(|v| *v == 0.0),
                "row {row}: {chunk:?}"
            );
            let sum: f64 = chunk.iter().sum();
            assert!((sum - 1.0).abs() < 0.01, "row {row} sums to {sum}");
        }
        let logits = trace.outputs(&graph).next().unwrap().dequantize();
        let tract = m.run_float(sample).unwrap();
        let argmax = |v: &[f64]| (0..v.len()).max_by(|a, b| v[*a].total_cmp(&v[*b])).unwrap();
        for (ours, theirs) in logits.chunks(40).zip(tract[0].chunks(40)) {
            assert_eq!(argmax(ours), argmax(theirs), "next-token choice");
        }
    }
}

#[test]
fn a_token_outside_the_vocabulary_is_an_error_naming_the_embedding() {
    let m = load_onnx(&zoo("decoder", "network.onnx")).unwrap();
    let samples = read_input_file(&zoo("decoder", "cal.json"))
        .unwrap()
        .samples(&m.graph.input_sizes())
        .unwrap();
    let (graph, cal) = choose(&m.graph, &samples, &SettingsChoice::default()).unwrap();
    let embedding = graph
        .nodes
        .iter()
        .find(|n| matches!(n.op, ops::OpKind::Embedding(_)))
        .unwrap()
        .name
        .clone();
    for bad in [40.0, -1.0, 2.5] {
        let tokens = [1.0, 2.0, bad, 3.0, 4.0, 5.0, 6.0, 7.0];
        let x = QTensor::from_f64(vec![8], &tokens, cal.settings.scale).unwrap();
        match graph.eval(&[x]) {
            Err(zkinfer_circuits::CircuitError::OutOfTable {
                layer, function, ..
            }) => assert_eq!((layer, function), (embedding.clone(), "Embedding")),
            other => panic!("token {bad}: expected OutOfTable, got {:?}", other.err()),
        }
    }
}

#[test]
fn gan_generator_matches_tract_through_transposed_convolutions() {
    check_model("gan", 0.02);
    let m = load_onnx(&zoo("gan", "network.onnx")).unwrap();
    let convs = m
        .graph
        .nodes
        .iter()
        .filter(|n| matches!(n.op, FloatOp::Conv(_)))
        .count();
    assert_eq!(
        convs, 2,
        "each ConvTranspose is one Conv over its spread input"
    );
}

/// A model's outputs, each flattened.
type Outputs = Vec<Vec<f64>>;

/// Every output of the quantized model (dequantized) and of tract, on each of the model's `cal.json`
/// samples (inputs of one flat operand).
fn outputs_per_sample(model: &str) -> Vec<(Outputs, Outputs)> {
    let m = load_onnx(&zoo(model, "network.onnx")).unwrap();
    let samples = read_input_file(&zoo(model, "cal.json"))
        .unwrap()
        .samples(&m.graph.input_sizes())
        .unwrap();
    let (graph, cal) = choose(&m.graph, &samples, &SettingsChoice::default()).unwrap();
    samples
        .iter()
        .map(|sample| {
            let x =
                QTensor::from_f64(vec![sample[0].len()], &sample[0], cal.settings.scale).unwrap();
            let trace = graph.eval(&[x]).unwrap();
            let ours = trace.outputs(&graph).map(|t| t.dequantize()).collect();
            (ours, m.run_float(sample).unwrap())
        })
        .collect()
}

/// The forest's probabilities and its label (ArgMax, the second output) on one flower of each class
/// and one near the versicolor/virginica border.
#[test]
fn forest_tensor_program_matches_tract_and_its_labels() {
    check_model("forest", 0.01);
    let mut labels = vec![];
    for (ours, tract) in outputs_per_sample("forest") {
        assert_eq!(ours[1], tract[1], "label");
        labels.push(ours[1][0]);
    }
    assert_eq!(labels[..3], [0.0, 1.0, 2.0], "one flower of each class");
}

/// Recurrent classifiers as PyTorch exports them (batch first, a Transpose before the ONNX op): an LSTM
/// (tract's Scan with its fused cell) and a GRU (tract's whole-sequence GruSeq), unrolled over 6 steps.
#[test]
fn lstm_and_gru_classifiers_match_tract() {
    check_model("lstm", 0.01);
    check_model("gru", 0.01);
}

/// scikit-learn models as skl2onnx writes them (`ai.onnx.ml`): the labels (an `Embedding` of the class
/// labels at the ArgMax) and scores of a logistic regression (probabilities) and a LinearSVC (raw
/// margins, where the f64 max chain can miss the max by an ulp: the real graph's equality test allows
/// for it), one flower of each class; and a linear regression.
#[test]
fn skl2onnx_linear_models_match_tract() {
    check_model("linreg", 0.01);
    for model in ["logreg", "linsvc"] {
        check_model(model, 1e-9);
        let mut labels = vec![];
        for (ours, tract) in outputs_per_sample(model) {
            for (q, t) in ours[1].iter().zip(&tract[1]) {
                assert!((q - t).abs() < 0.01, "{model}: score {q} vs {t}");
            }
            labels.push(ours[0][0]);
        }
        assert_eq!(
            labels[..3],
            [0.0, 1.0, 2.0],
            "{model}: one flower of each class"
        );
    }
}

/// skl2onnx's tree ensembles (`ai.onnx.ml` TreeEnsembleClassifier): a random forest (averaged leaf
/// probabilities) and gradient boosting (summed leaf scores, base values, softmax); labels exact.
#[test]
fn skl2onnx_tree_ensembles_match_tract() {
    for (model, tolerance) in [("skforest", 0.01), ("boosted", 0.01)] {
        check_model(model, 1e-9);
        let mut labels = vec![];
        for (ours, tract) in outputs_per_sample(model) {
            for (q, t) in ours[1].iter().zip(&tract[1]) {
                assert!((q - t).abs() < tolerance, "{model}: probability {q} vs {t}");
            }
            labels.push(ours[0][0]);
        }
        assert_eq!(
            labels,
            [1.0, 0.0, 2.0, 0.0],
            "{model}: labels (scikit-learn's predictions)"
        );
    }
}

/// A binary forest as skl2onnx writes it (class 0's votes only): onnxruntime's label, `[p > 1/2]`,
/// on inputs of both classes (the model's script asserts onnxruntime's labels are 0, 1, 1, 0 here).
#[test]
fn skl2onnx_binary_forest_gets_onnxruntimes_label() {
    let mut labels = vec![];
    for (ours, _) in outputs_per_sample("binforest") {
        let p = ours[1][1];
        assert!(
            (ours[1][0] + p - 1.0).abs() < 0.01,
            "probabilities {:?}",
            ours[1]
        );
        assert_eq!(ours[0][0], f64::from(u8::from(p > 0.5)), "label at p = {p}");
        labels.push(ours[0][0]);
    }
    assert_eq!(labels, [0.0, 1.0, 1.0, 0.0]);
}

/// skl2onnx's tree regressors (`ai.onnx.ml` TreeEnsembleRegressor, which zkinfer parses for tract): a
/// random forest (AVERAGE) and gradient boosting (SUM and a base value).
#[test]
fn skl2onnx_tree_regressors_match_tract() {
    check_model("forestreg", 0.01);
    check_model("boostreg", 0.01);
}
