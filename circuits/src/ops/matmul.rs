//! `MatMul`: the product of two computed tensors, `Y = rescale(A·B)` batched: `A` is `[batch, M, K]`,
//! `B` is `[batch, K, N]`, `Y` is `[batch, M, N]` (the importer gathers the operands into these layouts for
//! free). The exact products `C = A·B` (scale `2^2s`) are checked by Freivalds' algorithm (see
//! `chips::freivalds`) with `O(MK + KN + MN)` rows instead of `O(MKN)`, then rescaled by the requant chip.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{Activation, EvalCtx, Lowering, Op};
use crate::chips::freivalds::{exact_dot, MatMulShape};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// A batched product of two computed tensors (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MatMul {
    /// Number of independent products.
    pub batch: usize,
    /// Rows of `A` and `Y`.
    pub m: usize,
    /// Columns of `A`, rows of `B` (the contracted dimension).
    pub k: usize,
    /// Columns of `B` and `Y`.
    pub n: usize,
}

impl MatMul {
    /// The same dimensions as the Freivalds chip's [`MatMulShape`].
    pub fn shape(&self) -> MatMulShape {
        MatMulShape {
            batch: self.batch,
            m: self.m,
            k: self.k,
            n: self.n,
        }
    }

    /// The exact products `C` (scale `2^2s`), `None` on overflow.
    pub fn products(&self, a: &[i64], b: &[i64]) -> Option<Vec<i64>> {
        let (m, k, n) = (self.m, self.k, self.n);
        let mut c = Vec::with_capacity(self.batch * m * n);
        for bt in 0..self.batch {
            for i in 0..m {
                for j in 0..n {
                    let row = a[bt * m * k + i * k..].iter().take(k).copied();
                    let col = (0..k).map(|l| b[bt * k * n + l * n + j]);
                    c.push(exact_dot(row, col)?);
                }
            }
        }
        Some(c)
    }
}

impl Op for MatMul {
    fn name(&self) -> &'static str {
        "MatMul"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let numel = |s: &[usize]| s.iter().product::<usize>();
        match inputs {
            [a, b]
                if numel(a) == self.batch * self.m * self.k
                    && numel(b) == self.batch * self.k * self.n =>
            {
                Ok(vec![self.batch, self.m, self.n])
            }
            [a, b] => Err(format!(
                "operands {a:?} and {b:?} are not [{}, {}, {}] and [{}, {}, {}]",
                self.batch, self.m, self.k, self.batch, self.k, self.n
            )),
            _ => Err("expects two operands".into()),
        }
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let (a, b) = (inputs[0], inputs[1]);
        let shape = self
            .output_shape(&[&a.shape, &b.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let c = self
            .products(&a.data, &b.data)
            .ok_or_else(|| ctx.overflow())?;
        let data = c
            .iter()
            .map(|v| ctx.requantize(i128::from(*v), Activation::None))
            .collect::<Result<_>>()?;
        Ok(QTensor {
            shape,
            data,
            scale: ctx.scale,
        })
    }

    fn lower(&self, _input_shapes: &[&[usize]], _lanes: usize) -> Lowering {
        Lowering::MatMul(self.shape())
    }
}

impl RealOp for MatMul {
    fn name(&self) -> &'static str {
        "MatMul"
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let (a, b) = (inputs[0], inputs[1]);
        let (m, k, n) = (self.m, self.k, self.n);
        let mut v = Vec::with_capacity(self.batch * m * n);
        for bt in 0..self.batch {
            for i in 0..m {
                for j in 0..n {
                    let dot = (0..k).map(|l| a[bt * m * k + i * k + l] * b[bt * k * n + l * n + j]);
                    v.push(dot.sum::<f64>());
                }
            }
        }
        let s = span(&v);
        (v, s)
    }

    fn quantize(&self, _q: &Quantizer) -> super::OpKind {
        super::OpKind::MatMul(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chips::freivalds::FreivaldsTamper;
    use crate::chips::requant::Tamper;
    use crate::circuit::{CircuitParams, TamperAt};
    use crate::testing::{fails_to_synthesize, mock_run, single_op_graph};

    const SCALE: u32 = 7;
    const BITS: u32 = 14;

    fn op() -> MatMul {
        MatMul {
            batch: 2,
            m: 2,
            k: 3,
            n: 4,
        }
    }

    fn case() -> (crate::QuantizedGraph, Vec<QTensor>, Vec<Vec<f64>>) {
        let a: Vec<f64> = (0..12).map(|i| (i as f64 - 5.0) * 0.37).collect();
        let b: Vec<f64> = (0..24)
            .map(|i| ((i * 7 % 11) as f64 - 5.0) * 0.21)
            .collect();
        let graph = single_op_graph(
            crate::OpKind::MatMul(op()),
            &[vec![2, 2, 3], vec![2, 3, 4]],
            SCALE,
            BITS,
        );
        let inputs = vec![
            QTensor::from_f64(vec![2, 2, 3], &a, SCALE).expect("shape"),
            QTensor::from_f64(vec![2, 3, 4], &b, SCALE).expect("shape"),
        ];
        (graph, inputs, vec![a, b])
    }

    fn params(graph: &crate::QuantizedGraph) -> CircuitParams {
        CircuitParams {
            scale: SCALE,
            range_bits: BITS,
            ..CircuitParams::default()
        }
        .for_graph(graph)
    }

    #[test]
    fn eval_matches_f64_product() {
        let (graph, inputs, reals) = case();
        let got = graph.eval(&inputs).expect("eval").values[2].dequantize();
        let (a, b) = (&reals[0], &reals[1]);
        for bt in 0..2 {
            for i in 0..2 {
                for j in 0..4 {
                    let e: f64 = (0..3)
                        .map(|l| a[bt * 6 + i * 3 + l] * b[bt * 12 + l * 4 + j])
                        .sum();
                    let g = got[bt * 8 + i * 4 + j];
                    // Operand roundings (|a|, |b| <= 2) over 3 terms, plus the final rounding.
                    assert!((g - e).abs() <= (3.0 * 2.0 + 0.5) / 128.0, "{g} vs {e}");
                }
            }
        }
    }

    #[test]
    fn mock_prover_satisfied() {
        for public_input in [false, true] {
            let (graph, inputs, _) = case();
            let p = params(&graph);
            let (failures, _, _) = mock_run(graph, inputs, p, public_input, None);
            assert!(failures.is_empty(), "{failures:?}");
        }
    }

    #[test]
    fn wrong_product_rejected_by_freivalds() {
        for index in [0, 5, 15] {
            let (graph, inputs, _) = case();
            let p = params(&graph);
            let at = TamperAt {
                node: 2,
                index,
                tamper: Tamper::Product,
            };
            let (failures, _, _) = mock_run(graph, inputs, p, false, Some(at));
            assert!(
                failures.iter().any(|f| f.contains("Equality constraint")),
                "C[{index}] + 1 should break v = w, got {failures:?}"
            );
        }
    }

    #[test]
    fn wrong_accumulator_rejected_by_the_mac_gate() {
        let (graph, inputs, _) = case();
        let p = params(&graph);
        let at = TamperAt {
            node: 2,
            index: 0,
            tamper: Tamper::Freivalds(FreivaldsTamper::Accumulator),
        };
        let (failures, _, _) = mock_run(graph, inputs, p, false, Some(at));
        assert!(
            failures.iter().any(|f| f.contains("freivalds mac")),
            "{failures:?}"
        );
    }

    #[test]
    fn requant_of_the_products_is_checked() {
        let (graph, inputs, _) = case();
        let p = params(&graph);
        let at = TamperAt {
            node: 2,
            index: 3,
            tamper: Tamper::Quotient,
        };
        let (failures, _, _) = mock_run(graph, inputs, p, false, Some(at));
        assert!(
            failures.iter().any(|f| f.contains("remainder")),
            "{failures:?}"
        );
    }

    #[test]
    fn without_the_freivalds_chip_it_does_not_synthesize() {
        let (graph, inputs, _) = case();
        let p = CircuitParams {
            matmuls: false,
            ..params(&graph)
        };
        let why = fails_to_synthesize(graph, inputs, p);
        assert!(
            why.as_deref().is_some_and(|w| w.contains("Freivalds")),
            "{why:?}"
        );
    }

    #[test]
    fn cost_covers_rows_used() {
        let (graph, inputs, _) = case();
        let p = params(&graph);
        let cost = crate::Cost::of(&graph, &p).expect("cost");
        assert_eq!(cost.freivalds_rows, 1 + op().shape().rows());
        let used = crate::testing::honest_rows(graph, inputs, p);
        assert!(cost.requant_rows >= used.requant);
        assert!(cost.freivalds_rows >= used.freivalds);
    }
}
