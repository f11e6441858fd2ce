//! `zkinfer`: prove that an ONNX model produced an output, verify it natively or in an EVM.
//! One file per subcommand under `commands/`; shared model/key plumbing in `pipeline.rs`.

mod commands;
mod pipeline;
mod ui;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "zkinfer",
    version,
    about = "Zero-knowledge proofs of ONNX inference (halo2, KZG/BN254), verifiable on EVM chains"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Choose scale, ranges and layout from calibration samples; print a per-layer report.
    Calibrate(commands::calibrate::Args),
    /// Prove one inference of a model on an input and write proof.json.
    Prove(commands::prove::Args),
    /// Verify proof.json natively against the cached (or given) verifying key.
    Verify(commands::verify::Args),
    /// Write the shared Solidity verifier and a model's verifying key (vk.json), or --legacy Solidity.
    ExportVerifier(commands::export_verifier::Args),
    /// Deploy the shared verifier and a model's verifying-key contract on a node (--rpc URL).
    Deploy(commands::deploy::Args),
    /// Verify proof.json with a deployed verifying-key contract: eth_call, then a transaction.
    VerifyOnchain(commands::verify_onchain::Args),
    /// Requester side of InferenceMarket: deploy one, post a job (and publish its input), refund.
    Market(commands::market::Args),
    /// Import a ceremony's .ptau as the SRS (checked with arkworks), or re-check a stored SRS.
    Srs(commands::srs::Args),
    /// Prover node: watch an InferenceMarket for this model's jobs, prove them, submit, collect rewards.
    Worker(commands::worker::Args),
    /// Measure native inference, witness, keygen, prove, verify (medians), memory, proof size and gas.
    Bench(commands::bench::Args),
    /// Print the input commitment (keccak256 of the input's instance words) a market job posts.
    Commit(commands::commit::Args),
    /// Predict k, rows, columns, proving-key size, peak memory and proving time before any keygen.
    Inspect(commands::inspect::Args),
    /// List the supported ONNX operators (markdown).
    Ops(commands::ops::Args),
    /// Verify proof.json in an in-process EVM (revm) with zkinfer's verifier; prints gas and sizes.
    VerifyEvm(commands::verify_evm::Args),
}

fn main() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned());
        if msg.as_deref().is_some_and(|m| m.contains("Broken pipe")) {
            // The reader went away (e.g. `| head`): stop quietly, as other command-line tools do.
            std::process::exit(141);
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "error: internal error: {}{at} (please report this)",
            msg.unwrap_or_default().replace('\n', " ")
        );
    }));
    let cli = Cli::parse();
    // Every command does field arithmetic; on a CPU the build's assembly cannot run on, say so first.
    let result = zkinfer_prover::cpu::check()
        .map_err(anyhow::Error::from)
        .and_then(|()| match cli.command {
            Command::Calibrate(a) => commands::calibrate::run(a),
            Command::Prove(a) => commands::prove::run(a),
            Command::Verify(a) => commands::verify::run(a),
            Command::ExportVerifier(a) => commands::export_verifier::run(a),
            Command::Deploy(a) => commands::deploy::run(a),
            Command::VerifyOnchain(a) => commands::verify_onchain::run(a),
            Command::Worker(a) => commands::worker::run(a),
            Command::Market(a) => commands::market::run(a),
            Command::Srs(a) => commands::srs::run(a),
            Command::VerifyEvm(a) => commands::verify_evm::run(a),
            Command::Ops(a) => commands::ops::run(a),
            Command::Inspect(a) => commands::inspect::run(a),
            Command::Bench(a) => commands::bench::run(a),
            Command::Commit(a) => commands::commit::run(a),
        });
    if let Err(e) = result {
        eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
        std::process::exit(1);
    }
}
