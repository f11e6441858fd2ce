use super::{ConvShape, ConvTamper};
use crate::chips::requant::Tamper;
use crate::circuit::{CircuitParams, TamperAt};
use crate::ops::geometry::Window;
use crate::ops::{Activation, Conv};
use crate::tensor::QTensor;
use crate::testing::{mock_run, single_op_graph};
use crate::{OpKind, QuantizedGraph};

/// A `batch x c_in x h x w` input with weights and bias, deterministic and of both signs.
fn conv(c: [usize; 3], hw: [usize; 2], window: Window) -> (Conv, Vec<usize>, Vec<i64>) {
    let [c_in, c_out, group] = c;
    let per = c_in / group * window.kernel[0] * window.kernel[1];
    let op = Conv {
        c_in,
        c_out,
        group,
        window,
        weights: (0..c_out * per)
            .map(|i| (i * 29 % 37) as i64 - 18)
            .collect(),
        bias: (0..c_out).map(|o| o as i64 * 300 - 500).collect(),
        act: Activation::None,
        raw: false,
        weight_bits: 0,
    };
    let shape = vec![2, c_in, hw[0], hw[1]];
    let x = (0..2 * c_in * hw[0] * hw[1])
        .map(|i| (i * 13 % 23) as i64 - 11)
        .collect();
    (op, shape, x)
}

fn windows() -> Vec<Window> {
    vec![
        // Dense 3x3, no padding.
        Window {
            kernel: [3, 3],
            strides: [1, 1],
            pads: [0, 0, 0, 0],
            dilations: [1, 1],
        },
        // Padded on every side (as VGG's 3x3, pad 1).
        Window {
            kernel: [3, 3],
            strides: [1, 1],
            pads: [1, 1, 1, 1],
            dilations: [1, 1],
        },
        // 1x1 with windows wholly in the bottom and right padding (their outputs are the bias alone).
        Window {
            kernel: [1, 1],
            strides: [1, 1],
            pads: [0, 0, 1, 2],
            dilations: [1, 1],
        },
        // Strided, dilated, unevenly padded, not square.
        Window {
            kernel: [3, 2],
            strides: [2, 1],
            pads: [1, 0, 0, 1],
            dilations: [1, 2],
        },
    ]
}

/// The direct sum `Σ w·x` of every output, by the receptive fields the window names.
fn direct(op: &Conv, shape: &[usize], x: &[i64]) -> Vec<i64> {
    let [n, c_in, h, w] = [shape[0], shape[1], shape[2], shape[3]];
    let [oh, ow] = op.window.output_hw(h, w).expect("fits");
    let [kh, kw] = op.window.kernel;
    let (cin_g, cout_g) = (c_in / op.group, op.c_out / op.group);
    let mut out = vec![];
    for b in 0..n {
        for o in 0..op.c_out {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut acc = 0i64;
                    for ci in 0..cin_g {
                        let plane = (b * c_in + o / cout_g * cin_g + ci) * h * w;
                        for (ky, kx, iy, ix) in op.window.field(oy, ox, h, w) {
                            acc += op.weights[((o * cin_g + ci) * kh + ky) * kw + kx]
                                * x[plane + iy * w + ix];
                        }
                    }
                    out.push(acc);
                }
            }
        }
    }
    out
}

#[test]
fn coefficients_hold_every_output() {
    for window in windows() {
        for c in [[2, 3, 1], [4, 2, 2]] {
            let (op, shape, x) = conv(c, [5, 6], window);
            let s: ConvShape = op.check_shape(&shape).expect("shape");
            let g = s.geometry();
            let coeffs = s.coefficients(&op.weights, &x).expect("fits");
            let [oh, ow] = s.out_hw();
            let got: Vec<i64> = coeffs
                .iter()
                .flat_map(|c| {
                    (0..oh)
                        .flat_map(move |oy| (0..ow).map(move |ox| (oy, ox)))
                        .map(|(oy, ox)| c[s.output_index(&g, oy, ox)])
                        .collect::<Vec<_>>()
                })
                .collect();
            assert_eq!(got, direct(&op, &shape, &x), "{window:?} {c:?}");
        }
    }
}

fn graph(op: Conv, shape: &[usize], x: &[i64]) -> (QuantizedGraph, Vec<QTensor>) {
    let graph = single_op_graph(OpKind::Conv(op), &[shape.to_vec()], 7, 16);
    let input = QTensor {
        shape: shape.to_vec(),
        data: x.to_vec(),
        scale: 7,
    };
    (graph, vec![input])
}

fn params(graph: &QuantizedGraph, lanes: usize) -> CircuitParams {
    CircuitParams {
        conv_lanes: lanes,
        scale: 7,
        range_bits: 16,
        ..CircuitParams::default()
    }
    .for_graph(graph)
}

#[test]
fn honest_convolutions_are_accepted_and_sized_exactly() {
    for (i, window) in windows().into_iter().enumerate() {
        let (op, shape, x) = conv([4, 2, 2], [5, 6], window);
        let (graph, inputs) = graph(op.clone(), &shape, &x);
        let lanes = [1, 2, 4, 5][i];
        let p = params(&graph, lanes);
        let used = crate::testing::honest_rows(graph.clone(), inputs, p);
        let cost = crate::Cost::of(&graph, &p).expect("cost");
        assert_eq!(cost.conv_rows, used.conv);
        if lanes == 1 {
            // One data lane holds every chain: (inputs + outputs) per image, each `q_hi + 1 + E` long;
            // the weight lane one row per weight; row 0 is left empty.
            let [kh, kw] = window.kernel;
            let wp = 6 + window.pads[1] + window.pads[3];
            let q_hi = (window.pads[0] + 4) * wp + window.pads[1] + 5;
            let e = (kh - 1) * window.dilations[0] * wp + (kw - 1) * window.dilations[1];
            let data = 2 * (4 + 2) * (q_hi + 1 + e);
            assert_eq!(used.conv, 1 + data.max(2 * 2 * 2 * kh * kw));
        }
        assert!(used.conv > 0 && used.mac <= 1, "no MAC rows: {used:?}");
    }
}

/// Each corruption must fail the constraint named.
#[test]
fn tampered_convolutions_are_rejected() {
    for (window, channels) in [(windows()[3], [2, 3, 1]), (windows()[1], [4, 2, 2])] {
        let (op, shape, x) = conv(channels, [5, 6], window);
        tampers_rejected(graph(op, &shape, &x));
    }
}

fn tampers_rejected((graph, inputs): (QuantizedGraph, Vec<QTensor>)) {
    let outputs: usize = graph.shapes().expect("shapes")[1].iter().product();
    let cases = [
        (Tamper::Accumulator, 0, "Equality constraint"),
        (Tamper::Accumulator, outputs - 1, "Equality constraint"),
        (
            Tamper::Conv(ConvTamper::Output(7)),
            7,
            "Equality constraint",
        ),
        (Tamper::Conv(ConvTamper::Partial), 0, "Equality constraint"),
        (Tamper::Conv(ConvTamper::Accumulator), 0, "conv horner"),
        (Tamper::Conv(ConvTamper::Input), 0, "v"),
        (Tamper::Conv(ConvTamper::Operand), 0, "p"),
        (Tamper::Conv(ConvTamper::SkipData), 0, "conv horner"),
        (Tamper::Conv(ConvTamper::Sum), 0, "conv weights"),
    ];
    for lanes in [1, 3] {
        let p = params(&graph, lanes);
        let (honest, _, _) = mock_run(graph.clone(), inputs.clone(), p, false, None);
        assert!(honest.is_empty(), "{honest:?}");
        for (tamper, index, expect) in cases {
            let at = TamperAt {
                node: 1,
                index,
                tamper,
            };
            let (failures, _, _) = mock_run(graph.clone(), inputs.clone(), p, false, Some(at));
            // A copy that does not match fails at the chip's own cell: the first `v` (an input
            // element's copy) or the first `p` (an `R` cell's copy).
            let expect = match expect {
                "v" => format!("Column('Advice', {} - )", first_column(p).0),
                "p" => format!(
                    "Column('Advice {{ phase: Phase(1) }}', {} - )",
                    first_column(p).1
                ),
                e => e.to_string(),
            };
            assert!(
                failures.iter().any(|f| f.contains(&expect)),
                "{tamper:?} at {index} with {lanes} lanes should fail '{expect}', got {failures:?}"
            );
        }
    }
}

/// The indices of the chip's first `v` and first `p` columns in the model circuit with `p`.
fn first_column(p: CircuitParams) -> (usize, usize) {
    use halo2_proofs::plonk::{Circuit, ConstraintSystem};
    let mut cs = ConstraintSystem::<crate::Fr>::default();
    let config = crate::circuit::ModelCircuit::configure_with_params(&mut cs, p);
    let chip = config.conv.expect("the chip");
    (chip.v[0].index(), chip.p[0].index())
}

#[test]
fn too_many_lanes_are_refused() {
    let p = CircuitParams {
        conv_lanes: crate::circuit::MAX_CONV_LANES + 1,
        ..CircuitParams::default()
    };
    assert!(p.check().unwrap_err().contains("convolution lanes"));
}
