//! Uniqueness of the selections built from steps: TopK's ties go to the lower index (ONNX's rule), in
//! the float graph, in the exact integer evaluation, and in the circuit, where no step row of any round
//! can be flipped or moved; likewise no branch test or leaf indicator of a tree ensemble.

mod common;

use common::onnx_edit::{int, int_tensor, model_bytes, typed_value_info};
use tract_onnx::pb::{GraphProto, NodeProto};
use zkinfer_circuits::chips::requant::Tamper;
use zkinfer_circuits::circuit::TamperAt;
use zkinfer_circuits::{Activation, CircuitParams, QTensor, QuantizedGraph};
use zkinfer_models::load_onnx_bytes;
use zkinfer_models::settings::{choose, SettingsChoice};

/// A TopK model (opset 13) over `x: [1, n]`, `k` a constant, outputs values and indices.
fn topk(n: i64, k: i64, largest: bool) -> Vec<u8> {
    let node = NodeProto {
        name: "topk".into(),
        op_type: "TopK".into(),
        input: vec!["x".into(), "k".into()],
        output: vec!["values".into(), "indices".into()],
        attribute: vec![int("axis", 1), int("largest", i64::from(largest))],
        ..Default::default()
    };
    let graph = GraphProto {
        name: "topk".into(),
        node: vec![node],
        input: vec![typed_value_info("x", 1, &[1, n])],
        output: vec![
            typed_value_info("values", 1, &[1, k]),
            typed_value_info("indices", 7, &[1, k]),
        ],
        initializer: vec![int_tensor("k", &[1], vec![k])],
        ..Default::default()
    };
    model_bytes(graph, &[("", 13)])
}

/// The model's float and quantized outputs on `x`, with the quantized graph.
fn run(bytes: &[u8], x: &[f64]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>, QuantizedGraph) {
    let model = load_onnx_bytes(bytes, "model").expect("imports");
    let inputs = vec![x.to_vec()];
    let floats = model.graph.outputs(&inputs).expect("float graph");
    let (graph, _) = choose(
        &model.graph,
        std::slice::from_ref(&inputs),
        &SettingsChoice::default(),
    )
    .expect("settings");
    let q = QTensor::from_f64(vec![1, x.len()], x, graph.scale).expect("shape");
    let trace = graph.eval(&[q]).expect("exact evaluation");
    let quantized = trace.outputs(&graph).map(QTensor::dequantize).collect();
    (floats, quantized, graph)
}

#[test]
fn ties_go_to_the_lower_index_largest_and_smallest() {
    // Three members tie for the max at 1, 2 and 4: ONNX lists them in that order.
    let x = [1.0, 3.0, 3.0, 2.0, 3.0, 0.0];
    let expected = vec![vec![3.0, 3.0, 3.0, 2.0], vec![1.0, 2.0, 4.0, 3.0]];
    let (floats, quantized, _) = run(&topk(6, 4, true), &x);
    assert_eq!(floats, expected, "float graph");
    assert_eq!(quantized, expected, "exact evaluation");
    // The smallest: 0 at 1, 3 and 4 tie, then 1 at 5.
    let x = [2.0, -0.5, 1.5, -0.5, -0.5, 1.0];
    let expected = vec![vec![-0.5, -0.5, -0.5, 1.0], vec![1.0, 3.0, 4.0, 5.0]];
    let (floats, quantized, _) = run(&topk(6, 4, false), &x);
    assert_eq!(floats, expected, "float graph");
    assert_eq!(quantized, expected, "exact evaluation");
}

/// The honest witness of `graph` on `x` passes; flipping the sign of any step row of the nodes whose
/// name `pick` accepts (the other side of a tie or threshold, another member or leaf picked), or moving
/// its output, is rejected. Returns the number of tampers tried.
fn assert_steps_forced(graph: QuantizedGraph, x: &[f64], pick: impl Fn(&str) -> bool) -> usize {
    let params = CircuitParams {
        scale: graph.scale,
        range_bits: graph.range_bits,
        ..CircuitParams::default()
    }
    .for_graph(&graph);
    let q = QTensor::from_f64(vec![1, x.len()], x, graph.scale).expect("shape");
    let mock = |at| {
        let run = zkinfer_circuits::testing::mock_run;
        run(graph.clone(), vec![q.clone()], params, false, at).0
    };
    assert!(mock(None).is_empty(), "honest witness rejected");
    let shapes = graph.shapes().expect("shapes");
    let mut tried = 0;
    for (node, n) in graph.nodes.iter().enumerate() {
        let step = matches!(n.op.as_op().activation(), Activation::Step { .. });
        if !step || !pick(&n.name) {
            continue;
        }
        for index in 0..shapes[node].iter().product::<usize>() {
            for tamper in [Tamper::Sign, Tamper::Activation] {
                let at = TamperAt {
                    node,
                    index,
                    tamper,
                };
                let name = &n.name;
                assert!(
                    !mock(Some(at)).is_empty(),
                    "{tamper:?} at '{name}' element {index} accepted"
                );
                tried += 1;
            }
        }
    }
    tried
}

#[test]
fn every_step_of_the_topk_rounds_is_forced() {
    let x = [1.0, 3.0, 3.0, 2.0, 3.0];
    let (_, _, graph) = run(&topk(5, 2, true), &x);
    let tried = assert_steps_forced(graph, &x, |_| true);
    // Two rounds of a 5-member group: a hit step per member and 4 seen steps each, two tampers each.
    assert_eq!(tried, 2 * 2 * (5 + 4));
}

/// The first tree of skl2onnx's random forest: every branch test and every leaf indicator.
#[test]
fn every_test_and_leaf_of_a_tree_is_forced() {
    let zoo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("zoo/skforest");
    let model = zkinfer_models::load_onnx(&zoo.join("network.onnx")).expect("imports");
    let samples = zkinfer_models::read_input_file(&zoo.join("cal.json"))
        .expect("calibration")
        .samples(&model.graph.input_sizes())
        .expect("samples");
    let (graph, _) = choose(&model.graph, &samples, &SettingsChoice::default()).expect("settings");
    let tree0 = |name: &str| name.contains(".tree0.");
    let tried = assert_steps_forced(graph, &samples[0][0], tree0);
    assert!(
        tried >= 2 * (3 + 4),
        "a depth-4 tree has at least 3 tests and 4 leaves: {tried}"
    );
}

/// An `ai.onnx.ml` TreeEnsembleClassifier of one tree with strict tests, `x0 < 0.5` then `x1 > -0.25`:
/// class 0 when both hold, 1 when only the first does, 2 when the first fails.
fn strict_tree() -> Vec<u8> {
    strict_tree_with_ids([0, 1, 2, 3, 4])
}

/// [`strict_tree`] with its five nodes numbered `ids` (children named by those ids).
fn strict_tree_with_ids(ids: [i64; 5]) -> Vec<u8> {
    use tract_onnx::pb::attribute_proto::AttributeType;
    use tract_onnx::pb::AttributeProto;
    let ints = |name: &str, v: &[i64]| AttributeProto {
        name: name.into(),
        r#type: AttributeType::Ints as i32,
        ints: v.to_vec(),
        ..Default::default()
    };
    let floats = |name: &str, v: &[f32]| AttributeProto {
        name: name.into(),
        r#type: AttributeType::Floats as i32,
        floats: v.to_vec(),
        ..Default::default()
    };
    let modes = ["BRANCH_LT", "BRANCH_GT", "LEAF", "LEAF", "LEAF"];
    let node = NodeProto {
        name: "tree".into(),
        op_type: "TreeEnsembleClassifier".into(),
        domain: "ai.onnx.ml".into(),
        input: vec!["x".into()],
        output: vec!["label".into(), "scores".into()],
        attribute: vec![
            ints("classlabels_int64s", &[0, 1, 2]),
            ints("nodes_treeids", &[0; 5]),
            ints("nodes_nodeids", &ids),
            ints("nodes_featureids", &[0, 1, 0, 0, 0]),
            floats("nodes_values", &[0.5, -0.25, 0.0, 0.0, 0.0]),
            AttributeProto {
                name: "nodes_modes".into(),
                r#type: AttributeType::Strings as i32,
                strings: modes.iter().map(|m| m.as_bytes().to_vec()).collect(),
                ..Default::default()
            },
            ints("nodes_truenodeids", &[ids[1], ids[3], 0, 0, 0]),
            ints("nodes_falsenodeids", &[ids[2], ids[4], 0, 0, 0]),
            ints("class_treeids", &[0, 0, 0]),
            ints("class_nodeids", &[ids[3], ids[4], ids[2]]),
            ints("class_ids", &[0, 1, 2]),
            floats("class_weights", &[1.0, 1.0, 1.0]),
        ],
        ..Default::default()
    };
    let graph = GraphProto {
        name: "tree".into(),
        node: vec![node],
        input: vec![typed_value_info("x", 1, &[1, 2])],
        output: vec![
            typed_value_info("label", 7, &[1]),
            typed_value_info("scores", 1, &[1, 3]),
        ],
        ..Default::default()
    };
    model_bytes(graph, &[("", 13), ("ai.onnx.ml", 3)])
}

/// Strict tests at their thresholds: `0.5 < 0.5` and `-0.25 > -0.25` are false, exactly, and every
/// step of the tree is forced.
#[test]
fn strict_tree_tests_are_exact_at_the_threshold() {
    let bytes = strict_tree();
    let cases = [
        ([0.5, 0.0], 2.0),
        ([0.25, -0.25], 1.0),
        ([0.25, -0.125], 0.0),
        ([0.4990234375, 3.0], 0.0),
    ];
    for (x, class) in cases {
        let (floats, quantized, graph) = run(&bytes, &x);
        let mut scores = vec![0.0; 3];
        scores[class as usize] = 1.0;
        let expected = vec![vec![class], scores];
        assert_eq!(floats, expected, "float graph at {x:?}");
        assert_eq!(quantized, expected, "exact evaluation at {x:?}");
        assert!(assert_steps_forced(graph, &x, |n| n.contains(".tree0.")) >= 2 * (2 + 3));
    }
}

/// A model with a constant output beside a computed one: the constant passes through the circuit
/// (one exact Affine row per element), so its instances are bound to the model's values.
#[test]
fn a_constant_output_passes_through_and_is_bound() {
    use common::onnx_edit::float_tensor;
    use tract_onnx::pb::AttributeProto;
    let relu = NodeProto {
        name: "relu".into(),
        op_type: "Relu".into(),
        input: vec!["x".into()],
        output: vec!["y".into()],
        ..Default::default()
    };
    let constant = NodeProto {
        name: "c".into(),
        op_type: "Constant".into(),
        output: vec!["c".into()],
        attribute: vec![AttributeProto {
            name: "value".into(),
            r#type: tract_onnx::pb::attribute_proto::AttributeType::Tensor as i32,
            t: Some(float_tensor("c", &[3], vec![0.5, -1.25, 2.0])),
            ..Default::default()
        }],
        ..Default::default()
    };
    let graph = GraphProto {
        name: "constant".into(),
        node: vec![relu, constant],
        input: vec![typed_value_info("x", 1, &[1, 2])],
        output: vec![
            typed_value_info("y", 1, &[1, 2]),
            typed_value_info("c", 1, &[3]),
        ],
        ..Default::default()
    };
    let bytes = model_bytes(graph, &[("", 13)]);
    let x = [-1.0, 1.5];
    let (floats, quantized, graph) = run(&bytes, &x);
    let expected = vec![vec![0.0, 1.5], vec![0.5, -1.25, 2.0]];
    assert_eq!(floats, expected, "float graph");
    assert_eq!(quantized, expected, "exact evaluation");
    let params = CircuitParams {
        scale: graph.scale,
        range_bits: graph.range_bits,
        ..CircuitParams::default()
    }
    .for_graph(&graph);
    let q = QTensor::from_f64(vec![1, 2], &x, graph.scale).expect("shape");
    let node = *graph.outputs.last().expect("the constant output");
    let mock = |at| {
        let run = zkinfer_circuits::testing::mock_run;
        run(graph.clone(), vec![q.clone()], params, false, at).0
    };
    assert!(mock(None).is_empty(), "honest witness rejected");
    for index in 0..3 {
        for tamper in [Tamper::Quotient, Tamper::Accumulator] {
            let at = TamperAt {
                node,
                index,
                tamper,
            };
            assert!(
                !mock(Some(at)).is_empty(),
                "{tamper:?} of constant element {index} accepted"
            );
        }
    }
}

/// tract finds a child's row as its tree's first row plus the child's id, so ids other than
/// `0, 1, 2, …` would evaluate another tree: such a model is refused, naming the tree.
#[test]
fn tree_node_ids_with_a_gap_are_refused() {
    let why = match load_onnx_bytes(&strict_tree_with_ids([0, 1, 2, 3, 5]), "gap") {
        Ok(_) => panic!("a tree with node ids 0, 1, 2, 3, 5 was imported"),
        Err(e) => e.to_string(),
    };
    assert!(why.contains("node ids are not 0, 1, 2"), "{why}");
}
