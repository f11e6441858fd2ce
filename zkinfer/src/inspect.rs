//! What a prepared model's circuit is and what proving it will cost, before any keygen.

use crate::pipeline::Prepared;
use serde::Serialize;
use zkinfer_circuits::estimate::{available_memory, Estimate};
use zkinfer_circuits::Cost;
use zkinfer_models::settings::Settings;

/// A model's circuit and its predicted cost (`zkinfer inspect`).
#[derive(Clone, Debug, Serialize)]
pub struct Inspection {
    /// The model file.
    pub model: String,
    /// The fixed-point settings.
    pub settings: Settings,
    /// What the settings were calibrated on.
    pub calibrated_on: String,
    /// Rows per chip.
    pub cost: Cost,
    /// k, columns, proving-key size, peak memory and proving time, predicted.
    pub estimate: Estimate,
    /// Memory available to a new process now, when the platform says.
    pub available_memory_bytes: Option<u64>,
}

impl Prepared {
    /// This model's circuit and its predicted cost.
    pub fn inspect(&self) -> Inspection {
        Inspection {
            model: self.model.path.clone(),
            settings: self.stored.settings,
            calibrated_on: self.stored.source.clone(),
            cost: self.cost,
            estimate: self.estimate(),
            available_memory_bytes: available_memory(),
        }
    }
}
