//! Requantization, one row per neuron. Advice `z` (a copy of the accumulator), `q`, `hi`, `sgn`, `y`;
//! fixed `off` (bias plus the rounding half). With `s` scale bits and `b` range bits:
//! - remainder: `z + off - q·2^s` is in the limb column, i.e. `z + off = q·2^s + r` with `r ∈ [0, 2^s)`;
//! - range: `q + 2^(b-1) - hi·2^s` is in the limb column, `sgn ∈ {0, 1}` and `hi - sgn·2^(b-s-1)` is in
//!   the high column ([`TableConfig::constrain_high`]), i.e. `q ∈ [-2^(b-1), 2^(b-1))` and
//!   `sgn = [q ≥ 0]`;
//! - relu (when enabled): `y = sgn·q`;
//! - step (when the circuit has comparisons and the row's `step` selector is on): `y = sgn·2^s`, the
//!   exact 0/1 of `[q ≥ 0]` (a strict comparison's row gets `-2^(s+e)` more offset, so its `q` is one
//!   less and `sgn = [q > 0]` of the unshifted quotient);
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
//! `|q·2^s + r|` is far below the field size, so the identity holds over the integers and `q` is exactly
//! the rounded quotient. The neuron's output cell is `q` (no activation) or `y` (Relu, table). Input rows use the
//! range lookups only: `q` is the input value.

use super::table::TableConfig;
use super::{field_value, Wire};
use crate::circuit::CircuitParams;
use crate::fixed_point::{half, to_field};
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

/// What one rescale row divides and activates: the offset added to its accumulator (bias plus the
/// rounding half), the activation, its function-table tag (0 without one) and the coefficients' extra
/// bits (0, or the circuit's `coef_bits` for a wide row).
#[derive(Clone, Copy, Debug)]
pub struct RescaleRow {
    /// Bias plus `half(s + extra)`.
    pub off: i64,
    /// Applied to the quotient.
    pub act: Activation,
    /// The tag of `act`'s function table (0 without one).
    pub fn_tag: u64,
    /// The accumulator is divided by `2^(s + extra)`.
    pub extra: u32,
}

impl RescaleRow {
    /// A plain rescale by `2^s` of a product (no bias, no activation).
    pub fn product(scale: u32) -> Self {
        Self {
            off: half(scale),
            act: Activation::None,
            fn_tag: 0,
            extra: 0,
        }
    }
}

/// Deliberate witness corruption for soundness tests: each must make the circuit unsatisfied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// `q + 1` (limbs and relu kept consistent with it): the remainder lookup must catch it.
    Quotient,
    /// `q - 1` (limbs and activation consistent with it): the remainder lookup must catch it.
    QuotientDown,
    /// On a wide row, `q + 1` with `t - 2^s` (the remainder's identity kept): the `wide limb` lookup
    /// must catch it.
    WideQuotientUp,
    /// On a wide row, `q - 1` with `t + 2^s`: the `wide limb` lookup must catch it.
    WideQuotientDown,
    /// On a wide row, `t + 1` (so `u` goes negative): the remainder lookup must catch it.
    WideSplit,
    /// On a wide row, `q - 1` with `t` at its largest, `2^s - 1`: the low part `u` then holds the rest,
    /// `2^e·(t + 1) + u ≥ 2^e`, which fits the limb table unscaled; the remainder lookup must catch
    /// it through its scaling by `2^(s-e)`.
    WideBorrow,
    /// `hi + 1`: the low-limb lookup must catch it.
    HighLimb,
    /// `sgn` flipped (and `y` consistent with it): the high-limb lookup must catch it.
    Sign,
    /// `y + 1`: the relu gate (or the function lookup) must catch it.
    Activation,
    /// The neuron's final MAC accumulator `+ 1` (and this row consistent with it): the MAC gate must.
    Accumulator,
    /// On a packed MAC block, a carry between the neuron's lane and its neighbour (the packed sum kept):
    /// the requant row of the lane that gained `2^B` must catch it (see `chips::packing`).
    LaneCarry,
    /// The shared zero cell (padding) set to 1: the MAC gate must catch it.
    ZeroCell,
    /// A division's quotient `+ 1` (remainder consistent): the remainder's non-negativity must catch it.
    DivisionUp,
    /// A division's quotient `- 1` (remainder consistent): the remainder's bound `r < 2d` must catch it.
    DivisionDown,
    /// A division's remainder `+ 1` with the quotient solved for in the field (not an integer): the
    /// quotient's range check must catch it.
    DivisionFieldQuotient,
    /// A table read's value taken from the next row of its column (`data[k + 1]`): the function lookup
    /// must catch it.
    TableRow,
    /// A table read's value taken from the next column at the same index: the function lookup must
    /// catch it (the tag names the column).
    TableColumn,
    /// A table read at the next index (`q + 2^s`, with that row's value): the copy of the index cell
    /// must catch it.
    TableIndex,
    /// An exact matrix product `C_ij + 1` (its rescale consistent): Freivalds' check must catch it.
    Product,
    /// A corruption inside the Freivalds chip.
    Freivalds(super::freivalds::FreivaldsTamper),
    /// A corruption inside the convolution check (`Accumulator` on a checked Conv is its `Output`).
    Conv(super::conv_check::ConvTamper),
}

/// The values of one requant row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequantWitness {
    /// The quotient (or the range-checked value).
    pub q: i64,
    /// The high limb: `(q + 2^(b-1)) div 2^s`.
    pub hi: i64,
    /// `1` if `q ≥ 0`, else `0`.
    pub sgn: i64,
    /// The activation's output: `f(q)` for a table (0 outside its domain), else `sgn·q`.
    pub y: i64,
    /// On a wide row, the remainder's high limb `r div 2^e` (else 0).
    pub t: i64,
}

impl RequantWitness {
    /// The row for quotient `q` followed by `act` (a table input outside the domain gets `y = 0`, which
    /// no lookup accepts; the oracle reports such inputs before any witness is built).
    pub fn of_quotient(q: i64, scale: u32, range_bits: u32, act: Activation) -> Self {
        let hi = (q + (1i64 << (range_bits - 1))).div_euclid(1i64 << scale);
        let sgn = i64::from(q >= 0);
        let y = match act {
            Activation::Table(t) => t.value(q, scale).unwrap_or(0),
            // A raw relu's `y = sgn·z` is set by the row that knows `z`.
            Activation::None | Activation::Relu | Activation::RawRelu => sgn * q,
            Activation::Step { .. } => sgn << scale,
        };
        Self {
            q,
            hi,
            sgn,
            y,
            t: 0,
        }
    }

    /// The row rescaling accumulator `z` with offset `off` (bias plus rounding half) by `2^(scale+extra)`.
    pub fn rescaled(
        z: i64,
        off: i64,
        (scale, extra): (u32, u32),
        range_bits: u32,
        act: Activation,
    ) -> Self {
        let shift = scale + extra;
        // In i128: `z + off` of an honest row fits, but a MAC accumulator near i64's limits must not wrap.
        let a = i128::from(z) + i128::from(off);
        // `off` holds the rounding half: the row's quotient is the floor of `(z + off) / 2^shift`.
        let q = a.div_euclid(1i128 << shift);
        let r = a - q * (1i128 << shift);
        let (q, r) = (q as i64, r as i64);
        Self {
            t: if extra > 0 { r >> extra } else { 0 },
            ..Self::of_quotient(q, scale, range_bits, act)
        }
    }

    fn tampered(self, tamper: Tamper, scale: u32, range_bits: u32, act: Activation) -> Self {
        let requotient = |dq: i64, dt: i64| Self {
            t: self.t + dt,
            ..Self::of_quotient(self.q + dq, scale, range_bits, act)
        };
        match tamper {
            Tamper::Quotient => requotient(1, 0),
            Tamper::QuotientDown => requotient(-1, 0),
            Tamper::WideQuotientUp => requotient(1, -(1i64 << scale)),
            Tamper::WideQuotientDown => requotient(-1, 1i64 << scale),
            Tamper::WideBorrow => requotient(-1, (1i64 << scale) - 1 - self.t),
            Tamper::WideSplit => Self {
                t: self.t + 1,
                ..self
            },
            Tamper::HighLimb => Self {
                hi: self.hi + 1,
                ..self
            },
            Tamper::Sign => Self {
                sgn: 1 - self.sgn,
                // Keep the activation consistent with the flipped sign, so only the sign's lookup fails.
                y: match act {
                    Activation::Table(_) => self.y,
                    Activation::Step { .. } => (1 - self.sgn) << scale,
                    _ => (1 - self.sgn) * self.q,
                },
                ..self
            },
            Tamper::Activation => Self {
                y: self.y + 1,
                ..self
            },
            _ => self,
        }
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
                let u = acc
                    - q * c(scale + w.bits)
                    - meta.query_advice(w.t, Rotation::cur()) * c(w.bits);
                r = r + sw * u * c(scale - w.bits);
            }
            vec![(r, table.limb)]
        });
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
        } = row;
        let wide = match (extra, self.wide) {
            (0, _) => None,
            (e, Some(w)) if w.bits == e => Some(w),
            // A row shifted by bits the circuit was not configured for would be unconstrained.
            _ => return Err(Error::Synthesis),
        };
        match wide {
            Some(w) => w.selector.enable(region, at)?,
            None => self.rescale.enable(region, at)?,
        }
        self.range.enable(region, at)?;
        match (act, self.fn_tag) {
            (Activation::None, _) => {}
            (Activation::Relu, _) => self.relu.enable(region, at)?,
            // Without the raw relu gate the row's output would be unconstrained; its offset must be
            // 0 (no bias, no rounding half) for `sgn` to be the sign of `z`.
            (Activation::RawRelu, _) if off == 0 && wide.is_none() => {
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
            let w = RequantWitness::rescaled(z, off, (scale, extra), bits, act);
            let w = tamper.map_or(w, |t| w.tampered(t, scale, bits, act));
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
            .map(|z| RequantWitness::rescaled(z, off, (scale, 0), bits, Activation::None));
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
