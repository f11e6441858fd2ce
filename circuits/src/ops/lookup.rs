//! `Lookup`: a pointwise smooth activation `y = f(x)` (Sigmoid, Tanh, Exp, Erf, Gelu, Silu) read from the
//! function's table (see [`crate::functions`]). When it follows a Dense, Conv or Affine the importer fuses
//! it into that layer's requant; on its own it is lowered as the identity affine map with the table
//! activation, so each element costs one requant row and one function lookup.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{identity_groups, Activation, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::functions::FnTable;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// A standalone table activation (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Lookup {
    /// The function and its quantized domain.
    pub table: FnTable,
    /// Fractional bits `s` (the lowering's identity weight is `2^s`).
    pub scale: u32,
}

impl Op for Lookup {
    fn name(&self) -> &'static str {
        self.table.function.name()
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        match inputs {
            [x] => Ok(x.to_vec()),
            _ => Err("expects one operand".into()),
        }
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        self.output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let act = Activation::Table(self.table);
        let data = x
            .data
            .iter()
            .map(|v| ctx.check_range(*v).and_then(|v| ctx.activate(v, act)))
            .collect::<Result<_>>()?;
        Ok(QTensor {
            shape: x.shape.clone(),
            data,
            scale: ctx.scale,
        })
    }

    fn activation(&self) -> Activation {
        Activation::Table(self.table)
    }

    fn lower(&self, input_shapes: &[&[usize]], lanes: usize) -> Lowering {
        identity_groups(
            input_shapes,
            lanes,
            self.scale,
            Activation::Table(self.table),
        )
    }
}

impl Lookup {
    /// The real graph's lookup of `function` (its table's domain and scale are chosen when the graph
    /// is quantized).
    pub fn real(function: crate::Function) -> Self {
        Self {
            table: FnTable {
                function,
                lo: 0,
                hi: 0,
                step: 0,
            },
            scale: 0,
        }
    }
}

impl RealOp for Lookup {
    fn name(&self) -> &'static str {
        self.table.function.name()
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let x = inputs[0];
        let act = Activation::Table(self.table);
        (x.iter().map(|v| act.apply_f64(*v)).collect(), span(x))
    }

    fn quantize(&self, q: &Quantizer) -> super::OpKind {
        super::OpKind::Lookup(Lookup {
            table: (q.table)(self.table),
            scale: q.scale,
        })
    }

    fn table(&self) -> Option<FnTable> {
        Some(self.table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::CircuitError;
    use crate::functions::Function;
    use crate::ops::test_suite::{op_suite, OpCase};
    use crate::testing::single_op_graph;

    /// Inputs in `(-width, width)`; the tolerance is the input rounding times the steepest slope there,
    /// plus the output rounding.
    fn case(function: Function, width: f64, slope: f64) -> OpCase {
        let x: Vec<f64> = (0..12).map(|i| (i as f64 - 5.5) / 6.0 * width).collect();
        case_over(function, x, width, slope)
    }

    /// Inputs in `[lo, hi)` of a function defined on positive inputs (where its slope is at most
    /// `slope`); the table spans `[0, hi]`.
    fn positive_case(function: Function, lo: f64, hi: f64, slope: f64) -> OpCase {
        let x: Vec<f64> = (0..12).map(|i| lo + (hi - lo) * i as f64 / 12.0).collect();
        case_over(function, x, hi, slope)
    }

    fn case_over(function: Function, x: Vec<f64>, width: f64, slope: f64) -> OpCase {
        OpCase {
            inputs: vec![(vec![1, 12], x)],
            tolerance: match slope {
                s if s <= 1.2 => |s| (1.2 * 0.5 + 0.5) / f64::from(1u32 << s),
                _ => |s| (7.4 * 0.5 + 0.5) / f64::from(1u32 << s),
            },
            reference: Box::new(move |x: &[Vec<f64>]| {
                x[0].iter().map(|v| function.eval(*v)).collect()
            }),
            build: Box::new(move |s| {
                crate::OpKind::Lookup(Lookup {
                    table: {
                        let (lo, hi) = FnTable::domain_for((-width, width), s, 0, 1 << 13);
                        FnTable::new(function, lo, hi)
                    },
                    scale: s,
                })
            }),
        }
    }

    op_suite!(sigmoid, case(Function::Sigmoid, 4.0, 0.25));
    op_suite!(tanh, case(Function::Tanh, 3.0, 1.0));
    op_suite!(exp, case(Function::Exp, 2.0, 7.4));
    op_suite!(erf, case(Function::Erf, 2.5, 1.13));
    op_suite!(gelu, case(Function::Gelu, 3.0, 1.13));
    op_suite!(gelu_tanh, case(Function::GeluTanh, 3.0, 1.13));
    op_suite!(silu, case(Function::Silu, 3.0, 1.1));
    op_suite!(softplus, case(Function::Softplus, 3.0, 1.0));
    op_suite!(softsign, case(Function::Softsign, 3.0, 1.0));
    op_suite!(elu, case(Function::Elu(1.0f32.into()), 3.0, 1.0));
    op_suite!(
        selu,
        case(
            Function::Selu(1.673_263_2f32.into(), 1.050_701f32.into()),
            2.0,
            1.8
        )
    );
    op_suite!(celu, case(Function::Celu(0.5f32.into()), 3.0, 1.0));
    op_suite!(
        hard_sigmoid,
        case(
            Function::HardSigmoid(0.2f32.into(), 0.5f32.into()),
            4.0,
            0.2
        )
    );
    op_suite!(hard_swish, case(Function::HardSwish, 4.0, 1.2));
    op_suite!(mish, case(Function::Mish, 3.0, 1.1));
    op_suite!(sin, case(Function::Sin, 3.0, 1.0));
    op_suite!(cos, case(Function::Cos, 3.0, 1.0));
    op_suite!(sqrt, positive_case(Function::Sqrt, 0.0, 4.0, 1.0));
    op_suite!(rsqrt, positive_case(Function::Rsqrt, 1.0, 4.0, 0.5));
    op_suite!(
        reciprocal,
        positive_case(Function::Reciprocal, 1.0, 4.0, 1.0)
    );
    op_suite!(log, positive_case(Function::Log, 1.0, 4.0, 1.0));
    op_suite!(cube, case(Function::Pow(3.0f32.into()), 1.5, 6.8));

    /// Inputs on the quantized grid, ties and near-ties included: the output is exact there.
    fn rounding_case(function: Function) -> OpCase {
        let x = [
            -2.5, -1.5, -1.25, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.5, 2.5, 2.75,
        ];
        OpCase {
            tolerance: |_| 0.0,
            ..case_over(function, x.to_vec(), 3.0, 0.0)
        }
    }
    op_suite!(floor, rounding_case(Function::Floor));
    op_suite!(ceil, rounding_case(Function::Ceil));
    op_suite!(round, rounding_case(Function::Round));

    #[test]
    fn input_outside_the_table_is_an_error_naming_the_layer() {
        let op = crate::OpKind::Lookup(Lookup {
            table: FnTable {
                function: Function::Tanh,
                lo: -64,
                hi: 64,
                step: 0,
            },
            scale: 5,
        });
        let graph = single_op_graph(op, &[vec![2]], 5, 12);
        let x = QTensor::new(vec![2], vec![10, 64], 5).expect("shape");
        match graph.eval(&[x]) {
            Err(CircuitError::OutOfTable {
                layer,
                function,
                value,
                ..
            }) => {
                assert_eq!((layer.as_str(), function, value), ("op", "Tanh", 64));
            }
            other => panic!("expected OutOfTable, got {other:?}"),
        }
    }

    #[test]
    fn a_table_activation_without_the_function_lookup_does_not_synthesize() {
        let op = crate::OpKind::Lookup(Lookup {
            table: FnTable {
                function: Function::Sigmoid,
                lo: -64,
                hi: 64,
                step: 0,
            },
            scale: 5,
        });
        let graph = single_op_graph(op, &[vec![2]], 5, 12);
        let params = crate::CircuitParams {
            scale: 5,
            range_bits: 12,
            function_tables: false,
            ..crate::CircuitParams::default()
        };
        let x = QTensor::new(vec![2], vec![10, -3], 5).expect("shape");
        let why = crate::testing::fails_to_synthesize(graph, vec![x], params);
        assert!(
            why.as_deref()
                .is_some_and(|w| w.contains("the function lookup")),
            "synthesized without the function lookup, or for another reason: {why:?}"
        );
    }
}
