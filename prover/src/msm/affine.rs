//! Bucket accumulation in affine coordinates with batched inversions.
//!
//! Adding an affine point to an affine bucket costs one inversion, two multiplications and a squaring;
//! Montgomery's trick shares one inversion among a batch of additions for three more multiplications
//! each, so an addition costs about six multiplications against the XYZZ formula's ten. The price is
//! bookkeeping: a bucket may take only one addition per batch (its new value is not known until the
//! batch is done), so a point whose bucket is already in the batch goes to that bucket's XYZZ twin
//! instead, and few buckets mean many such points: the caller uses this for windows of many buckets. The rare cases
//! the affine formula cannot take (an empty bucket, the same point, its negation) are handled on the
//! spot, outside the batch.

use super::Xyzz;
use crate::G1Affine;
use zkinfer_circuits::halo2_proofs::halo2curves::bn256::Fq;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::Field;

/// Additions per batch: one inversion is shared among them.
const BATCH: usize = 256;

/// One pending addition: bucket `bucket` += `(x, y)`.
#[derive(Clone, Copy)]
struct Op {
    bucket: u32,
    x: Fq,
    y: Fq,
}

/// Affine buckets (`x`, `y`, occupied) with the current batch.
struct Buckets {
    x: Vec<Fq>,
    y: Vec<Fq>,
    full: Vec<bool>,
    /// The batch number in which a bucket last took an addition.
    busy: Vec<u32>,
    batch_no: u32,
    /// Points whose bucket was already in the batch, added the XYZZ way instead of waiting.
    slow: Vec<Xyzz>,
    ops: Vec<Op>,
    prefix: Vec<Fq>,
}

impl Buckets {
    fn new(count: usize) -> Self {
        Self {
            x: vec![Fq::ZERO; count],
            y: vec![Fq::ZERO; count],
            full: vec![false; count],
            busy: vec![0; count],
            batch_no: 1,
            slow: vec![Xyzz::IDENTITY; count],
            ops: Vec::with_capacity(BATCH),
            prefix: Vec::with_capacity(BATCH),
        }
    }

    /// Add `op`'s point to its bucket now (empty bucket, same `x`), in the batch, or, when the
    /// bucket is already in the batch, to its XYZZ twin (a window's top digits, say, fall in a few
    /// buckets: waiting would take one batch per point).
    fn schedule(&mut self, op: Op) {
        let b = op.bucket as usize;
        if self.busy[b] == self.batch_no {
            self.slow[b].add_affine(op.x, op.y);
        } else if !self.full[b] {
            (self.x[b], self.y[b], self.full[b]) = (op.x, op.y, true);
        } else if self.x[b] == op.x {
            if self.y[b] == op.y {
                self.double(b);
            } else {
                self.full[b] = false;
            }
        } else {
            self.busy[b] = self.batch_no;
            self.ops.push(op);
        }
    }

    /// `bucket = 2·bucket` (one inversion: this happens only for a repeated point).
    fn double(&mut self, b: usize) {
        let (x, y) = (self.x[b], self.y[b]);
        let xx = x.square();
        let inv = Option::<Fq>::from(y.double().invert()).expect("BN254 has no point of order 2");
        let lambda = (xx.double() + xx) * inv;
        let x3 = lambda.square() - x.double();
        (self.x[b], self.y[b]) = (x3, lambda * (x - x3) - y);
    }

    /// Carry out the batch's additions with one shared inversion.
    fn flush(&mut self) {
        self.prefix.clear();
        let mut acc = Fq::ONE;
        for op in &self.ops {
            self.prefix.push(acc);
            acc *= op.x - self.x[op.bucket as usize];
        }
        // Each denominator is nonzero: `schedule` took equal `x` on the spot, and no bucket in the
        // batch changes before this.
        let mut inv = Option::<Fq>::from(acc.invert()).unwrap_or(Fq::ZERO);
        for (op, prefix) in self.ops.iter().zip(&self.prefix).rev() {
            let b = op.bucket as usize;
            let (bx, by) = (self.x[b], self.y[b]);
            let d_inv = inv * prefix;
            inv *= op.x - bx;
            let lambda = (op.y - by) * d_inv;
            let x3 = lambda.square() - bx - op.x;
            (self.x[b], self.y[b]) = (x3, lambda * (bx - x3) - by);
        }
        self.ops.clear();
        self.batch_no += 1;
    }

    /// Finish every addition and sum the buckets: `Σ (i+1)·bucket_i` by a running sum.
    fn finish(mut self) -> Xyzz {
        self.flush();
        let (mut running, mut sum) = (Xyzz::IDENTITY, Xyzz::IDENTITY);
        for b in (0..self.x.len()).rev() {
            if self.full[b] {
                running.add_affine(self.x[b], self.y[b]);
            }
            running.add(&self.slow[b]);
            sum.add(&running);
        }
        sum
    }
}

/// One window's sum over a chunk of points, as `super::window_sum` but with affine buckets.
pub(super) fn window_sum(
    digits: &[i32],
    windows: usize,
    window: usize,
    bases: &[G1Affine],
    c: usize,
) -> Xyzz {
    let mut buckets = Buckets::new(1 << (c - 1));
    for (i, base) in bases.iter().enumerate() {
        let d = digits[i * windows + window];
        if d == 0 || (base.x == Fq::ZERO && base.y == Fq::ZERO) {
            continue;
        }
        let (bucket, y) = if d > 0 {
            (d as u32 - 1, base.y)
        } else {
            ((-d) as u32 - 1, -base.y)
        };
        buckets.schedule(Op {
            bucket,
            x: base.x,
            y,
        });
        if buckets.ops.len() >= BATCH {
            buckets.flush();
        }
    }
    buckets.finish()
}

#[cfg(test)]
mod tests {
    use crate::{Fr, G1Affine};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use zkinfer_circuits::halo2_proofs::halo2curves::bn256::G1;
    use zkinfer_circuits::halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
    use zkinfer_circuits::halo2_proofs::halo2curves::group::{Curve, Group};

    /// Affine buckets give the XYZZ window's point on every case the batch has to get right: a
    /// point added twice to one bucket (doubling), a point and its negation (an emptied bucket,
    /// then refilled), identity bases, buckets already in the batch (the XYZZ twin), digits of
    /// both signs, and more points than a batch.
    #[test]
    fn affine_buckets_equal_xyzz_buckets() {
        let mut rng = StdRng::seed_from_u64(21);
        let c = 9;
        let half = 1i32 << (c - 1);
        let g = G1::random(&mut rng);
        let mut distinct: Vec<G1Affine> =
            (1..200u64).map(|i| (g * Fr::from(i)).to_affine()).collect();
        distinct.push(G1Affine::identity());
        let cases = [
            ("many buckets", half, distinct.len()),
            ("few buckets", 3, distinct.len()),
            ("one bucket", 1, distinct.len()),
            ("two points, many buckets", half, 2),
            ("two points, few buckets", 4, 2),
        ];
        for (case, buckets, pool) in cases {
            let n = 3000;
            let bases: Vec<G1Affine> = (0..n)
                .map(|i| match i % 5 {
                    0 => -distinct[rng.gen_range(0..pool)],
                    _ => distinct[rng.gen_range(0..pool)],
                })
                .collect();
            let digits: Vec<i32> = (0..n)
                .map(|_| {
                    let d = rng.gen_range(1..=buckets);
                    if rng.gen_bool(0.5) {
                        d
                    } else {
                        -d
                    }
                })
                .collect();
            let affine = super::window_sum(&digits, 1, 0, &bases, c).to_projective();
            let xyzz = super::super::window_sum(&digits, 1, 0, &bases, c).to_projective();
            assert_eq!(affine.to_affine(), xyzz.to_affine(), "{case}");
        }
    }
}
