//! The pipeline: model → settings (calibrated, cached or from a file) → quantized graph → circuit → SRS
//! → keys, with the policies that go with it (the settings cache, which SRS may be used, the memory
//! check), and the helpers that read proofs and their keys back.

use crate::error::{refused, Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zkinfer_circuits::estimate::{available_memory, Estimate};
use zkinfer_circuits::halo2_proofs::plonk::ProvingKey;
use zkinfer_circuits::{Cost, ModelCircuit, QuantizedGraph};
use zkinfer_models::accuracy::choose_accurate;
use zkinfer_models::settings::{calibrate_peak, choose_for_peak, SettingsChoice, StoredSettings};
use zkinfer_models::{load_onnx, read_input_file, OnnxModel};
use zkinfer_prover::keys::{circuit_hash, KeyHeader, KeyStore};
use zkinfer_prover::srs::{load_or_setup, Srs};
use zkinfer_prover::{cache, G1Affine};

/// Where calibration samples come from.
pub enum Calibration<'a> {
    /// An EZKL-format file with one or more samples.
    File(&'a Path),
    /// Samples already read (from memory, e.g. the Python package's arrays); their `path` is the
    /// label the settings record as their source, so it should name the data (a content hash).
    Samples(&'a zkinfer_models::InputData),
    /// The proving input itself (used only when no settings are cached for the model).
    Input(&'a [Vec<f64>]),
    /// Only cached settings are acceptable.
    CachedOnly,
    /// A settings file written by `zkinfer calibrate`.
    Settings(&'a Path),
}

/// A model prepared for keygen or proving.
pub struct Prepared {
    /// The imported model (float graph, file path and hash).
    pub model: OnnxModel,
    /// Its settings and what they were calibrated on.
    pub stored: StoredSettings,
    /// The model quantized with those settings.
    pub graph: Arc<QuantizedGraph>,
    /// Its circuit.
    pub circuit: ModelCircuit,
    /// Rows per chip.
    pub cost: Cost,
    /// The circuit has `2^k` rows.
    pub k: u32,
    /// The circuit's hash (graph, parameters, input visibility, k): names its keys.
    pub circuit_hash: String,
    /// `--insecure-dev-srs`: a local development SRS may be used.
    pub insecure_dev_srs: bool,
    /// `--srs FILE`.
    pub srs_file: Option<PathBuf>,
}

/// Import the ONNX model at `path`; a symbolic leading input dimension (a batch axis) is 1, any
/// other symbolic dimension is refused (see [`load_model_with`]).
pub fn load_model(path: &Path) -> Result<OnnxModel> {
    Ok(load_onnx(path)?)
}

/// [`load_model`] with values for named symbolic dimensions (`--dim NAME=VALUE`).
pub fn load_model_with(path: &Path, dims: &zkinfer_models::Dims) -> Result<OnnxModel> {
    Ok(zkinfer_models::load_onnx_with(path, dims)?)
}

/// The settings cache's key of `model`: its file hash, and the values given to its symbolic
/// dimensions when there are any (another `--dim` is another graph).
fn settings_key(model: &OnnxModel) -> String {
    let given: Vec<String> = model
        .dims
        .iter()
        // A leading dimension given its default (1) is the same graph as no flag: the same key.
        .filter(|d| d.source == zkinfer_models::DimSource::Given && !(d.axis == 0 && d.value == 1))
        .map(|d| format!("{}={}", d.name, d.value))
        .collect();
    match given.is_empty() {
        true => model.hash.clone(),
        false => {
            let dims = zkinfer_prover::container::sha256_hex(given.join("\n").as_bytes());
            format!("{}-{}", model.hash, &dims[..16])
        }
    }
}

fn settings_path(model_hash: &str) -> PathBuf {
    cache::root()
        .join("models")
        .join(model_hash)
        .join("settings.json")
}

fn read_cached_settings(model_hash: &str) -> Result<Option<StoredSettings>> {
    let path = settings_path(model_hash);
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(&path).map_err(Error::io(&path))?;
    let stored = StoredSettings::from_json(&bytes, &path.display().to_string())
        .map_err(|e| refused(format!("corrupted settings in the cache: {e}")))?;
    Ok(Some(stored))
}

/// What the user fixed on the command line.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// The input is a public instance.
    pub public_input: bool,
    /// The input is private, its Poseidon commitment public.
    pub hashed_input: bool,
    /// Whether a local development SRS may be generated or used.
    pub insecure_dev_srs: bool,
    /// An SRS file to use instead of the cache.
    pub srs: Option<PathBuf>,
    /// A fixed-point scale of `2^scale` instead of the chosen one.
    pub scale: Option<u32>,
    /// A MAC layout of (activations, accumulators, neurons per accumulator) per row instead of the
    /// chosen one.
    pub lanes: Option<(usize, usize, usize)>,
    /// Lanes of the convolution check instead of the chosen ones (0: convolutions on the MAC chip).
    pub conv_lanes: Option<usize>,
    /// Dense and convolution layers' weights held this many bits finer than the activations (even,
    /// up to 8)
    /// instead of at the activations' scale.
    pub weight_bits: Option<u32>,
    /// A run that only measures or predicts (`bench`, `inspect`): the settings it chooses are not cached
    /// as the model's (a `--lanes` benchmark must not change what a later plain `prove` uses).
    pub measure_only: bool,
}

/// Settings for `model`: calibrated from a file if given, else the cached ones (re-chosen from the cached
/// calibration peak if `--scale`/`--lanes` override them), else calibrated on the proving input.
pub fn prepare(model: OnnxModel, calibration: Calibration, o: Overrides) -> Result<Prepared> {
    if let Calibration::Settings(path) = calibration {
        let bytes = std::fs::read(path).map_err(Error::io(path))?;
        let stored = StoredSettings::from_json(&bytes, &path.display().to_string())?;
        return prepare_with_settings(model, stored, o);
    }
    let choice = SettingsChoice {
        public_input: o.public_input,
        scale: o.scale,
        lanes: o.lanes,
        conv_lanes: o.conv_lanes,
        weight_bits: o.weight_bits,
        ..SettingsChoice::default()
    };
    // A file's samples are read here and then handled as samples held in memory (their label is the
    // file's path, the source the settings record).
    let read;
    let calibration = match calibration {
        Calibration::File(path) => {
            read = read_input_file(path)?;
            Calibration::Samples(&read)
        }
        other => other,
    };
    let sizes = model.graph.input_sizes();
    let overridden =
        o.scale.is_some() || o.lanes.is_some() || o.conv_lanes.is_some() || o.weight_bits.is_some();
    let cached = read_cached_settings(&settings_key(&model))?;
    // The samples themselves when there are any to check the settings on (not for cached peaks).
    let (peaks, samples, source, checked_on) = match (calibration, &cached) {
        (Calibration::File(_), _) => unreachable!("read into Samples above"),
        (Calibration::Samples(data), _) => {
            let samples = data.samples(&sizes)?;
            let peaks = calibrate_peak(&model.graph, &samples)?;
            (peaks, samples.len(), data.path.clone(), Some(samples))
        }
        // Cached peaks; when they are re-chosen (`--scale`/`--lanes`), the proving input, if there is
        // one, is what the guard checks them on.
        (calibration, Some(c)) => {
            let input = match calibration {
                Calibration::Input(input) => Some(vec![input.to_vec()]),
                _ => None,
            };
            (c.peaks(), c.samples, c.source.clone(), input)
        }
        (Calibration::Input(input), None) => (
            calibrate_peak(&model.graph, &[input.to_vec()])?,
            1,
            "the proving input (pass --calibration for settings that hold across inputs)".to_string(),
            Some(vec![input.to_vec()]),
        ),
        (Calibration::Settings(_), None) => unreachable!("handled above"),
        (Calibration::CachedOnly, None) => return Err(refused(format!(
            "{}: no settings for this model yet: run `zkinfer prove` on it first or pass --calibration cal.json",
            model.path
        ))),
    };
    let reuse = cached.filter(|c| c.source == source && !overridden);
    let (stored, graph) = match reuse {
        Some(mut stored) => {
            stored.settings.public_input = o.public_input;
            let graph = stored.quantize(&model.graph);
            (stored, graph)
        }
        None => {
            let (graph, cal) = match &checked_on {
                Some(list) => {
                    let (graph, cal, _) = choose_accurate(&model.graph, &peaks, list, &choice)?;
                    (graph, cal)
                }
                // Only a run that proves nothing and caches nothing (`inspect`) may use settings the
                // accuracy guard has not seen: anything else would cache or prove them.
                None if o.measure_only => choose_for_peak(&model.graph, &peaks, samples, &choice)?,
                None => {
                    return Err(refused(format!(
                    "{}: --scale/--lanes re-choose this model's settings, and the accuracy guard \
                         needs samples to check them: pass --calibration FILE as well",
                    model.path
                )))
                }
            };
            let stored = StoredSettings {
                settings: cal.settings,
                peak: peaks.global,
                table_spans: peaks.tables.clone(),
                samples,
                source,
            };
            if !o.measure_only {
                cache::write_atomic(
                    &settings_path(&settings_key(&model)),
                    &serde_json::to_vec_pretty(&stored)?,
                )?;
            }
            (stored, graph)
        }
    };
    finish(model, stored, graph, o)
}

/// [`prepare`] with `stored` settings (a settings file's, already parsed): cached as the model's
/// unless `o.measure_only`.
pub fn prepare_with_settings(
    model: OnnxModel,
    mut stored: StoredSettings,
    o: Overrides,
) -> Result<Prepared> {
    stored.settings.public_input = o.public_input;
    if !o.measure_only {
        cache::write_atomic(
            &settings_path(&settings_key(&model)),
            &serde_json::to_vec_pretty(&stored)?,
        )?;
    }
    let graph = stored.quantize(&model.graph);
    finish(model, stored, graph, o)
}

/// Build the circuit of the quantized graph and name it.
fn finish(
    model: OnnxModel,
    stored: StoredSettings,
    graph: QuantizedGraph,
    o: Overrides,
) -> Result<Prepared> {
    let graph = Arc::new(graph);
    let mut params = stored.settings.circuit_params(&graph);
    params.hashed_input = o.hashed_input;
    let circuit = ModelCircuit::new(graph.clone(), params, o.public_input && !o.hashed_input);
    let (cost, k) = circuit.cost()?;
    if k > zkinfer_prover::srs::MAX_K {
        return Err(refused(format!(
            "{}: the circuit needs 2^{k} rows ({} rows of work), more than the 2^{} zkinfer proves; \
             lower the scale (--scale) or use a smaller model",
            model.path,
            cost.rows(),
            zkinfer_prover::srs::MAX_K
        )));
    }
    let circuit_hash = circuit_hash(&graph, &circuit.params, o.public_input, k);
    Ok(Prepared {
        model,
        stored,
        graph,
        circuit,
        cost,
        k,
        circuit_hash,
        insecure_dev_srs: o.insecure_dev_srs,
        srs_file: o.srs.clone(),
    })
}

impl Overrides {
    /// The SRSs a key file may come from under these overrides.
    pub fn srs_policy(&self) -> crate::verifying::SrsPolicy {
        crate::verifying::SrsPolicy {
            srs_file: self.srs.clone(),
            insecure_dev_srs: self.insecure_dev_srs,
        }
    }
}

impl Prepared {
    /// The header of this circuit's keys made with `srs`.
    pub fn key_header(&self, srs: &Srs) -> Result<KeyHeader> {
        Ok(KeyHeader {
            circuit_hash: self.circuit_hash.clone(),
            params: self.circuit.params,
            k: self.k,
            num_instances: self.circuit.num_instances()?,
            num_inputs: self.circuit.num_input_instances()?,
            srs_hash: srs.hash.clone(),
            srs_kind: srs.kind,
            format: zkinfer_prover::keys::CIRCUIT_FORMAT.to_string(),
        })
    }

    /// The input (one flat list per model input) at the model's fixed-point scale.
    pub fn quantize_inputs(&self, input: &[Vec<f64>]) -> Result<Vec<zkinfer_circuits::QTensor>> {
        let shapes = self.graph.shapes()?;
        let scale = self.stored.settings.scale;
        self.graph
            .input_nodes()
            .iter()
            .zip(input)
            .map(|(node, values)| {
                zkinfer_circuits::QTensor::from_f64(shapes[*node].clone(), values, scale)
                    .ok_or_else(|| {
                        refused(format!(
                            "input '{}': {} values do not fit its shape {:?}",
                            self.graph.nodes[*node].name,
                            values.len(),
                            shapes[*node]
                        ))
                    })
            })
            .collect()
    }

    /// Where this circuit's keys are cached.
    pub fn store(&self) -> KeyStore {
        KeyStore::for_circuit(&self.circuit_hash)
    }

    /// The SRS to prove with: the `--srs` file, else the imported ceremony for this `k` in the cache,
    /// else (only when allowed) a local development SRS, generated and cached on first use.
    pub fn srs(&self) -> Result<Srs> {
        let srs = {
            let _lock = zkinfer_prover::cache::lock()?;
            if let Some(path) = &self.srs_file {
                let srs = zkinfer_prover::srs::load_file(path, self.k)?;
                if srs.kind == zkinfer_prover::SrsKind::LocalDev && !self.insecure_dev_srs {
                    return Err(refused(format!(
                        "{}: a local development SRS (INSECURE): pass --insecure-dev-srs to use it",
                        path.display()
                    )));
                }
                srs
            } else if self.insecure_dev_srs {
                load_or_setup(self.k)?
            } else {
                match zkinfer_prover::srs::load_cached(self.k)? {
                    Some(srs) if srs.kind != zkinfer_prover::SrsKind::LocalDev => srs,
                    _ => return Err(refused(format!(
                        "no ceremony SRS for k={} in {}: import one with `zkinfer srs import FILE.ptau`, \
                         or pass --insecure-dev-srs for a local development setup (INSECURE: whoever \
                         made it can forge proofs)",
                        self.k,
                        cache::root().join("srs").display()
                    ))),
                }
            }
        };
        Ok(srs)
    }

    /// The proving key from the cache, or generated (and cached) now. Returns whether it was generated.
    pub fn proving_key(&self, srs: &Srs) -> Result<(ProvingKey<G1Affine>, bool)> {
        let header = self.key_header(srs)?;
        let store = self.store();
        let _lock = zkinfer_prover::cache::lock()?;
        match store.load_pk(&header) {
            Ok(Some(pk)) => Ok((pk, false)),
            Ok(None) => Ok((store.keygen(srs, &self.circuit, &header)?, true)),
            Err(e) => Err(e.into()),
        }
    }

    /// Make sure keys of this circuit made with `srs` exist (keygen if not, or if the cached ones were
    /// made with another SRS) and return the verifying-key path.
    pub fn ensure_keys(&self, srs: &Srs) -> Result<PathBuf> {
        let (store, header) = (self.store(), self.key_header(srs)?);
        let current = match store.vk_path().exists() && store.pk_path().exists() {
            true => zkinfer_prover::keys::read_vk(&store.vk_path())?.header == header,
            false => false,
        };
        if !current {
            let _lock = zkinfer_prover::cache::lock()?;
            store.keygen(srs, &self.circuit, &header)?;
        }
        Ok(store.vk_path())
    }

    /// This circuit's verifying key made with `srs` (from the cache, or keygen now and cached).
    pub fn verifier_key(&self, srs: &Srs) -> Result<zkinfer_prover::VerifierKey> {
        Ok(zkinfer_prover::keys::read_vk(&self.ensure_keys(srs)?)?)
    }

    /// What proving will cost, predicted before keygen.
    pub fn estimate(&self) -> Estimate {
        Estimate::of(&self.cost, self.k, &self.circuit.params)
    }

    /// Refuse (with the numbers) a run predicted to need more memory than the machine has, unless forced.
    pub fn check_memory(&self, force: bool) -> Result<()> {
        let e = self.estimate();
        match available_memory() {
            Some(avail) if e.peak_ram_bytes > avail && !force => Err(refused(format!(
                "{}: proving at k={} is predicted to need {} of memory ({} proving key in memory), {} is available; \
                 lower the scale (--scale) or pass --force to try anyway",
                self.model.path,
                e.k,
                mib(e.peak_ram_bytes),
                mib(e.pk_bytes),
                mib(avail)
            ))),
            _ => Ok(()),
        }
    }

    /// Columns as (advice, fixed incl. table, lookups).
    pub fn columns(&self) -> (usize, usize, usize) {
        self.circuit.params.columns()
    }
}

/// Bytes as MiB, for messages.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1u32 << 20))
}

/// A proof file whose decoded outputs are its instances, and its EVM calldata (instances, then proof).
pub fn read_proof_calldata(path: &Path) -> Result<(zkinfer_prover::ProofArtifact, Vec<u8>)> {
    let artifact = zkinfer_prover::ProofArtifact::read(path)?;
    artifact
        .check_outputs_match_instances()
        .map_err(|e| refused(format!("{}: {e}", path.display())))?;
    let calldata = zkinfer_verifier_contract::encode_calldata(
        &artifact.instances()?,
        &artifact.proof_bytes()?,
    );
    Ok((artifact, calldata))
}

/// The verifying key for a proof: the key file `vk` if given, else the cached one for the proof's
/// circuit. Checks that the key is the one the proof names (which says nothing about whether the key is
/// trustworthy: see `zkinfer verify`).
pub fn verifier_key_for(
    artifact: &zkinfer_prover::ProofArtifact,
    vk: Option<&Path>,
) -> Result<zkinfer_prover::VerifierKey> {
    let path = match vk {
        Some(p) => p.to_path_buf(),
        None => {
            let p = KeyStore::for_circuit(&artifact.circuit_hash).vk_path();
            if !p.exists() {
                return Err(refused(format!(
                    "no verifying key for circuit {} in {}: pass --vk",
                    artifact
                        .circuit_hash
                        .get(..16)
                        .unwrap_or(&artifact.circuit_hash),
                    cache::root().display()
                )));
            }
            p
        }
    };
    let key = zkinfer_prover::keys::read_vk(&path)?;
    if key.header.circuit_hash != artifact.circuit_hash {
        return Err(refused(format!(
            "{}: verifying key is for circuit {}, the proof is for circuit {}",
            path.display(),
            &key.header.circuit_hash[..16],
            artifact
                .circuit_hash
                .get(..16)
                .unwrap_or(&artifact.circuit_hash)
        )));
    }
    if key.hash != artifact.vk_hash {
        return Err(refused(format!(
            "{}: verifying key hash {} differs from the proof's vk_hash {}",
            path.display(),
            &key.hash[..16],
            &artifact.vk_hash
        )));
    }
    Ok(key)
}
