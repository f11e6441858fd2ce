//! The settings every entry point shares, as the Python layer sends them (a JSON object of its keyword
//! arguments), turned into the library's [`Overrides`] and [`Calibration`].

use crate::py_err;
use pyo3::PyResult;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use zkinfer::pipeline::{load_model_with, prepare, Calibration, Overrides, Prepared};
use zkinfer_models::{parse_input, InputData, OnnxModel};

/// The keyword arguments of `zkinfer.Prover`, `zkinfer.inspect`, `zkinfer.export_verifier` and of
/// `zkinfer.verify(model=...)`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// An EZKL-format calibration file.
    #[serde(default)]
    pub calibration: Option<PathBuf>,
    /// Calibration samples given as arrays: EZKL-format JSON written by the Python layer.
    #[serde(default)]
    pub samples: Option<String>,
    /// A settings file written by `zkinfer.calibrate(..., output=...)` or `zkinfer calibrate -o`.
    #[serde(default)]
    pub settings: Option<PathBuf>,
    /// `"private"` (default), `"public"` or `"hashed"`.
    #[serde(default)]
    pub input_visibility: Option<String>,
    /// Allow a local development SRS (INSECURE).
    #[serde(default)]
    pub insecure_dev_srs: bool,
    /// An SRS file (a ceremony `.ptau` or a stored SRS).
    #[serde(default)]
    pub srs: Option<PathBuf>,
    /// A fixed-point scale of `2^scale`.
    #[serde(default)]
    pub scale: Option<u32>,
    /// A MAC layout (activations, accumulators, neurons per accumulator).
    #[serde(default)]
    pub lanes: Option<(usize, usize, usize)>,
    /// Lanes of the convolution check (0: convolutions on the MAC chip).
    #[serde(default)]
    pub conv_lanes: Option<usize>,
    /// Dense and convolution layers' weights held this many bits finer than the activations.
    #[serde(default)]
    pub weight_bits: Option<u32>,
    /// Values of the model's symbolic input dimensions.
    #[serde(default)]
    pub dims: BTreeMap<String, usize>,
    /// Prove even if the predicted peak memory exceeds what the machine has.
    #[serde(default)]
    pub force: bool,
}

impl Options {
    /// Parse the Python layer's options.
    pub fn parse(json: &str) -> PyResult<Self> {
        serde_json::from_str(json).map_err(|e| py_err(format!("options: {e}")))
    }

    /// The library's overrides; `measure_only` for calls that must not cache settings.
    pub fn overrides(&self, measure_only: bool) -> PyResult<Overrides> {
        let (public_input, hashed_input) = match self.input_visibility.as_deref() {
            None | Some("private") => (false, false),
            Some("public") => (true, false),
            Some("hashed") => (false, true),
            Some(other) => {
                return Err(py_err(format!(
                    "input_visibility='{other}': expected 'private', 'public' or 'hashed'"
                )))
            }
        };
        if let Some(d) = self.dims.iter().find(|(_, v)| **v == 0) {
            return Err(py_err(format!(
                "dims: '{}' is 0; a dimension is at least 1",
                d.0
            )));
        }
        Ok(Overrides {
            public_input,
            hashed_input,
            insecure_dev_srs: self.insecure_dev_srs,
            srs: self.srs.clone(),
            scale: self.scale,
            lanes: self.lanes,
            conv_lanes: self.conv_lanes,
            weight_bits: self.weight_bits,
            measure_only,
        })
    }

    /// Import `model` with the `dims` given.
    pub fn load_model(&self, model: &std::path::Path) -> PyResult<OnnxModel> {
        let dims = self.dims.clone().into_iter().collect();
        load_model_with(model, &dims).map_err(py_err)
    }

    /// The calibration samples given as arrays, parsed.
    pub fn samples(&self) -> PyResult<Option<InputData>> {
        let Some(json) = &self.samples else {
            return Ok(None);
        };
        let hash = zkinfer_prover::container::sha256_hex(json.as_bytes());
        let label = format!("calibration samples (sha256 {})", &hash[..16]);
        parse_input(json.as_bytes(), &label)
            .map(Some)
            .map_err(py_err)
    }

    /// Prepare `model`: from the settings file, the calibration file or samples if one is given, else
    /// `fallback` (the settings cached for the model, or the proving input).
    pub fn prepare(
        &self,
        model: OnnxModel,
        fallback: Calibration,
        measure_only: bool,
    ) -> PyResult<Prepared> {
        let given = [
            self.settings.is_some(),
            self.calibration.is_some(),
            self.samples.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(py_err(
                "give at most one of settings=, calibration= (a file) and calibration= (arrays)",
            ));
        }
        let samples = self.samples()?;
        let calibration = match (&self.settings, &self.calibration, &samples) {
            (Some(path), _, _) => Calibration::Settings(path),
            (None, Some(path), _) => Calibration::File(path),
            (None, None, Some(data)) => Calibration::Samples(data),
            (None, None, None) => fallback,
        };
        self.prepare_with(model, calibration, measure_only)
    }

    /// Prepare `model` with `calibration` and these options' overrides.
    pub fn prepare_with(
        &self,
        model: OnnxModel,
        calibration: Calibration,
        measure_only: bool,
    ) -> PyResult<Prepared> {
        prepare(model, calibration, self.overrides(measure_only)?).map_err(py_err)
    }
}
