//! `Embedding`: ONNX `Gather` from a constant tensor at computed indices (token embeddings, any table
//! row picked by a value of the model). The constant `data` of shape `[A.., V, B..]` is read along
//! `axis` (of length `V`); the output has shape `[A.., S.., B..]` for indices of shape `S`.
//!
//! Each `(a, b)` pair is one column of `V` entries; the circuit's lookup table gets one section per
//! column, holding `(tag, tag·k·2^s, tag·data[a, k, b])` for `k ∈ [0, V)` (the same tagged rows as the
//! function tables, [`crate::chips::table`]). Each output element is one requant row: `q` a copy of the
//! index cell, `y` the value, and the row's fixed tag that of its column, so the function lookup
//! `(t, t·q, t·y)` forces `q = k·2^s` for a `k` of the table and `y = data[a, k, b]`: keys are distinct
//! within a section and tags distinct across sections, so the value is unique. An index that is not an
//! integer in `[0, V)` has no row (the oracle reports it, naming the layer). No rescale, range or
//! relu selector is enabled on these rows.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{EvalCtx, Lowering, Op};
use crate::error::{CircuitError, Result};
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// A gather of constant data at computed indices (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Embedding<T = i64> {
    /// Shape of the constant data.
    pub data_shape: Vec<usize>,
    /// The axis the index selects along.
    pub axis: usize,
    /// The data, row-major (quantized at `2^scale` in the integer op).
    pub data: Vec<T>,
    /// Fractional bits `s`: index `k` arrives as `k·2^s`.
    pub scale: u32,
}

impl<T> Embedding<T> {
    /// `(A, V, B)`: the products of the axes before, the length of, and the products of the axes after
    /// the indexed axis.
    fn dims(&self) -> (usize, usize, usize) {
        let s = &self.data_shape;
        let before = s[..self.axis.min(s.len())].iter().product();
        let len = s.get(self.axis).copied().unwrap_or(0);
        let after = s.get(self.axis + 1..).map_or(1, |r| r.iter().product());
        (before, len, after)
    }

    /// The table's columns: `A·B`, column `a·B + b` holding `data[a, .., b]`.
    pub fn columns(&self) -> usize {
        let (a, _, b) = self.dims();
        a * b
    }

    /// Entry `k` of column `c`.
    pub fn entry(&self, c: usize, k: usize) -> &T {
        let (_, len, after) = self.dims();
        &self.data[((c / after) * len + k) * after + c % after]
    }

    /// For output element `i` (row-major in `[A.., S.., B..]` with `n` indices): the index element it
    /// reads and its column.
    fn read_of(&self, n: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let (before, _, after) = self.dims();
        (0..before * n * after).map(move |i| {
            let (a, rest) = (i / (n * after), i % (n * after));
            (rest / after, a * after + rest % after)
        })
    }

    fn shape_for(&self, indices: &[usize]) -> std::result::Result<Vec<usize>, String> {
        let s = &self.data_shape;
        if self.axis >= s.len()
            || self.data.len() != s.iter().product::<usize>()
            || s[self.axis] == 0
        {
            return Err(format!(
                "data of shape {s:?} ({} values) has no axis {}",
                self.data.len(),
                self.axis
            ));
        }
        let mut out = s[..self.axis].to_vec();
        out.extend_from_slice(indices);
        out.extend_from_slice(&s[self.axis + 1..]);
        Ok(out)
    }
}

impl Embedding {
    /// The table row `k` a quantized index `q` names, if it is one (`q = k·2^s`, `0 ≤ k < V`).
    pub fn key(&self, q: i64) -> Option<usize> {
        let unit = 1i64 << self.scale;
        let k = usize::try_from(q.checked_div(unit)?).ok()?;
        (q % unit == 0 && k < self.dims().1).then_some(k)
    }

    /// Every column's `(k·2^s, value)` entries, in column order (the table's sections).
    pub fn sections(&self) -> Vec<Vec<(i64, i64)>> {
        let len = self.dims().1;
        (0..self.columns())
            .map(|c| {
                (0..len)
                    .map(|k| ((k as i64) << self.scale, *self.entry(c, k)))
                    .collect()
            })
            .collect()
    }
}

impl Op for Embedding {
    fn name(&self) -> &'static str {
        "Embedding"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        match inputs {
            [indices] => self.shape_for(indices),
            _ => Err("expects one operand (the indices)".into()),
        }
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        let shape = self
            .output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let len = self.dims().1;
        let data = self
            .read_of(x.data.len())
            .map(|(p, c)| {
                let q = x.data[p];
                let k = self.key(q).ok_or_else(|| CircuitError::OutOfTable {
                    layer: ctx.layer.to_string(),
                    function: "Embedding",
                    value: q,
                    real: crate::fixed_point::dequantize(q, ctx.scale),
                    lo: 0,
                    hi: (len as i64) << self.scale,
                })?;
                ctx.check_range(*self.entry(c, k))
            })
            .collect::<Result<_>>()?;
        Ok(QTensor {
            shape,
            data,
            scale: ctx.scale,
        })
    }

    fn lower(&self, input_shapes: &[&[usize]], _lanes: usize) -> Lowering {
        let n = input_shapes[0].iter().product();
        Lowering::TableRead(self.read_of(n).collect())
    }
}

impl RealOp for Embedding<f64> {
    fn name(&self) -> &'static str {
        "Embedding"
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let x = inputs[0];
        let len = self.dims().1;
        let out: Vec<f64> = self
            .read_of(x.len())
            .map(|(p, c)| {
                let k = x[p];
                // Not a row of the table: no value (the quantized op refuses it, naming the layer).
                if k.fract() != 0.0 || k < 0.0 || k >= len as f64 {
                    f64::NAN
                } else {
                    *self.entry(c, k as usize)
                }
            })
            .collect();
        // The range must hold every entry of the table, read or not (the graph refuses one outside).
        let s = span(&self.data);
        (out, s)
    }

    fn quantize(&self, q: &Quantizer) -> super::OpKind {
        super::OpKind::Embedding(Embedding {
            data_shape: self.data_shape.clone(),
            axis: self.axis,
            data: q.values(&self.data, q.scale),
            scale: q.scale,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_suite::{op_suite, OpCase};
    use crate::testing::single_op_graph;

    /// Data of `shape` with distinct values (so every other entry is a wrong answer).
    fn data(shape: &[usize]) -> Vec<f64> {
        let n: usize = shape.iter().product();
        (0..n).map(|i| ((i * 7) % n) as f64 / 4.0 - 1.3).collect()
    }

    /// Gather of data of `shape` along `axis` at the real indices `idx` (of shape `idx_shape`).
    fn case(shape: Vec<usize>, axis: usize, idx_shape: Vec<usize>, idx: Vec<f64>) -> OpCase {
        let values = data(&shape);
        let (s2, v2, i2) = (shape.clone(), values.clone(), idx.clone());
        OpCase {
            inputs: vec![(idx_shape, idx)],
            tolerance: |s| 0.5 / f64::from(1u32 << s),
            reference: Box::new(move |_| {
                let before: usize = s2[..axis].iter().product();
                let after: usize = s2[axis + 1..].iter().product();
                let mut out = vec![];
                for a in 0..before {
                    for k in &i2 {
                        for b in 0..after {
                            out.push(v2[(a * s2[axis] + *k as usize) * after + b]);
                        }
                    }
                }
                out
            }),
            build: Box::new(move |s| {
                crate::OpKind::Embedding(Embedding {
                    data_shape: shape.clone(),
                    axis,
                    data: values
                        .iter()
                        .map(|v| crate::fixed_point::quantize(*v, s))
                        .collect(),
                    scale: s,
                })
            }),
        }
    }

    // Token embeddings: a [V, D] table read at a [1, T] sequence of token ids (repeats included).
    op_suite!(
        token_rows,
        case(vec![5, 3], 0, vec![1, 4], vec![1.0, 3.0, 1.0, 0.0])
    );
    // A gather along a middle axis: columns are the (before, after) pairs.
    op_suite!(middle_axis, case(vec![2, 4, 3], 1, vec![2], vec![0.0, 3.0]));

    fn graph_at(index: f64) -> (crate::QuantizedGraph, QTensor) {
        let op = crate::OpKind::Embedding(Embedding {
            data_shape: vec![4, 2],
            axis: 0,
            data: (0..8).collect(),
            scale: 5,
        });
        let graph = single_op_graph(op, &[vec![1]], 5, 12);
        let x = QTensor::from_f64(vec![1], &[index], 5).expect("shape");
        (graph, x)
    }

    #[test]
    fn an_index_outside_the_table_is_an_error_naming_the_layer() {
        for bad in [4.0, -1.0, 1.5] {
            let (graph, x) = graph_at(bad);
            match graph.eval(&[x]) {
                Err(CircuitError::OutOfTable {
                    layer, function, ..
                }) => assert_eq!((layer.as_str(), function), ("op", "Embedding")),
                other => panic!("index {bad}: expected OutOfTable, got {other:?}"),
            }
        }
        let (graph, x) = graph_at(3.0);
        let out = graph.eval(&[x]).expect("last row");
        assert_eq!(out.values.last().expect("output").data, vec![6, 7]);
    }

    #[test]
    fn the_index_read_is_the_index_cell() {
        // Rows 1 and 2 are equal, so reading row 2 for index 1 gives the right output: only the copy of
        // the index cell can reject it.
        let op = crate::OpKind::Embedding(Embedding {
            data_shape: vec![4, 2],
            axis: 0,
            data: vec![0, 1, 5, 6, 5, 6, 2, 3],
            scale: 5,
        });
        let graph = single_op_graph(op, &[vec![1]], 5, 12);
        let x = QTensor::from_f64(vec![1], &[1.0], 5).expect("shape");
        let params = crate::CircuitParams {
            scale: 5,
            range_bits: 12,
            ..crate::CircuitParams::default()
        }
        .for_graph(&graph);
        let (honest, _, _) =
            crate::testing::mock_run(graph.clone(), vec![x.clone()], params, false, None);
        assert!(honest.is_empty(), "{honest:?}");
        let at = crate::circuit::TamperAt {
            node: 1,
            index: 0,
            tamper: crate::chips::requant::Tamper::TableIndex,
        };
        let (failures, _, _) = crate::testing::mock_run(graph, vec![x], params, false, Some(at));
        assert!(
            !failures.is_empty()
                && failures
                    .iter()
                    .all(|f| f.starts_with("Equality constraint") && f.contains("Column('Advice'")),
            "reading another index must fail only the index cell's copy: {failures:?}"
        );
    }

    /// Two embeddings (three data sections) after a function table, in one circuit: the honest witness
    /// passes with every section at its own tag, and each table tamper on each read, and a wrong
    /// function output, is rejected (no section's rows can stand in for another's).
    #[test]
    fn several_sections_and_a_function_table_each_reject_their_tampers() {
        use crate::chips::requant::Tamper;
        use crate::graph::{Node, QuantizedGraph};
        let embedding = |data_shape: Vec<usize>, data: Vec<i64>| {
            crate::OpKind::Embedding(Embedding {
                data_shape,
                axis: 0,
                data,
                scale: 5,
            })
        };
        let node = |name: &str, op, inputs| Node {
            name: name.into(),
            op,
            inputs,
        };
        let tanh = crate::functions::FnTable {
            function: crate::functions::Function::Tanh,
            lo: -64,
            hi: 64,
            step: 0,
        };
        // Section values overlap across sections and rows (the same value under another tag or key).
        let graph = QuantizedGraph {
            scale: 5,
            range_bits: 12,
            nodes: vec![
                node(
                    "x",
                    crate::OpKind::Input(crate::ops::Input { shape: vec![2] }),
                    vec![],
                ),
                node(
                    "a",
                    embedding(vec![4, 2], vec![3, 7, 7, 9, 9, 3, 1, 1]),
                    vec![0],
                ),
                node("b", embedding(vec![4], vec![9, 3, 7, 3]), vec![0]),
                node(
                    "t",
                    crate::OpKind::Lookup(crate::ops::Lookup {
                        table: tanh,
                        scale: 5,
                    }),
                    vec![1],
                ),
            ],
            outputs: vec![1, 2, 3],
        };
        let x = QTensor::from_f64(vec![2], &[1.0, 2.0], 5).expect("shape");
        let params = crate::CircuitParams {
            scale: 5,
            range_bits: 12,
            ..crate::CircuitParams::default()
        }
        .for_graph(&graph);
        let run =
            |at| crate::testing::mock_run(graph.clone(), vec![x.clone()], params, false, at).0;
        assert!(run(None).is_empty(), "honest witness rejected");
        let table_tampers = [Tamper::TableRow, Tamper::TableIndex, Tamper::Activation];
        let reads = [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1)];
        for (node, index) in reads {
            let column = if node == 1 && index % 2 == 0 {
                [Tamper::TableColumn].as_slice()
            } else {
                &[]
            };
            for &tamper in table_tampers.iter().chain(column) {
                let at = crate::circuit::TamperAt {
                    node,
                    index,
                    tamper,
                };
                assert!(
                    !run(Some(at)).is_empty(),
                    "{tamper:?} at node {node} element {index} accepted"
                );
            }
        }
        for index in 0..4 {
            let at = crate::circuit::TamperAt {
                node: 3,
                index,
                tamper: Tamper::Activation,
            };
            assert!(
                !run(Some(at)).is_empty(),
                "a wrong tanh at element {index} accepted"
            );
        }
    }

    /// The circuit does not range-check what it reads, so the graph refuses a table holding a value
    /// outside the range (read or not), or keys at another scale than the graph's.
    #[test]
    fn a_table_outside_the_range_or_at_another_scale_is_refused() {
        let graph = |data: Vec<i64>, scale: u32| {
            let op = crate::OpKind::Embedding(Embedding {
                data_shape: vec![4, 2],
                axis: 0,
                data,
                scale,
            });
            single_op_graph(op, &[vec![1]], 5, 12)
        };
        let mut data: Vec<i64> = (0..8).collect();
        assert!(graph(data.clone(), 5).shapes().is_ok());
        data[7] = 1 << 11;
        assert!(matches!(
            graph(data, 5).shapes(),
            Err(CircuitError::OutOfRange { value: 2048, .. })
        ));
        let other = graph((0..8).collect(), 6).shapes();
        assert!(
            matches!(&other, Err(CircuitError::Graph(m)) if m.contains("scale 6")),
            "{other:?}"
        );
    }

    #[test]
    fn a_table_read_without_the_function_lookup_does_not_synthesize() {
        let (graph, x) = graph_at(2.0);
        let params = crate::CircuitParams {
            scale: 5,
            range_bits: 12,
            function_tables: false,
            ..crate::CircuitParams::default()
        };
        let why = crate::testing::fails_to_synthesize(graph, vec![x], params);
        assert!(
            why.as_deref()
                .is_some_and(|w| w.contains("the function lookup")),
            "synthesized without the function lookup, or for another reason: {why:?}"
        );
    }
}
