//! Fixed-point rules, defined once: how reals become integers, how a product is brought back to the
//! activation scale, and how signed integers map into the field.
//!
//! Every tensor in a zkinfer graph lives at scale `2^s` (`s` fractional bits). A product of two such values
//! lives at `2^(2s)` and is brought back with [`rescale`], which rounds half up:
//! `q = floor((acc + 2^(s-1)) / 2^s)` with remainder `r = acc + 2^(s-1) - q·2^s ∈ [0, 2^s)`.
//! The circuit constrains exactly this identity (see `chips::requant`).

use crate::Fr;
use halo2_proofs::halo2curves::ff::PrimeField;

/// Quantize a real to the nearest integer multiple of `2^-scale` (ties away from zero).
pub fn quantize(x: f64, scale: u32) -> i64 {
    (x * (1u64 << scale) as f64).round() as i64
}

/// The real value of a fixed-point integer at scale `2^scale`.
pub fn dequantize(v: i64, scale: u32) -> f64 {
    v as f64 / (1u64 << scale) as f64
}

/// The rounding offset added before the floor division: `2^(shift-1)`, or 0 for `shift == 0`.
pub fn half(shift: u32) -> i64 {
    if shift == 0 {
        0
    } else {
        1i64 << (shift - 1)
    }
}

/// Divide `acc` by `2^shift`, rounding half up. Returns `(q, r)` with `acc + half(shift) = q·2^shift + r`
/// and `0 <= r < 2^shift`.
pub fn rescale(acc: i64, shift: u32) -> (i64, i64) {
    // In i128: `acc + half` must not overflow for an accumulator near i64's limits.
    let shifted = i128::from(acc) + i128::from(half(shift));
    let q = shifted.div_euclid(1i128 << shift);
    let r = shifted.rem_euclid(1i128 << shift);
    // |q| ≤ |acc| / 2^shift + 1 and r < 2^shift: both fit.
    (q as i64, r as i64)
}

/// How closely a constant coefficient (a mean's `1/n`, a pool's `1/area`, a folded BatchNorm factor, a
/// division by a constant) must be represented: its quantized value is within this fraction of it.
pub const COEFFICIENT_PRECISION: f64 = 1.0 / 1024.0;

/// The finest scale a constant coefficient is held at, `2^(s+e) ≤ 2^24`: a coefficient of magnitude
/// `c` is a weight of `c·2^24` at most, its bias at `2^(2s+e) ≤ 2^40`, far from i64's limits.
pub const MAX_COEFFICIENT_SCALE: u32 = 24;

/// The extra fractional bits `e` (beyond the activation scale `2^scale`) a constant coefficient `c`
/// needs so that `round(c·2^(scale+e))` is within [`COEFFICIENT_PRECISION`] of `c·2^(scale+e)`
/// (relative): 0 when the activation scale already holds it (powers of two, large factors), at most
/// `scale` (the most the requant chip's wide rescale can shift) and at most [`MAX_COEFFICIENT_SCALE`]`
/// - scale` (so weights and biases stay far inside i64); the accuracy guard judges what is left.
pub fn coefficient_bits(c: f64, scale: u32) -> u32 {
    let cap = scale.min(MAX_COEFFICIENT_SCALE.saturating_sub(scale));
    if c == 0.0 || !c.is_finite() {
        return 0;
    }
    (0..=cap)
        .find(|e| {
            let exact = c * (1u64 << (scale + e)) as f64;
            (exact.round() - exact).abs() <= COEFFICIENT_PRECISION * exact.abs()
        })
        .unwrap_or(cap)
}

/// A signed integer as a field element (negative values wrap to `p - |v|`).
pub fn to_field(v: i64) -> Fr {
    let f = Fr::from(v.unsigned_abs());
    if v < 0 {
        -f
    } else {
        f
    }
}

/// A 32-byte word written as 0x-hex (1 to 64 digits, big-endian, as the EVM and `proof.json` write it)
/// that is a canonical field element: a binding word, a salt. `None` otherwise.
pub fn word_from_hex(s: &str) -> Option<Fr> {
    let digits = s.strip_prefix("0x")?;
    if digits.is_empty() || digits.len() > 64 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let padded = format!("{digits:0>64}");
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&padded[2 * i..2 * i + 2], 16).ok()?;
    }
    bytes.reverse();
    Option::from(Fr::from_repr(bytes))
}

/// The signed integer a field element encodes, if it lies in `(-2^63, 2^63)`.
pub fn from_field(f: &Fr) -> Option<i64> {
    let small = |x: &Fr| -> Option<i64> {
        let repr = x.to_repr();
        let bytes = repr.as_ref();
        if bytes[8..].iter().any(|b| *b != 0) {
            return None;
        }
        let v = u64::from_le_bytes(bytes[..8].try_into().ok()?);
        i64::try_from(v).ok()
    };
    small(f).or_else(|| small(&-*f).map(|v| -v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_rounds_half_up_with_remainder_in_range() {
        // 2.5 * 4 = 10 at shift 2 -> 10/4 = 2.5 -> 3; -10/4 = -2.5 -> -2 (half up)
        assert_eq!(rescale(10, 2), (3, 0));
        assert_eq!(rescale(-10, 2), (-2, 0));
        assert_eq!(rescale(9, 2), (2, 3)); // 2.25 -> 2
        assert_eq!(rescale(-9, 2), (-2, 1)); // -2.25 -> -2
        for acc in -1000..1000 {
            let (q, r) = rescale(acc, 5);
            assert!((0..32).contains(&r));
            assert_eq!(acc + 16, q * 32 + r);
            assert!((q as f64 - acc as f64 / 32.0).abs() <= 0.5);
        }
    }

    #[test]
    fn field_roundtrip_of_signed_values() {
        for v in [0i64, 1, -1, 12345, -12345, i64::MAX / 2, -(i64::MAX / 2)] {
            assert_eq!(from_field(&to_field(v)), Some(v));
        }
        assert_eq!(from_field(&(Fr::from(u64::MAX) * Fr::from(u64::MAX))), None);
    }

    #[test]
    fn coefficient_bits_reach_the_precision_or_the_cap() {
        // Powers of two and integers need nothing; 1/300 at 2^10 needs 2^17 (218/65536 is 0.2% off,
        // 437/131072 is 0.02% off).
        assert_eq!(coefficient_bits(0.25, 10), 0);
        assert_eq!(coefficient_bits(-3.0, 10), 0);
        assert_eq!(coefficient_bits(0.0, 10), 0);
        assert_eq!(coefficient_bits(1.0 / 300.0, 10), 7);
        // 1/49 (a 7x7 pool) at 2^8.
        let e = coefficient_bits(1.0 / 49.0, 8);
        let exact = (1u64 << (8 + e)) as f64 / 49.0;
        assert!((exact.round() - exact).abs() <= COEFFICIENT_PRECISION * exact);
        assert!(e > 0 && e <= 8);
        // A factor too small for any width gets the cap: the scale, or what 2^24 leaves above it.
        assert_eq!(coefficient_bits(1e-9, 6), 6);
        assert_eq!(coefficient_bits(1e-9, 16), 8);
        assert_eq!(coefficient_bits(1.0 / 300.0, 16), 1);
    }

    #[test]
    fn quantize_dequantize() {
        assert_eq!(quantize(0.5, 7), 64);
        assert_eq!(quantize(-0.5, 7), -64);
        assert_eq!(dequantize(quantize(1.25, 4), 4), 1.25);
    }
}
