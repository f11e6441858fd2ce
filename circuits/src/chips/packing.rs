//! Lane packing: several neurons share one MAC accumulator, `B` bits apart.
//!
//! A packed weight is the field element `W = Σ_j w_j·2^(B·j)` of the weights of the `P` neurons sharing
//! an accumulator column, so the MAC gate's one product `x·W` does `P` multiplications and the running
//! accumulator holds `acc = Σ_j y_j·2^(B·j)`, with `y_j` neuron `j`'s dot product. Unpack rows then put
//! the lanes `y'_j` in the `x` columns with the fixed coefficients `-2^(B·j)` and `chain = 1`, so the
//! same gate subtracts them, and the last unpack row's accumulator is copy-constrained to the circuit's
//! zero cell: `Σ_j y'_j·2^(B·j) = acc` in the field. Each `y'_j` is then copied into its neuron's
//! requant row.
//!
//! Why the lanes are the dot products, and not another split of the same field element:
//! - the true `y_j` satisfy `|y_j| ≤ S_j = X·Σ_c |w_(j,c)|`, with `X` the largest magnitude any cell a
//!   MAC row reads can hold ([`crate::QuantizedGraph::activation_bound`]: range-checked values, step
//!   outputs, table entries);
//! - every `y'_j` is the `z` of a requant row, which proves `z + off = q·2^s + r` with `q` and `r`
//!   range-checked, so `|y'_j| ≤ R_j = 2^(b-1+s) + |off_j|`; a fine row (weights `w` bits finer)
//!   proves `z + off = q·2^(s+w) + u·2^s + r` with `u ∈ [0, 2^w)` by its digits, so
//!   `R_j = 2^(b-1+s+w) + |off_j|` (a wide rescale's `z` is not pinned to an integer the same way:
//!   its groups are not packed);
//! - `B` is chosen with `2^B > S_j + R_j` for every lane, so each difference `d_j = y_j - y'_j` has
//!   `|d_j| < 2^B`, and `P·B ≤ 252`, so `|Σ_j d_j·2^(B·j)| < 2^252 < p`: the field identity
//!   `Σ_j d_j·2^(B·j) = 0` holds over the integers, and then `d_0 ≡ 0 (mod 2^B)` forces `d_0 = 0`,
//!   and so on up the lanes. A carry between lanes moves some `y'_j` by `2^B > R_j + |y_j|`, outside
//!   what its requant row accepts (tested).

use crate::ops::AffineGroup;
use crate::Fr;
use halo2_proofs::halo2curves::ff::{Field, FromUniformBytes};

/// `Σ_j values[j]·2^(bits·j)` in the field: a packed weight or accumulator. Summed as two 512-bit
/// integers (the positive and the negative terms) and reduced once each, instead of a field
/// multiplication and conversion per lane (dense_4m's keygen and witness pack 600k cells of eight
/// lanes each). Terms from bit [`FAR`] on, which no packing makes (`P·B <= 252`), are added in the
/// field, so the integers never overflow.
pub fn pack(values: impl IntoIterator<Item = i64>, bits: u32) -> Fr {
    let (mut pos, mut neg) = ([0u64; 8], [0u64; 8]);
    let mut far = Fr::zero();
    for (j, v) in values.into_iter().enumerate() {
        let at = bits as usize * j;
        if v == 0 {
            continue;
        }
        if at >= FAR {
            far += crate::fixed_point::to_field(v) * Fr::from(2).pow([at as u64]);
        } else {
            add_shifted(
                if v > 0 { &mut pos } else { &mut neg },
                v.unsigned_abs(),
                at,
            );
        }
    }
    let reduce = |limbs: &[u64; 8]| -> Fr {
        if limbs.iter().all(|l| *l == 0) {
            return Fr::zero();
        }
        let mut bytes = [0u8; 64];
        for (chunk, limb) in bytes.chunks_exact_mut(8).zip(limbs) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        Fr::from_uniform_bytes(&bytes)
    };
    reduce(&pos) - reduce(&neg) + far
}

/// Bits from which [`pack`] adds terms in the field: a term below is under `2^(FAR+64)`, so any
/// number of lanes' sum stays far under `2^512`.
const FAR: usize = 384;

/// `acc += v·2^at` (`at < FAR`).
fn add_shifted(acc: &mut [u64; 8], v: u64, at: usize) {
    let (limb, off) = (at / 64, at % 64);
    let (lo, hi) = match off {
        0 => (v, 0),
        _ => (v << off, v >> (64 - off)),
    };
    let mut carry = 0u64;
    for (k, slot) in acc.iter_mut().enumerate().skip(limb) {
        let add = match k - limb {
            0 => lo,
            1 => hi,
            _ if carry == 0 => break,
            _ => 0,
        };
        let (sum, c1) = slot.overflowing_add(add);
        let (sum, c2) = sum.overflowing_add(carry);
        *slot = sum;
        carry = u64::from(c1 || c2);
    }
}

/// The most neurons one accumulator column may hold.
pub const MAX_PACK: usize = 8;

/// Lanes times lane bits stay within this many bits (the BN254 scalar field has more than `2^253`
/// elements, so any sum of lanes with smaller differences than `2^B` is below `p` in magnitude).
pub const LANE_FIELD_BITS: u32 = 252;

/// How one affine group's neurons share accumulators: up to `per_column` neurons per accumulator
/// column, `bits` apart; `per_column == 1` is the plain layout (one neuron per column, no unpack rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packing {
    /// The most neurons one accumulator column holds.
    pub per_column: usize,
    /// Lane width `B` in bits (0 when unpacked).
    pub bits: u32,
}

/// One MAC block: neurons `first..first + count` of a group, reading the group's slots `slots` (indices
/// into the group's slot list, in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The block's first neuron.
    pub first: usize,
    /// Neurons in the block.
    pub count: usize,
    /// The group slots the block reads: all of them in a circuit without packing (the layout earlier
    /// keys were made with), else those some neuron of the block weighs.
    pub slots: Vec<usize>,
}

impl Packing {
    /// One neuron per accumulator column.
    pub const NONE: Self = Self {
        per_column: 1,
        bits: 0,
    };

    /// The packing of `group` in a circuit packing up to `pack` neurons per column, with activations of
    /// magnitude at most `x_bound`, scale `s` and range bits `b` (module docs), on `lanes` =
    /// `(lanes_in, lanes_out)`. Groups of one neuron, wide rescales, exact sums, groups reading raw
    /// accumulators ([`AffineGroup::raw_inputs`]), groups whose lanes would not fit
    /// twice in the field, and groups that would take no fewer rows packed (neurons reading different
    /// inputs, as in elementwise ops) are not packed.
    pub fn for_group(
        group: &AffineGroup,
        (pack, lanes): (usize, (usize, usize)),
        x_bound: u128,
        (scale, range_bits): (u32, u32),
    ) -> Self {
        if pack < 2 || group.neurons() < 2 || group.extra != 0 || group.exact || group.raw_inputs {
            return Self::NONE;
        }
        let Some(shift) = scale.checked_add(group.fine).filter(|s| *s < 64) else {
            return Self::NONE;
        };
        let slots = group.slots.len();
        let mut widest = 0u32;
        for (m, bias) in group.bias.iter().enumerate() {
            let weights = &group.weights[m * slots..(m + 1) * slots];
            let Some(lane) = lane_bound(weights, *bias, x_bound, (shift, range_bits)) else {
                return Self::NONE;
            };
            // `2^bits > lane`.
            widest = widest.max(u128::BITS - lane.leading_zeros());
        }
        let per_column = pack
            .min((LANE_FIELD_BITS / widest.max(1)) as usize)
            .min(group.neurons());
        let packed = Self {
            per_column,
            bits: widest,
        };
        if per_column < 2 || packed.rows(group, pack, lanes) >= Self::NONE.rows(group, pack, lanes)
        {
            return Self::NONE;
        }
        packed
    }

    /// The MAC blocks of `group` in a circuit packing up to `pack` neurons per column, with `lanes_out`
    /// accumulator columns (one block unless the group has more neurons than the columns hold).
    pub fn blocks(&self, group: &AffineGroup, pack: usize, lanes_out: usize) -> Vec<Block> {
        let neurons = group.neurons();
        let size = (self.per_column * lanes_out).max(1);
        let n_slots = group.slots.len();
        (0..neurons)
            .step_by(size)
            .map(|first| {
                let count = size.min(neurons - first);
                let slots = if pack < 2 {
                    (0..n_slots).collect()
                } else {
                    (0..n_slots)
                        .filter(|s| (first..first + count).any(|m| group.weight(m, *s) != 0))
                        .collect()
                };
                Block {
                    first,
                    count,
                    slots,
                }
            })
            .collect()
    }

    /// Neurons per accumulator column in a block of `count` neurons (balanced over the columns); 1 when
    /// the block's neurons fit one per column, which then needs no unpacking.
    pub fn lanes_of_block(&self, count: usize, lanes_out: usize) -> usize {
        count.div_ceil(lanes_out.max(1)).clamp(1, self.per_column)
    }

    /// Unpack rows after a block of `count` neurons (`lanes_in` lanes per row; none when unpacked).
    pub fn unpack_rows(&self, count: usize, (lanes_in, lanes_out): (usize, usize)) -> usize {
        if self.lanes_of_block(count, lanes_out) < 2 {
            0
        } else {
            count.div_ceil(lanes_in.max(1))
        }
    }

    /// MAC rows of `group`'s blocks, unpack rows included, and whether one of them ends on the zero
    /// cell.
    pub fn layout_rows(
        &self,
        group: &AffineGroup,
        pack: usize,
        lanes: (usize, usize),
    ) -> (usize, bool) {
        self.blocks(group, pack, lanes.1)
            .iter()
            .fold((0, false), |(rows, zero), b| {
                let unpack = self.unpack_rows(b.count, lanes);
                let pass = b.slots.len().div_ceil(lanes.0.max(1)).max(1);
                (rows + pass + unpack, zero || unpack > 0)
            })
    }

    /// MAC rows of `group`'s blocks, unpack rows included.
    pub fn rows(&self, group: &AffineGroup, pack: usize, lanes: (usize, usize)) -> usize {
        self.layout_rows(group, pack, lanes).0
    }
}

/// `S + R` of one neuron whose requant row divides by `2^shift` (`s`, or `s + w` on a fine row; module
/// docs), or `None` if it does not fit in 126 bits (no packing then).
fn lane_bound(
    weights: &[i64],
    bias: i64,
    x_bound: u128,
    (shift, range_bits): (u32, u32),
) -> Option<u128> {
    let weight_sum = weights
        .iter()
        .try_fold(0u128, |s, w| s.checked_add(u128::from(w.unsigned_abs())))?;
    let dot = weight_sum.checked_mul(x_bound)?;
    // `|off| ≤ |bias| + 2^(shift-1) + 2^shift` (the rounding half and a strict step's shift).
    let requant = (1u128 << (range_bits - 1 + shift))
        + u128::from(bias.unsigned_abs())
        + (1u128 << (shift + 1));
    dot.checked_add(requant).filter(|v| *v < 1u128 << 126)
}

#[cfg(test)]
mod pack_tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// [`pack`] is the field sum `Σ v_j·2^(B·j)` for lanes of both signs and any size (i64's
    /// extremes included), for widths and lane counts up to and past the field's bits.
    #[test]
    fn packing_by_integers_is_the_field_sum() {
        let mut rng = StdRng::seed_from_u64(3);
        let field = |values: &[i64], bits: u32| {
            values.iter().enumerate().fold(Fr::zero(), |acc, (j, v)| {
                acc + crate::fixed_point::to_field(*v)
                    * Fr::from(2).pow([u64::from(bits) * j as u64])
            })
        };
        for bits in [0u32, 1, 13, 28, 31, 32, 63, 64, 65, 100, 126, 200] {
            for lanes in 1..=9 {
                for _ in 0..20 {
                    let values: Vec<i64> = (0..lanes)
                        .map(|_| match rng.gen_range(0..6) {
                            0 => 0,
                            1 => i64::MIN,
                            2 => i64::MAX,
                            3 => rng.gen_range(-5000..5000),
                            _ => rng.gen(),
                        })
                        .collect();
                    assert_eq!(
                        pack(values.clone(), bits),
                        field(&values, bits),
                        "{bits} {values:?}"
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Activation;

    fn group(weights: Vec<i64>, bias: Vec<i64>, extra: u32) -> AffineGroup {
        let n = bias.len();
        let slots = weights.len() / n;
        AffineGroup {
            slots: (0..slots).map(|i| (0, i)).collect(),
            weights,
            bias,
            extra,
            act: Activation::None,
            outputs: (0..n).collect(),
            exact: false,
            raw_inputs: false,
            fine: 0,
        }
    }

    #[test]
    fn lane_bits_cover_the_dot_product_and_the_requant_range() {
        // Weights summing to 6 (and 4) in magnitude, |x| ≤ 2^13: S = 6·2^13; R = 2^(13+7) + 5 + 2^8.
        // One input per row: three rows and two unpack rows instead of six rows.
        let g = group(vec![1, -2, 3, 2, 1, -1], vec![5, -5], 0);
        let p = Packing::for_group(&g, (8, (1, 1)), 1 << 13, (7, 14));
        let lane = 6u128 * (1 << 13) + (1 << 20) + 5 + (1 << 8);
        assert_eq!(p.bits, u128::BITS - lane.leading_zeros());
        assert!(1u128 << p.bits > lane && 1u128 << (p.bits - 1) <= lane);
        assert_eq!(p.per_column, 2, "two neurons: two lanes");
    }

    #[test]
    fn lanes_never_overflow_the_field() {
        // Huge weights: 2^60-ish lanes, four fit in 252 bits, not eight.
        let g = group(vec![1 << 40; 8 * 4], vec![0; 8], 0);
        let p = Packing::for_group(&g, (8, (2, 1)), 1 << 16, (10, 17));
        assert!(p.per_column as u32 * p.bits <= LANE_FIELD_BITS);
        assert_eq!(p.per_column, 4);
        let spans: Vec<_> = p
            .blocks(&g, 8, 1)
            .iter()
            .map(|b| (b.first, b.count))
            .collect();
        assert_eq!(spans, vec![(0, 4), (4, 4)]);
        // Two blocks, each two rows of inputs and two unpack rows; plain: eight blocks of two rows.
        assert_eq!(p.rows(&g, 8, (2, 1)), 2 * (2 + 2));
        assert_eq!(Packing::NONE.rows(&g, 8, (2, 1)), 8 * 2);
    }

    #[test]
    fn unpackable_groups_stay_plain() {
        let lanes = (8, (1, 1));
        let wide = group(vec![1; 4], vec![0, 0], 3);
        assert_eq!(
            Packing::for_group(&wide, lanes, 1 << 10, (7, 12)),
            Packing::NONE
        );
        let single = group(vec![1; 4], vec![0], 0);
        assert_eq!(
            Packing::for_group(&single, lanes, 1 << 10, (7, 12)),
            Packing::NONE
        );
        // A group that packs (the first test's) reading raw accumulators does not: their size is
        // not the activation bound the lane widths assume.
        let mut raw = group(vec![1, -2, 3, 2, 1, -1], vec![5, -5], 0);
        assert_ne!(
            Packing::for_group(&raw, lanes, 1 << 13, (7, 14)),
            Packing::NONE
        );
        raw.raw_inputs = true;
        assert_eq!(
            Packing::for_group(&raw, lanes, 1 << 13, (7, 14)),
            Packing::NONE
        );
        let unbounded = group(vec![i64::MAX; 4], vec![0, 0], 0);
        assert_eq!(
            Packing::for_group(&unbounded, lanes, u128::from(u64::MAX), (7, 12)),
            Packing::NONE
        );
    }

    #[test]
    fn elementwise_groups_stay_plain_and_read_only_their_own_inputs() {
        // Four neurons, each weighing only its own two of eight inputs (an elementwise Add).
        let mut weights = vec![0; 4 * 8];
        for m in 0..4 {
            weights[m * 8 + 2 * m] = 1;
            weights[m * 8 + 2 * m + 1] = 1;
        }
        let g = group(weights, vec![0; 4], 0);
        let p = Packing::for_group(&g, (8, (2, 1)), 1 << 10, (7, 12));
        assert_eq!(p, Packing::NONE, "packing saves no row here");
        let blocks = p.blocks(&g, 8, 1);
        assert_eq!(blocks.len(), 4);
        assert!(blocks.iter().all(|b| b.slots.len() == 2));
        assert_eq!(p.rows(&g, 8, (2, 1)), 4);
        // Without packing in the circuit, a block reads every slot of its group (earlier keys).
        assert!(p.blocks(&g, 1, 1).iter().all(|b| b.slots.len() == 8));
    }
}
