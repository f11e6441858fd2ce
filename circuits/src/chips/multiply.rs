//! Product of two witnesses on the requant chip's columns: a product row `z = a`, `q = b` (copies),
//! `y = a·b` (gate `y - z·q = 0`), followed by an ordinary rescale row of `y` (the requant chip copies it
//! into its `z`). Two rows per product.

use super::requant::RequantConfig;
use super::Wire;
use crate::Fr;
use halo2_proofs::circuit::Region;
use halo2_proofs::plonk::{ConstraintSystem, Error, Selector};
use halo2_proofs::poly::Rotation;

/// The multiply gate, on the requant chip's `z`, `q` and `y` columns.
#[derive(Clone, Debug)]
pub struct MultiplyConfig {
    /// Turns on the `multiply` gate `y = z·q` on a product row.
    pub enable: Selector,
}

impl MultiplyConfig {
    /// Create the selector and the `multiply` gate `y - z·q = 0` over `requant`'s columns.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, requant: &RequantConfig) -> Self {
        let enable = meta.selector();
        meta.create_gate("multiply", |meta| {
            let s = meta.query_selector(enable);
            let a = meta.query_advice(requant.z, Rotation::cur());
            let b = meta.query_advice(requant.q, Rotation::cur());
            let y = meta.query_advice(requant.y, Rotation::cur());
            vec![s * (y - a * b)]
        });
        Self { enable }
    }

    /// Assign the product row `a·b` at `row`; `corrupt` adds 1 to the product (for soundness tests).
    /// Returns the product's wire (exact, at scale `2^2s`).
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        requant: &RequantConfig,
        row: usize,
        (a, b): (&Wire, &Wire),
        corrupt: bool,
    ) -> Result<Wire, Error> {
        self.enable.enable(region, row)?;
        let ac = region.assign_advice(requant.z, row, a.field());
        region.constrain_equal(ac.cell(), a.cell);
        let bc = region.assign_advice(requant.q, row, b.field());
        region.constrain_equal(bc.cell(), b.cell);
        let product = match (a.value, b.value) {
            (Some(a), Some(b)) => Some(
                a.checked_mul(b)
                    .ok_or(Error::Synthesis)?
                    .saturating_add(i64::from(corrupt)),
            ),
            _ => None,
        };
        let yc = region.assign_advice(requant.y, row, super::field_value(product));
        Ok(Wire {
            cell: yc.cell(),
            value: product,
        })
    }
}
