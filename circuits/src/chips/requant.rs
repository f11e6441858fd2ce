//! Requantization, one row per neuron. Advice `z` (a copy of the accumulator), `q`, `hi`, `sgn`, `y`;
//! fixed `off` (bias plus the rounding half). With `s` scale bits and `b` range bits:
//! - remainder: `z + off - q·2^s` is in the limb column, i.e. `z + off = q·2^s + r` with `r ∈ [0, 2^s)`;
//! - range: `q + 2^(b-1) - hi·2^s` is in the limb column, `sgn ∈ {0, 1}` and `hi - sgn·2^(b-s-1)` is in
//!   the high column ([`TableConfig::constrain_high`]), i.e. `q ∈ [-2^(b-1), 2^(b-1))` and
//!   `sgn = [q ≥ 0]`;
//! - relu (when enabled): `y = sgn·q`;
//! - step (when the circuit has comparisons and the row's `step` selector is on): `y = sgn·2^s`, the
//!   exact 0/1 of `[q ≥ 0]` (a strict comparison's row gets `-2^(s+e+w)` more offset, `e` and `w` its
//!   wide or fine bits, so its `q` is one less and `sgn = [q > 0]` of the unshifted quotient);
//! - function (when the circuit has function tables): `(t, t·q, t·y)` is a table row, `t` read from the
//!   fixed column `fn_tag`: `y = f_t(q)` for a row of function table `t`, nothing for `t = 0`.
//! - wide rescale (when the circuit has coefficient bits `e > 0`, for constant coefficients held at
//!   `2^(s+e)`): on a `wide` row the division is by `2^(s+e)` and the remainder `r ∈ [0, 2^(s+e))` is
//!   split as `r = 2^e·t + u` with the advice `t` and `u = z + off - q·2^(s+e) - 2^e·t`. The remainder
//!   lookup reads `u·2^(s-e)` (so `u·2^(s-e) ∈ [0, 2^s)`) and the `wide limb` lookup reads `t ∈ [0, 2^s)`.
//!   In the field, `(z + off)·2^(s-e) = q·2^(2s) + t·2^s + v` with `v = u·2^(s-e)`, `t, v ∈ [0, 2^s)` and
//!   `q` range-checked: the right side spans fewer than `2^(b+2s) ≤ 2^56` consecutive integers, far
//!   below the field size, so `(q, t, v)` is unique for any `z + off`. Since `z + off` is an integer of
//!   far less than `2^200` (a MAC accumulator of range-checked values times i64 weights, plus an i64
//!   constant), the identity holds over the integers: `q` is the rounded quotient by `2^(s+e)`.
//!
//! - fine rescale (when the circuit has weight bits `w > 0`, for dense and convolution weights held at
//!   `2^(s+w)`): on a `fine` row the division is by `2^(s+w)` and the remainder `r ∈ [0, 2^(s+w))` is
//!   split as `r = u·2^s + v` with `u = Σ_j d_j·4^j` over `w / 2` advice digits. The `fine digit` gate
//!   forces each `d_j ∈ {0, 1, 2, 3}` (`d(d-1)(d-2)(d-3) = 0`, degree 5 with the selector: the degree
//!   the circuit already has), so `u ∈ [0, 2^w)`, and the remainder lookup reads
//!   `v = z + off - q·2^(s+w) - u·2^s ∈ [0, 2^s)`. Every part is a small integer, so
//!   `z + off = q·2^(s+w) + u·2^s + v` pins `z` to an integer of magnitude below `2^(b-1+s+w) + |off|`
//!   (packing relies on it, see `chips::packing`) and `q` is the rounded quotient by `2^(s+w)`. Unlike
//!   the wide rescale it adds no lookup, and every requant set has the digits.
//!
//! `|q·2^s + r|` is far below the field size, so the identity holds over the integers and `q` is exactly
//! the rounded quotient. The neuron's output cell is `q` (no activation) or `y` (Relu, table). Input rows use the
//! range lookups only: `q` is the input value.

pub use super::requant_witness::{RequantWitness, RescaleRow};
use super::table::TableConfig;
pub use super::tamper::Tamper;
use super::{field_value, Wire};
use crate::circuit::CircuitParams;
use crate::fixed_point::to_field;
use crate::ops::Activation;
use crate::Fr;
use halo2_proofs::circuit::{Region, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector};
use halo2_proofs::poly::Rotation;

/// The requant chip's columns, selectors and lookups (see the module docs for the constraints).
#[derive(Clone, Debug)]
pub struct RequantConfig {
    /// Advice: the value being rescaled, copy-constrained to its source (e.g. a MAC accumulator);
    /// `n` on a division row, `a` on a product row.
    pub z: Column<Advice>,
    /// Advice: the quotient `q` (rescale rows) or the range-checked value itself (input and range rows);
    /// `d` on a division row, `b` on a product row.
    pub q: Column<Advice>,
    /// Advice: the high limb `hi` of `q + 2^(b-1) = hi·2^s + lo`, checked by the low-limb lookup and,
    /// with `sgn`, the high-limb lookup;
    /// the remainder `r` on a division row.
    pub hi: Column<Advice>,
    /// Advice: `[q ≥ 0]`, forced by the `sign bit` gate and the high-limb lookup
    /// (`hi - sgn·2^(b-s-1)` in the high column);
    /// `t = 2d - 1 - r` on a division row.
    pub sgn: Column<Advice>,
    /// Advice: the activation's output, `sgn·q` (relu gate) or `f(q)` (function lookup), unused without
    /// one; the quotient on a division row, the product `a·b` on a product row.
    pub y: Column<Advice>,
    /// Fixed: the offset added to `z` before the division by `2^s` (bias at `2^(2s)` plus the rounding
    /// half).
    pub off: Column<Fixed>,
    /// Enables the remainder lookup.
    pub rescale: Selector,
    /// Enables the two range lookups and the `sign bit` gate ([`TableConfig::constrain_high`]).
    pub range: Selector,
    /// Enables `y = sgn·q`.
    pub relu: Selector,
    /// Enables `sgn = 1`: with the rescale and range lookups, `z + off ∈ [0, 2^(b-1+s))`.
    pub nonneg: Selector,
    /// Enables `y = sgn·2^s` (comparisons); present when the circuit has step activations.
    pub step: Option<Selector>,
    /// Enables `y = sgn·z` (the raw relu of a max over raw accumulators); present when the circuit has
    /// raw relus.
    pub raw_relu: Option<Selector>,
    /// The `raw sum` gate's columns ([`super::raw_rows`]); present when the circuit lays raw sums on
    /// requant rows.
    pub raw_sum: Option<super::raw_rows::RawSumGate>,
    /// The function-table tag of each row (0: none); present when the circuit has function tables.
    pub fn_tag: Option<Column<Fixed>>,
    /// The wide rescale (module docs); present when the circuit has coefficient bits.
    pub wide: Option<WideConfig>,
    /// The fine rescale (module docs); present when the circuit has weight bits.
    pub fine: Option<FineConfig>,
    /// Scale bits `s`: a rescale divides by `2^s`, and remainders / low limbs lie in `[0, 2^s)`.
    pub scale: u32,
    /// Range bits `b`: range-checked values lie in `[-2^(b-1), 2^(b-1))`.
    pub range_bits: u32,
}

/// The wide rescale's column, selector and extra bits `e` (module docs).
#[derive(Clone, Copy, Debug)]
pub struct WideConfig {
    /// Advice: the remainder's high limb `t = r div 2^e`.
    pub t: Column<Advice>,
    /// Enables the wide remainder (instead of `rescale`'s) and the `wide limb` lookup.
    pub selector: Selector,
    /// The coefficients' extra fractional bits `e` (`1..=s`).
    pub bits: u32,
}

/// The fine rescale's digit columns, selector and weight bits `w` (module docs).
#[derive(Clone, Debug)]
pub struct FineConfig {
    /// Advice: the base-4 digits of `u = r div 2^s`, lowest first (`w / 2` of them).
    pub digits: Vec<Column<Advice>>,
    /// Enables the fine remainder (instead of `rescale`'s) and the digit gate.
    pub selector: Selector,
    /// The weights' extra fractional bits `w` (even, `2..=MAX_WEIGHT_BITS`).
    pub bits: u32,
}

/// The most extra fractional bits weights may carry (four base-4 digits).
pub const MAX_WEIGHT_BITS: u32 = 8;

/// Whether weights may carry `w` extra bits: an even number (whole base-4 digits) up to
/// [`MAX_WEIGHT_BITS`], 0 for none.
pub fn valid_weight_bits(w: u32) -> bool {
    w.is_multiple_of(2) && w <= MAX_WEIGHT_BITS
}

impl FineConfig {
    /// `u = Σ_j digit_j·4^j` on the current row.
    fn u(&self, meta: &mut halo2_proofs::plonk::VirtualCells<'_, Fr>) -> Expression<Fr> {
        self.digits
            .iter()
            .rev()
            .fold(Expression::Constant(Fr::zero()), |acc, d| {
                acc * Expression::Constant(Fr::from(4)) + meta.query_advice(*d, Rotation::cur())
            })
    }

    /// The digits assigned for `u`, lowest first: its base-4 digits, a `u` outside `[0, 2^bits)` (a
    /// tampered quotient's) keeping its excess in the top digit; `FineLowDigit` and `FineDigitBorrow`
    /// move it into the lowest digit (see [`Tamper`]).
    fn assigned_digits(&self, u: i64, tamper: Option<Tamper>) -> Vec<i64> {
        let n = self.digits.len();
        let mut d: Vec<i64> = (0..n).map(|j| (u >> (2 * j)) & 3).collect();
        if let Some(top) = d.last_mut() {
            *top = u >> (2 * (n - 1));
        }
        match tamper {
            // `q - 1` with the lowest digit carrying the `2^w` the identity needs.
            Some(Tamper::FineLowDigit) => {
                d = (0..n)
                    .map(|j| ((u - (1i64 << self.bits)) >> (2 * j)) & 3)
                    .collect();
                d[0] += 1i64 << self.bits;
            }
            // `u` kept, one unit of the second digit moved into the first as 4.
            Some(Tamper::FineDigitBorrow) if n > 1 => {
                d[0] += 4;
                d[1] -= 1;
            }
            _ => {}
        }
        d
    }
}

impl RequantConfig {
    /// Allocate the advice columns `z`, `q`, `hi`, `sgn`, `y` (`z`, `q`, `y` equality-enabled), the fixed
    /// `off` (and `fn_tag` when `params.function_tables`), the selectors, and the remainder, low-limb,
    /// high-limb and function lookups into `table` and the relu and nonneg gates.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        table: &TableConfig,
        params: &CircuitParams,
    ) -> Self {
        let (scale, range_bits) = (params.scale, params.range_bits);
        let [z, q, hi, sgn, y] = [(); 5].map(|_| meta.advice_column());
        let off = meta.fixed_column();
        let (rescale, range, relu, nonneg) = (
            meta.complex_selector(),
            meta.complex_selector(),
            meta.selector(),
            meta.selector(),
        );
        for c in [z, q, y] {
            meta.enable_equality(c);
        }
        let two_s = Expression::Constant(Fr::from(1u64 << scale));
        let bias = Expression::Constant(Fr::from(1u64 << (range_bits - 1)));
        let wide = (params.coef_bits > 0).then(|| WideConfig {
            t: meta.advice_column(),
            selector: meta.complex_selector(),
            bits: params.coef_bits,
        });
        // Odd or too many bits would let `u` exceed `2^w` (checked with the parameters; kept here).
        assert!(
            valid_weight_bits(params.weight_bits),
            "weight bits {} are not an even number up to {MAX_WEIGHT_BITS}",
            params.weight_bits
        );
        let fine = (params.weight_bits > 0).then(|| FineConfig {
            digits: (0..params.weight_bits.div_ceil(2))
                .map(|_| meta.advice_column())
                .collect(),
            selector: meta.complex_selector(),
            bits: params.weight_bits,
        });
        meta.lookup("remainder", |meta| {
            let s = meta.query_selector(rescale);
            let acc =
                meta.query_advice(z, Rotation::cur()) + meta.query_fixed(off, Rotation::cur());
            let q = meta.query_advice(q, Rotation::cur());
            let mut r = s * (acc.clone() - q.clone() * two_s.clone());
            if let Some(w) = wide {
                // A wide row's low remainder `u`, scaled by `2^(s-e)` into the limb table.
                let sw = meta.query_selector(w.selector);
                let c = |v: u32| Expression::Constant(Fr::from(1u64 << v));
                let u = acc.clone()
                    - q.clone() * c(scale + w.bits)
                    - meta.query_advice(w.t, Rotation::cur()) * c(w.bits);
                r = r + sw * u * c(scale - w.bits);
            }
            if let Some(f) = &fine {
                // A fine row's low remainder: `z + off - q·2^(s+w) - u·2^s`.
                let sf = meta.query_selector(f.selector);
                let c = |v: u32| Expression::Constant(Fr::from(1u64 << v));
                let low = acc - q * c(scale + f.bits) - f.u(meta) * c(scale);
                r = r + sf * low;
            }
            vec![(r, table.limb)]
        });
        if let Some(f) = &fine {
            meta.create_gate("fine digit", |meta| {
                let sf = meta.query_selector(f.selector);
                f.digits
                    .iter()
                    .map(|d| {
                        let d = meta.query_advice(*d, Rotation::cur());
                        (0..4u64).fold(sf.clone(), |p, i| {
                            p * (d.clone() - Expression::Constant(Fr::from(i)))
                        })
                    })
                    .collect::<Vec<_>>()
            });
        }
        if let Some(w) = wide {
            meta.lookup("wide limb", |meta| {
                let sw = meta.query_selector(w.selector);
                vec![(sw * meta.query_advice(w.t, Rotation::cur()), table.limb)]
            });
        }
        meta.lookup("low limb", |meta| {
            let s = meta.query_selector(range);
            let lo = meta.query_advice(q, Rotation::cur()) + bias.clone()
                - meta.query_advice(hi, Rotation::cur()) * two_s.clone();
            vec![(s * lo, table.limb)]
        });
        table.constrain_high(meta, range, (hi, sgn), (range_bits, scale));
        meta.create_gate("relu", |meta| {
            let s = meta.query_selector(relu);
            let (q, sgn, y) = (
                meta.query_advice(q, Rotation::cur()),
                meta.query_advice(sgn, Rotation::cur()),
                meta.query_advice(y, Rotation::cur()),
            );
            vec![s * (y - sgn * q)]
        });
        let step = params.steps.then(|| {
            let step = meta.selector();
            meta.create_gate("step", |meta| {
                let s = meta.query_selector(step);
                let y = meta.query_advice(y, Rotation::cur());
                let sgn = meta.query_advice(sgn, Rotation::cur());
                vec![s * (y - sgn * two_s.clone())]
            });
            step
        });
        // `y = sgn·z`: with the rescale's `z = q·2^s + r` (no offset) and the range check,
        // `sgn = [q ≥ 0] = [z ≥ 0]`, so `y = max(z, 0)` exactly.
        let raw_relu = params.raw_relus.then(|| {
            let raw = meta.selector();
            meta.create_gate("raw relu", |meta| {
                let s = meta.query_selector(raw);
                let z = meta.query_advice(z, Rotation::cur());
                let sgn = meta.query_advice(sgn, Rotation::cur());
                let y = meta.query_advice(y, Rotation::cur());
                vec![s * (y - sgn * z)]
            });
            raw
        });
        meta.create_gate("nonneg", |meta| {
            let s = meta.query_selector(nonneg);
            let sgn = meta.query_advice(sgn, Rotation::cur());
            vec![s * (Expression::Constant(Fr::one()) - sgn)]
        });
        // A table activation in a circuit without the function lookup has no fn_tag column, and its
        // rows are refused at synthesis.
        let tagged = table.tagged.filter(|_| params.function_tables);
        let fn_tag = tagged.map(|tagged| {
            let fn_tag = meta.fixed_column();
            meta.lookup("function", |meta| {
                let t = meta.query_fixed(fn_tag, Rotation::cur());
                let q = meta.query_advice(q, Rotation::cur());
                let y = meta.query_advice(y, Rotation::cur());
                vec![
                    (t.clone(), tagged.tag),
                    (t.clone() * q, tagged.x),
                    (t * y, tagged.y),
                ]
            });
            fn_tag
        });
        Self {
            z,
            q,
            hi,
            sgn,
            y,
            off,
            rescale,
            range,
            relu,
            nonneg,
            step,
            raw_relu,
            // Configured last in the set, so circuits without it keep their column indices.
            raw_sum: params
                .raw_rows
                .then(|| super::raw_rows::RawSumGate::configure(meta, z)),
            fn_tag,
            wide,
            fine,
            scale,
            range_bits,
        }
    }

    /// Assign `q`, the limbs and (with an activation) `y`; returns the `q` and output wires.
    fn assign_row(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        w: Option<RequantWitness>,
        with_y: bool,
    ) -> (Wire, Wire) {
        let q = region.assign_advice(self.q, row, field_value(w.map(|w| w.q)));
        region.assign_advice(self.hi, row, field_value(w.map(|w| w.hi)));
        region.assign_advice(self.sgn, row, field_value(w.map(|w| w.sgn)));
        let q = Wire {
            cell: q.cell(),
            value: w.map(|w| w.q),
        };
        if !with_y {
            return (q, q);
        }
        let y = region.assign_advice(self.y, row, field_value(w.map(|w| w.y)));
        (
            q,
            Wire {
                cell: y.cell(),
                value: w.map(|w| w.y),
            },
        )
    }

    /// Assign a rescale row for accumulator `z` as `row` describes it (a wide row when `row.extra > 0`,
    /// which must be the circuit's coefficient bits). Returns the neuron's output wire (`q`, or `y` with
    /// an activation).
    pub fn assign_rescale(
        &self,
        region: &mut Region<'_, Fr>,
        at: usize,
        z: &Wire,
        row: RescaleRow,
        tamper: Option<Tamper>,
    ) -> Result<Wire, Error> {
        let zc = region.assign_advice(self.z, at, z.field());
        region.constrain_equal(zc.cell(), z.cell);
        self.rescale_row(region, at, z.value, row, tamper)
    }

    /// The rest of rescale row `at` once its `z` (of value `z`) is assigned: a copy of an accumulator
    /// ([`RequantConfig::assign_rescale`]) or a raw sum ([`RequantConfig::assign_raw_sum`]). The caller
    /// must constrain `z` (a copy constraint or the raw sum gate): this row only decomposes it.
    pub(super) fn rescale_row(
        &self,
        region: &mut Region<'_, Fr>,
        at: usize,
        z: Option<i64>,
        row: RescaleRow,
        tamper: Option<Tamper>,
    ) -> Result<Wire, Error> {
        let RescaleRow {
            off,
            act,
            fn_tag,
            extra,
            fine,
        } = row;
        let wide = match (extra, self.wide) {
            (0, _) => None,
            (e, Some(w)) if w.bits == e && fine == 0 => Some(w),
            // A row shifted by bits the circuit was not configured for would be unconstrained.
            _ => return Err(Error::Synthesis),
        };
        let fine_cfg = match (fine, &self.fine) {
            (0, _) => None,
            (w, Some(f)) if f.bits == w => Some(f),
            _ => return Err(Error::Synthesis),
        };
        match (wide, fine_cfg) {
            (Some(w), _) => w.selector.enable(region, at)?,
            (None, Some(f)) => f.selector.enable(region, at)?,
            (None, None) => self.rescale.enable(region, at)?,
        }
        self.range.enable(region, at)?;
        match (act, self.fn_tag) {
            (Activation::None, _) => {}
            (Activation::Relu, _) => self.relu.enable(region, at)?,
            // Without the raw relu gate the row's output would be unconstrained; its offset must be
            // 0 (no bias, no rounding half) for `sgn` to be the sign of `z`.
            (Activation::RawRelu, _) if off == 0 && wide.is_none() && fine == 0 => {
                self.raw_relu.ok_or(Error::Synthesis)?.enable(region, at)?
            }
            (Activation::RawRelu, _) => return Err(Error::Synthesis),
            // Without the step gate the row's output would be unconstrained.
            (Activation::Step { .. }, _) => {
                self.step.ok_or(Error::Synthesis)?.enable(region, at)?
            }
            (Activation::Table(_), Some(col)) if fn_tag != 0 => {
                region.assign_fixed(col, at, Fr::from(fn_tag));
            }
            // A table activation in a circuit without (or with a wrong) function tag would be unconstrained.
            (Activation::Table(_), _) => return Err(Error::Synthesis),
        }
        region.assign_fixed(self.off, at, to_field(off));
        let (scale, bits) = (self.scale, self.range_bits);
        let w = z.map(|z| {
            let w = RequantWitness::rescaled(z, off, (scale, extra, fine), bits, act);
            let w = tamper.map_or(w, |t| w.tampered(t, (scale, fine), bits, act));
            // A raw relu keeps `z`, not the quotient: `y = sgn·z` (for a corrupted quotient or sign
            // too, so that only the lookups see those; `Activation` is the honest `y` plus one).
            let y = match act {
                Activation::RawRelu => w.sgn * z + i64::from(tamper == Some(Tamper::Activation)),
                _ => w.y,
            };
            RequantWitness { y, ..w }
        });
        if let Some(wide) = wide {
            region.assign_advice(wide.t, at, field_value(w.map(|w| w.t)));
        }
        if let Some(f) = fine_cfg {
            let digits = w.map(|w| f.assigned_digits(w.u, tamper));
            for (j, d) in f.digits.iter().enumerate() {
                region.assign_advice(*d, at, field_value(digits.as_ref().map(|v| v[j])));
            }
        }
        Ok(self.assign_row(region, at, w, act != Activation::None).1)
    }

    /// Assign a row proving `z + off ∈ [0, 2^(b-1+s))` (the rescale and range lookups plus `sgn = 1`).
    pub fn assign_nonneg(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        z: &Wire,
        off: i64,
    ) -> Result<(), Error> {
        self.rescale.enable(region, row)?;
        self.range.enable(region, row)?;
        self.nonneg.enable(region, row)?;
        region.assign_fixed(self.off, row, to_field(off));
        let zc = region.assign_advice(self.z, row, z.field());
        region.constrain_equal(zc.cell(), z.cell);
        let (scale, bits) = (self.scale, self.range_bits);
        let w = z
            .value
            .map(|z| RequantWitness::rescaled(z, off, (scale, 0, 0), bits, Activation::None));
        self.assign_row(region, row, w, false);
        Ok(())
    }

    /// Assign a row range-checking the value of `wire` (a copy of it): `v ∈ [-2^(b-1), 2^(b-1))`.
    pub fn assign_range_of(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        wire: &Wire,
        raw: Option<Fr>,
    ) -> Result<(), Error> {
        self.range.enable(region, row)?;
        let w = wire
            .value
            .map(|v| RequantWitness::of_quotient(v, self.scale, self.range_bits, Activation::None));
        let q = match raw {
            // A value that is not a small integer: assigned as is, its limbs cannot exist.
            Some(f) => {
                region.assign_advice(self.hi, row, Value::known(Fr::zero()));
                region.assign_advice(self.sgn, row, Value::known(Fr::zero()));
                region.assign_advice(self.q, row, Value::known(f)).cell()
            }
            None => self.assign_row(region, row, w, false).0.cell,
        };
        region.constrain_equal(q, wire.cell);
        Ok(())
    }

    /// Assign a table-read row: `q` (a copy of the `index` cell, whose value is `index.value` in an
    /// honest witness) and `y`, with the fixed tag `tag` of the section read, so the function lookup
    /// forces `(q, y)` to be an entry of that section. No selector is enabled. Returns `y`'s wire.
    pub fn assign_table_read(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        index: &Wire,
        (q, y): (Option<i64>, Option<i64>),
        tag: u64,
    ) -> Result<Wire, Error> {
        // Without the tag column (or with tag 0) the row's value would be unconstrained.
        let col = self.fn_tag.filter(|_| tag != 0).ok_or(Error::Synthesis)?;
        region.assign_fixed(col, row, Fr::from(tag));
        let qc = region.assign_advice(self.q, row, field_value(q));
        region.constrain_equal(qc.cell(), index.cell);
        let yc = region.assign_advice(self.y, row, field_value(y));
        Ok(Wire {
            cell: yc.cell(),
            value: y,
        })
    }

    /// Assign a range-checked input row holding `value`. Returns the input's wire.
    pub fn assign_input(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        value: Option<i64>,
    ) -> Result<Wire, Error> {
        self.range.enable(region, row)?;
        let w = value
            .map(|v| RequantWitness::of_quotient(v, self.scale, self.range_bits, Activation::None));
        Ok(self.assign_row(region, row, w, false).0)
    }
}
