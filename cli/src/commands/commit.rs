//! `zkinfer commit model.onnx input.json`: the input commitment a requester posts to `InferenceMarket`:
//! `keccak256` of the input's public instance words (the input quantized with the model's settings, each a
//! 32-byte big-endian field element), i.e. what a proof made with `--public-input` starts with. With
//! `--hashed-input` the only input instance is the input's Poseidon commitment (printed too), and the
//! market commitment is `keccak256` of that one word.
//!
//! The Poseidon commitment starts from the input file's `"salt"` (zero without one, with a warning: a
//! low-entropy input is then found by hashing candidates). `--new-salt OUT` draws a random salt and
//! writes the input with it to `OUT`, the file to hand privately to the worker.

use crate::pipeline::{committed_words, load_model, prepare, Calibration, SettingsArgs};
use anyhow::{bail, Context, Result};
use rand::RngCore;
use std::path::{Path, PathBuf};
use zkinfer_circuits::Fr;
use zkinfer_models::read_input_file;
use zkinfer_prover::artifact::fr_to_hex;
use zkinfer_verifier_contract::market::input_commitment;

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// The input, EZKL format (with `"salt": "0x..."` for a salted --hashed-input commitment).
    input: PathBuf,
    /// With --hashed-input: draw a random salt and write the input with it to this file (hand it to
    /// the worker privately; whoever has it can open the commitment).
    #[arg(long, value_name = "OUT")]
    new_salt: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingsArgs,
}

/// A uniformly random 248-bit salt (31 bytes: always below the field order).
fn random_salt() -> Fr {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes[..31]);
    Fr::from_bytes(&bytes).expect("248 bits are below r")
}

/// `input` with `"salt"` set, written atomically to `out`.
fn write_salted(input: &Path, salt: &Fr, out: &Path) -> Result<()> {
    let text = std::fs::read(input).with_context(|| input.display().to_string())?;
    let mut json: serde_json::Value =
        serde_json::from_slice(&text).with_context(|| input.display().to_string())?;
    let Some(object) = json.as_object_mut() else {
        bail!("{}: not a JSON object", input.display());
    };
    object.insert("salt".into(), fr_to_hex(salt).into());
    zkinfer_prover::cache::write_atomic(out, &serde_json::to_vec_pretty(&json)?)
        .with_context(|| out.display().to_string())
}

pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let file = read_input_file(&args.input)?;
    let input = file.single(&model.graph.input_sizes())?;
    let calibration = args.settings.calibration(Calibration::Input(&input));
    let mut overrides = args.settings.overrides();
    overrides.public_input = !overrides.hashed_input;
    let mut salt = file.salt;
    if let Some(out) = &args.new_salt {
        if !overrides.hashed_input {
            bail!("--new-salt: a salt only applies to a --hashed-input commitment");
        }
        if salt.is_some() {
            bail!("--new-salt: {} already has a salt", args.input.display());
        }
        let fresh = random_salt();
        write_salted(&args.input, &fresh, out)?;
        eprintln!(
            "salted input written to {} (keep it private)",
            out.display()
        );
        salt = Some(fresh);
    }
    let prep = prepare(model, calibration, overrides.clone())?;
    let scale = prep.stored.settings.scale;
    let words = committed_words(&prep, &input, overrides.hashed_input, salt)?;
    if overrides.hashed_input {
        if salt.is_none() {
            eprintln!(
                "warning: {} has no salt: a low-entropy input can be recovered from this commitment by \
                 hashing candidates (--new-salt OUT writes a salted copy)",
                args.input.display()
            );
        }
        eprintln!(
            "Poseidon commitment of the input (the proof's first instance): {}",
            fr_to_hex(&words[0])
        );
    }
    println!("0x{}", hex::encode(input_commitment(&words)));
    eprintln!(
        "({} input instances at scale 2^{scale}; post it with numInputs = {})",
        words.len(),
        words.len()
    );
    Ok(())
}
