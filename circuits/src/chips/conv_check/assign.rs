//! Assigning one convolution's chains: the input chains (copies of the input, then the `R` cells), the
//! coefficient chains (the committed `c_j`, whose output entries the caller rescales) and the weight
//! chains (each output channel's `Σ W·R`, tied to its coefficient chain's end).

use super::{Cell2, ConvCheckConfig, ConvRows, ConvShape, ConvTamper, Geometry, SKIP, START, STEP};
use crate::chips::Wire;
use crate::fixed_point::to_field;
use crate::Fr;
use halo2_proofs::circuit::{Region, Value};
use halo2_proofs::halo2curves::ff::Field;
use halo2_proofs::plonk::Error;

impl ConvCheckConfig {
    /// Lay out the check of `shape` with `weights` (OIHW) over the input wires `x` (NCHW), its chains
    /// placed through `rows`; `coeffs` are [`ConvShape::coefficients`] of `x`'s values (`None` during
    /// keygen). Returns the output cells in NCHW order: the exact pre-bias sums `Σ w·x`, for the requant
    /// chip to rescale.
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        rows: &mut ConvRows,
        (shape, weights): (&ConvShape, &[i64]),
        (x, coeffs): (&[Wire], Option<&[Vec<i64>]>),
        tamper: Option<ConvTamper>,
    ) -> Result<Vec<Wire>, Error> {
        let g = shape.geometry();
        let place = rows.placement(shape);
        // Before the challenge exists (the prover's first pass, which commits the first phase only)
        // the second-phase cells get placeholders; keygen keeps them unknown.
        let mut challenge = None;
        region
            .get_challenge(self.gamma)
            .map(|c| challenge = Some(c));
        let gamma = match challenge {
            Some(c) => Value::known(c),
            None if coeffs.is_some() => Value::known(Fr::ZERO),
            None => Value::unknown(),
        };
        let [h, w] = shape.hw;
        let mut r_cells = Vec::with_capacity(place.x.len());
        for (chain, at) in place.x.iter().enumerate() {
            let plane = &x[chain * h * w..(chain + 1) * h * w];
            let corrupt = tamper.filter(|_| chain == 0);
            r_cells.push(self.input_chain(region, *at, (shape, &g), plane, gamma, corrupt)?);
        }
        let [oh, ow] = shape.out_hw();
        let mut outputs = Vec::with_capacity(place.y.len() * oh * ow);
        let mut ends = Vec::with_capacity(place.y.len());
        for (chain, at) in place.y.iter().enumerate() {
            let mut c: Vec<Option<i64>> = match coeffs {
                Some(c) => c[chain].iter().map(|v| Some(*v)).collect(),
                None => vec![None; g.len_y()],
            };
            let index = |oy: usize, ox: usize| shape.output_index(&g, oy, ox);
            match tamper {
                Some(ConvTamper::Output(i)) if i / (oh * ow) == chain => {
                    let j = index(i / ow % oh, i % ow);
                    c[j] = c[j].map(|v| v + 1);
                }
                Some(ConvTamper::Partial) if chain == 0 => {
                    let outs: Vec<usize> = (0..oh)
                        .flat_map(|oy| (0..ow).map(move |ox| (oy, ox)))
                        .map(|(oy, ox)| index(oy, ox))
                        .collect();
                    if let Some(j) = (0..g.len_y()).rev().find(|j| !outs.contains(j)) {
                        c[j] = c[j].map(|v| v + 1);
                    }
                }
                _ => {}
            }
            let (cells, end) = self.coefficient_chain(region, *at, &c, gamma)?;
            for oy in 0..oh {
                for ox in 0..ow {
                    let j = index(oy, ox);
                    outputs.push(Wire {
                        cell: cells[j],
                        value: c[j],
                    });
                }
            }
            ends.push(end);
        }
        let (cin_g, taps) = (shape.cin_g(), shape.taps());
        let cout_g = shape.c_out / shape.group.max(1);
        for (chain, row) in place.w.iter().enumerate() {
            let (n, co) = (chain / shape.c_out, chain % shape.c_out);
            let first = n * shape.c_in + co / cout_g.max(1) * cin_g;
            let terms: Vec<(i64, Cell2)> = (0..cin_g)
                .flat_map(|ci| (0..taps).map(move |k| (ci, k)))
                .map(|(ci, k)| {
                    (
                        weights[(co * cin_g + ci) * taps + k],
                        r_cells[first + ci][k],
                    )
                })
                .collect();
            let corrupt = tamper.filter(|_| chain == 0);
            let end = self.weight_chain(region, *row, &terms, corrupt)?;
            region.constrain_equal(end.cell, ends[chain].cell);
        }
        Ok(outputs)
    }

    /// One input plane's chain from `(lane, row)`: positions `q_hi..=0` (copies, or skips at padding),
    /// then `E` skips. Returns the `R` cell of each tap: the accumulator `E - e_k` steps after `q = 0`.
    fn input_chain(
        &self,
        region: &mut Region<'_, Fr>,
        (lane, row): (usize, usize),
        (shape, g): (&ConvShape, &Geometry),
        plane: &[Wire],
        gamma: Value<Fr>,
        corrupt: Option<ConvTamper>,
    ) -> Result<Vec<Cell2>, Error> {
        let mut skip_data = corrupt == Some(ConvTamper::SkipData);
        let mut acc = Value::known(Fr::ZERO);
        let mut cells = Vec::with_capacity(g.len_x());
        for t in 0..g.len_x() {
            let element = g.q_hi.checked_sub(t).and_then(|q| shape.element_at(g, q));
            let kind = match (t, element) {
                (0, _) => START,
                (_, Some(_)) => STEP,
                (_, None) => SKIP,
            };
            region.assign_fixed(self.kind[lane], row + t, Fr::from(kind));
            let x = match element {
                Some(i) => {
                    let v = region.assign_advice(self.v[lane], row + t, plane[i].field());
                    region.constrain_equal(v.cell(), plane[i].cell);
                    plane[i].field()
                }
                None if skip_data && kind == SKIP => {
                    skip_data = false;
                    let one = Value::known(Fr::ONE);
                    region.assign_advice(self.v[lane], row + t, one);
                    one
                }
                None => Value::known(Fr::ZERO),
            };
            acc = if t == 0 { x } else { acc * gamma + x };
            let value = if corrupt == Some(ConvTamper::Accumulator) && t == 0 {
                acc + Value::known(Fr::ONE)
            } else {
                acc
            };
            let cell = region.assign_advice(self.acc[lane], row + t, value).cell();
            cells.push(Cell2 { cell, value });
        }
        Ok(g.offsets
            .iter()
            .map(|e_k| cells[g.q_hi + g.e - e_k])
            .collect())
    }

    /// One coefficient chain from `(lane, row)`: `c_j` for `j = len-1..=0`, fresh first-phase cells.
    /// Returns the cells by `j` and the final accumulator (`Σ c_j·γ^j`).
    fn coefficient_chain(
        &self,
        region: &mut Region<'_, Fr>,
        (lane, row): (usize, usize),
        c: &[Option<i64>],
        gamma: Value<Fr>,
    ) -> Result<(Vec<halo2_proofs::circuit::Cell>, Cell2), Error> {
        let len = c.len();
        let mut cells = vec![None; len];
        let mut acc = Value::known(Fr::ZERO);
        let mut end = None;
        for t in 0..len {
            let j = len - 1 - t;
            region.assign_fixed(
                self.kind[lane],
                row + t,
                Fr::from(if t == 0 { START } else { STEP }),
            );
            let x = super::super::field_value(c[j]);
            cells[j] = Some(region.assign_advice(self.v[lane], row + t, x).cell());
            acc = if t == 0 { x } else { acc * gamma + x };
            let cell = region.assign_advice(self.acc[lane], row + t, acc).cell();
            end = Some(Cell2 { cell, value: acc });
        }
        let cells = cells.into_iter().collect::<Option<Vec<_>>>();
        Ok((cells.ok_or(Error::Synthesis)?, end.ok_or(Error::Synthesis)?))
    }

    /// One weight chain from `row`: `Σ w·R` over `terms`, `lanes` per row. Returns the last sum.
    fn weight_chain(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        terms: &[(i64, Cell2)],
        corrupt: Option<ConvTamper>,
    ) -> Result<Cell2, Error> {
        let mut sum = Value::known(Fr::ZERO);
        let mut end = None;
        for (r, chunk) in terms.chunks(self.p.len()).enumerate() {
            region.assign_fixed(self.chain, row + r, Fr::from(if r == 0 { 1 } else { 2 }));
            let mut value = if r == 0 { Value::known(Fr::ZERO) } else { sum };
            for (i, (w, src)) in chunk.iter().enumerate() {
                let wf = to_field(*w);
                region.assign_fixed(self.w[i], row + r, wf);
                let mut operand = src.value;
                if corrupt == Some(ConvTamper::Operand) && r == 0 && i == 0 {
                    operand = operand + Value::known(Fr::ONE);
                }
                let p = region.assign_advice(self.p[i], row + r, operand);
                region.constrain_equal(p.cell(), src.cell);
                value = value + operand * Value::known(wf);
            }
            sum = value;
            let assigned = if corrupt == Some(ConvTamper::Sum) && r == 0 {
                value + Value::known(Fr::ONE)
            } else {
                value
            };
            let cell = region.assign_advice(self.sum, row + r, assigned).cell();
            end = Some(Cell2 {
                cell,
                value: assigned,
            });
        }
        end.ok_or(Error::Synthesis)
    }
}
