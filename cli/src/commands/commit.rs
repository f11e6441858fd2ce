//! `zkinfer commit model.onnx input.json`: the input commitment a requester posts to `InferenceMarket`:
//! `keccak256` of the input's public instance words (the input quantized with the model's settings, each a
//! 32-byte big-endian field element), i.e. what a proof made with `--public-input` starts with. With
//! `--hashed-input` the only input instance is the input's Poseidon commitment (printed too), and the
//! market commitment is `keccak256` of that one word.

use crate::pipeline::{committed_words, load_model, prepare, Calibration, SettingsArgs};
use anyhow::Result;
use std::path::PathBuf;
use zkinfer_models::read_input_file;
use zkinfer_verifier_contract::market::input_commitment;

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// The input, EZKL format.
    input: PathBuf,
    #[command(flatten)]
    settings: SettingsArgs,
}

pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let input = read_input_file(&args.input)?.single(&model.graph.input_sizes())?;
    let calibration = args.settings.calibration(Calibration::Input(&input));
    let mut overrides = args.settings.overrides();
    overrides.public_input = !overrides.hashed_input;
    let prep = prepare(model, calibration, overrides.clone())?;
    let scale = prep.stored.settings.scale;
    let words = committed_words(&prep, &input, overrides.hashed_input)?;
    if overrides.hashed_input {
        eprintln!(
            "Poseidon commitment of the input (the proof's first instance): {}",
            zkinfer_prover::artifact::fr_to_hex(&words[0])
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
