//! A max-pool of a convolution is pooled before the rescale (`RawSum`): the importer makes the Conv
//! raw only when the pool is its one reader, and the pooled output is, element for element, the
//! integer value pooling the rescaled convolution gives (the same model with the Relu's output also
//! a graph output, so that the convolution keeps its own requant rows).

mod common;

use common::onnx_edit::{float_tensor, ints, model_bytes, typed_value_info};
use tract_onnx::pb::{GraphProto, NodeProto};
use zkinfer_circuits::{Activation, OpKind, QuantizedGraph};
use zkinfer_models::float_graph::FloatOp;
use zkinfer_models::{load_onnx_bytes, OnnxModel};

/// Who else reads the pooled tensor's input.
#[derive(Clone, Copy, PartialEq)]
enum Other {
    /// Nobody: the pool is its one reader.
    Nobody,
    /// It is a graph output too.
    Output,
    /// A second MaxPool (2x2) reads it, whose output is the second graph output.
    Pool,
}

/// `x [1, 2, 6, 6]` -> Conv 2->3 3x3 pad 1 (with bias) -> Relu (when `relu`) -> MaxPool `kernel`
/// stride 2 -> `y`, with `other` readers of the pool's input.
fn model(relu: bool, kernel: i64, other: Other) -> OnnxModel {
    let node = |op: &str, inputs: &[&str], output: &str, attribute| NodeProto {
        name: output.into(),
        op_type: op.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute,
        ..Default::default()
    };
    let w: Vec<f32> = (0..3 * 2 * 9)
        .map(|i| ((i * 37 % 41) as f32 - 20.0) / 24.0)
        .collect();
    let b = vec![-0.4f32, 0.1, 0.6];
    let mut nodes = vec![node(
        "Conv",
        &["x", "w", "b"],
        "c",
        vec![ints("pads", &[1, 1, 1, 1])],
    )];
    let pooled = if relu {
        nodes.push(node("Relu", &["c"], "r", vec![]));
        "r"
    } else {
        "c"
    };
    let pool = vec![
        ints("kernel_shape", &[kernel, kernel]),
        ints("strides", &[2, 2]),
    ];
    nodes.push(node("MaxPool", &[pooled], "y", pool));
    let side = (6 - kernel) / 2 + 1;
    let mut output = vec![typed_value_info("y", 1, &[1, 3, side, side])];
    match other {
        Other::Nobody => {}
        Other::Output => output.push(typed_value_info(pooled, 1, &[1, 3, 6, 6])),
        Other::Pool => {
            let pool = vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])];
            nodes.push(node("MaxPool", &[pooled], "y2", pool));
            output.push(typed_value_info("y2", 1, &[1, 3, 3, 3]));
        }
    }
    let graph = GraphProto {
        name: "pooled_conv".into(),
        node: nodes,
        input: vec![typed_value_info("x", 1, &[1, 2, 6, 6])],
        output,
        initializer: vec![
            float_tensor("w", &[3, 2, 3, 3], w),
            float_tensor("b", &[3], b),
        ],
        ..Default::default()
    };
    load_onnx_bytes(&model_bytes(graph, &[("", 13)]), "pooled_conv").expect("import")
}

fn sample(seed: usize) -> Vec<Vec<f64>> {
    vec![(0..72)
        .map(|i| ((i * 29 + seed * 11) % 31) as f64 / 8.0 - 1.9)
        .collect()]
}

/// The first output of `q` on `sample`, as integers.
fn first_output(q: &QuantizedGraph, sample: &[Vec<f64>]) -> Vec<i64> {
    let inputs = zkinfer_models::report::quantize_inputs(q, sample).expect("inputs");
    let trace = q.eval(&inputs).expect("eval");
    trace.values[q.outputs[0]].data.clone()
}

fn counts(m: &OnnxModel) -> (usize, usize) {
    let raw_convs = m
        .graph
        .nodes
        .iter()
        .filter(|n| matches!(&n.op, FloatOp::Conv(c) if c.raw))
        .count();
    let raw_sums = m
        .graph
        .nodes
        .iter()
        .filter(|n| matches!(n.op, FloatOp::RawSum(_)))
        .count();
    (raw_convs, raw_sums)
}

#[test]
fn a_pool_that_alone_reads_a_convolution_pools_its_raw_sums() {
    for (relu, kernel, steps) in [(true, 2, 3), (false, 2, 3), (true, 3, 8)] {
        let fused = model(relu, kernel, Other::Nobody);
        // k - 1 raw relu steps and the end; the rescaled Conv is gone.
        assert_eq!(
            counts(&fused),
            (1, steps + 1),
            "relu {relu}, {kernel}x{kernel}"
        );
        assert!(!fused
            .graph
            .nodes
            .iter()
            .any(|n| matches!(&n.op, FloatOp::Conv(c) if !c.raw)));
        let end = fused.graph.nodes.last().map(|n| &n.op);
        let act = if relu {
            Activation::Relu
        } else {
            Activation::None
        };
        assert!(matches!(end, Some(FloatOp::RawSum(r)) if r.act == act));
        // Another reader of the convolution keeps it rescaled, and the pools as before.
        for other in [Other::Output, Other::Pool] {
            assert_eq!(counts(&model(relu, kernel, other)), (0, 0));
        }
    }
}

#[test]
fn pooling_raw_sums_gives_the_integers_pooling_rescaled_outputs_gives() {
    let samples: Vec<Vec<Vec<f64>>> = (0..4).map(sample).collect();
    for (relu, kernel) in [(true, 2), (false, 2), (true, 3)] {
        let (fused, plain) = (
            model(relu, kernel, Other::Nobody),
            model(relu, kernel, Other::Output),
        );
        for (scale, range_bits) in [(7, 14), (10, 17)] {
            let domains = Default::default();
            let qf = fused.graph.quantize(scale, range_bits, &domains);
            let qp = plain.graph.quantize(scale, range_bits, &domains);
            assert!(qf.nodes.iter().any(|n| matches!(n.op, OpKind::RawSum(_))));
            for s in &samples {
                let (a, b) = (first_output(&qf, s), first_output(&qp, s));
                assert_eq!(a, b, "relu {relu}, {kernel}x{kernel} at 2^{scale}");
                // Both signs occur without the Relu, so the maxima are not all clamped at zero.
                if !relu {
                    assert!(a.iter().any(|v| *v < 0) && a.iter().any(|v| *v > 0));
                }
            }
            // And the float graphs agree with tract.
            for s in &samples {
                let tract = fused.run_float(s).expect("tract");
                let ours = fused.graph.outputs(s).expect("float");
                for (t, o) in tract[0].iter().zip(&ours[0]) {
                    assert!((t - o).abs() <= 1e-4 * (1.0 + t.abs()), "{t} vs {o}");
                }
            }
        }
    }
}
