//! The constraint system's expressions evaluated over a range of rows, one column-slice at a time.
//!
//! Gates and lookup arguments are evaluated on the circuit's own rows (lookup inputs, before they are
//! committed) and on each coset part of the extended domain (the quotient). Both are `n` values per
//! column where rotation `r` reads `r` rows on, wrapping at `n`, so one evaluator serves both: an
//! expression over a chunk of rows becomes a few vectors of that chunk's length.

use crate::Fr;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::Field;
use zkinfer_circuits::halo2_proofs::plonk::Expression;

/// The columns an expression reads (each `n` values) and the challenges.
pub(crate) struct Columns<'a> {
    pub fixed: Vec<&'a [Fr]>,
    pub advice: Vec<&'a [Fr]>,
    pub instance: Vec<&'a [Fr]>,
    pub challenges: &'a [Fr],
    pub n: usize,
}

/// Whether `expr` still holds a selector (a key's constraint system has them turned into fixed
/// columns; an expression with one cannot be evaluated from columns).
pub(crate) fn has_selector(expr: &Expression<Fr>) -> bool {
    expr.evaluate(
        &|_| false,
        &|_| true,
        &|_| false,
        &|_| false,
        &|_| false,
        &|_| false,
        &|a| a,
        &|a, b| a || b,
        &|a, b| a || b,
        &|a, _| a,
    )
}

/// An expression's values over a chunk of rows: computed, a column's own rows, or one constant.
enum Val<'a> {
    Owned(Vec<Fr>),
    Slice(&'a [Fr]),
    Const(Fr),
}

impl Val<'_> {
    fn into_owned(self, len: usize) -> Vec<Fr> {
        match self {
            Val::Owned(v) => v,
            Val::Slice(s) => s.to_vec(),
            Val::Const(c) => vec![c; len],
        }
    }

    /// `dst[i] = op(dst[i], self[i])`.
    fn apply(&self, dst: &mut [Fr], op: fn(&mut Fr, &Fr)) {
        match self {
            Val::Owned(v) => dst.iter_mut().zip(v).for_each(|(d, s)| op(d, s)),
            Val::Slice(v) => dst.iter_mut().zip(*v).for_each(|(d, s)| op(d, s)),
            Val::Const(c) => dst.iter_mut().for_each(|d| op(d, c)),
        }
    }
}

/// `a op b` (a commutative `op`), reusing whichever side already owns its values.
fn combine<'a>(a: Val<'a>, b: Val<'a>, len: usize, op: fn(&mut Fr, &Fr)) -> Val<'a> {
    match (a, b) {
        (Val::Owned(mut v), other) | (other, Val::Owned(mut v)) => {
            other.apply(&mut v, op);
            Val::Owned(v)
        }
        (a, b) => {
            let mut v = a.into_owned(len);
            b.apply(&mut v, op);
            Val::Owned(v)
        }
    }
}

impl Columns<'_> {
    /// A column's rows `start + rotation ..` for `len` rows: borrowed unless they wrap at `n`.
    fn column<'b>(&self, values: &'b [Fr], rotation: i32, start: usize, len: usize) -> Val<'b> {
        let n = self.n as i64;
        let from = (start as i64 + i64::from(rotation)).rem_euclid(n) as usize;
        if from + len <= self.n {
            Val::Slice(&values[from..from + len])
        } else {
            Val::Owned((0..len).map(|i| values[(from + i) % self.n]).collect())
        }
    }

    fn value(&self, expr: &Expression<Fr>, start: usize, len: usize) -> Val<'_> {
        match expr {
            Expression::Constant(c) => Val::Const(*c),
            Expression::Selector(_) => Val::Const(Fr::ZERO),
            Expression::Fixed(q) => {
                self.column(self.fixed[q.column_index()], q.rotation().0, start, len)
            }
            Expression::Advice(q) => {
                self.column(self.advice[q.column_index()], q.rotation().0, start, len)
            }
            Expression::Instance(q) => {
                self.column(self.instance[q.column_index()], q.rotation().0, start, len)
            }
            Expression::Challenge(c) => Val::Const(self.challenges[c.index()]),
            Expression::Negated(a) => {
                let mut v = self.value(a, start, len).into_owned(len);
                v.iter_mut().for_each(|x| *x = -*x);
                Val::Owned(v)
            }
            Expression::Sum(a, b) => combine(
                self.value(a, start, len),
                self.value(b, start, len),
                len,
                |x, y| *x += y,
            ),
            Expression::Product(a, b) => combine(
                self.value(a, start, len),
                self.value(b, start, len),
                len,
                |x, y| *x *= y,
            ),
            Expression::Scaled(a, c) => {
                let mut v = self.value(a, start, len).into_owned(len);
                v.iter_mut().for_each(|x| *x *= c);
                Val::Owned(v)
            }
        }
    }

    /// `acc[i] = acc[i]·y + expr[i]` at rows `start..start + acc.len()`, rotations wrapping at `n`.
    /// Selectors read as zero ([`has_selector`] rules them out first).
    pub(crate) fn fold_into(&self, acc: &mut [Fr], y: Fr, expr: &Expression<Fr>, start: usize) {
        let v = self.value(expr, start, acc.len());
        acc.iter_mut().for_each(|a| *a *= y);
        v.apply(acc, |a, e| *a += e);
    }

    /// `Σ θ^(m-1-i)·exprs[i]` at rows `start..start + len` (halo2's lookup compression).
    pub(crate) fn compress(
        &self,
        exprs: &[Expression<Fr>],
        theta: Fr,
        start: usize,
        len: usize,
    ) -> Vec<Fr> {
        let mut acc = vec![Fr::ZERO; len];
        for expr in exprs {
            self.fold_into(&mut acc, theta, expr, start);
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use zkinfer_circuits::halo2_proofs::plonk::ConstraintSystem;
    use zkinfer_circuits::halo2_proofs::poly::Rotation;

    /// `fold_into` agrees with halo2's `Expression::evaluate` row by row, rotations wrapping at `n`
    /// across chunk edges included.
    #[test]
    fn chunks_agree_with_row_by_row_evaluation() {
        let mut cs = ConstraintSystem::<Fr>::default();
        let (a, b, f) = (cs.advice_column(), cs.advice_column(), cs.fixed_column());
        let i = cs.instance_column();
        cs.create_gate("g", |vc| {
            let (a0, a1) = (
                vc.query_advice(a, Rotation::cur()),
                vc.query_advice(a, Rotation::next()),
            );
            let b_prev = vc.query_advice(b, Rotation::prev());
            let f0 = vc.query_fixed(f, Rotation(2));
            let i0 = vc.query_instance(i, Rotation::cur());
            vec![
                f0.clone() * (a0.clone() * a1 - b_prev.clone() * Fr::from(3)),
                -(a0 + Expression::Constant(Fr::from(7))) * i0 + f0 * b_prev,
            ]
        });
        let n = 32;
        let mut rng = StdRng::seed_from_u64(3);
        let mut col = || -> Vec<Fr> { (0..n).map(|_| Fr::random(&mut rng)).collect() };
        let (va, vb, vf, vi) = (col(), col(), col(), col());
        let cols = Columns {
            fixed: vec![&vf],
            advice: vec![&va, &vb],
            instance: vec![&vi],
            challenges: &[],
            n,
        };
        let y = Fr::from(11);
        let polys = cs.gates()[0].polynomials();
        for (start, len) in [(0, 8), (8, 16), (24, 8), (29, 3)] {
            let mut acc = vec![Fr::ZERO; len];
            for p in polys {
                cols.fold_into(&mut acc, y, p, start);
            }
            for (r, got) in acc.iter().enumerate() {
                let row = start + r;
                let at = |v: &Vec<Fr>, rot: i32| {
                    v[(row as i64 + i64::from(rot)).rem_euclid(n as i64) as usize]
                };
                let want = polys.iter().fold(Fr::ZERO, |acc, p| {
                    acc * y
                        + p.evaluate(
                            &|c| c,
                            &|_| Fr::ZERO,
                            &|q| at(&vf, q.rotation().0),
                            &|q| {
                                at(
                                    if q.column_index() == 0 { &va } else { &vb },
                                    q.rotation().0,
                                )
                            },
                            &|q| at(&vi, q.rotation().0),
                            &|_| Fr::ZERO,
                            &|x| -x,
                            &|x, y| x + y,
                            &|x, y| x * y,
                            &|x, c| x * c,
                        )
                });
                assert_eq!(*got, want, "row {row}");
            }
        }
    }
}
