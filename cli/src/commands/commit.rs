//! `zkinfer commit model.onnx input.json`: the input commitment a requester posts to `InferenceMarket`:
//! `keccak256` of the input's public instance words (the input quantized with the model's settings, each a
//! 32-byte big-endian field element), i.e. what a proof made with `--public-input` starts with. With
//! `--hashed-input` the only input instance is the input's Poseidon commitment (printed too), and the
//! market commitment is `keccak256` of that one word.
//!
//! The Poseidon commitment starts from the input file's `"salt"` (zero without one, with a warning: a
//! low-entropy input is then found by hashing candidates). `--new-salt OUT` draws a random salt and
//! writes the input with it to `OUT`, the file to hand privately to the worker.

use crate::pipeline::{committed_words, prepare, Calibration, SettingsArgs};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use zkinfer::commitment::{random_salt, with_salt};
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

pub fn run(args: Args) -> Result<()> {
    let model = args.settings.load_model(&args.model)?;
    let file = read_input_file(&args.input)?;
    let input = file.for_model(&model.graph)?;
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
        zkinfer_prover::cache::write_atomic(out, &with_salt(&args.input, &fresh)?)
            .with_context(|| out.display().to_string())?;
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
