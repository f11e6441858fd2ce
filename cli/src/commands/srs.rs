//! `zkinfer srs import FILE.ptau [-k K] [-o FILE]` and `zkinfer srs verify FILE`: a public ceremony's SRS.
//! Import checks the powers with arkworks before anything is stored (see `zkinfer_prover::ptau`); the
//! cached SRS then serves every circuit of up to 2^k rows instead of a local dev setup.

use anyhow::Result;
use std::path::PathBuf;
use std::time::Instant;
use zkinfer_prover::srs::{export_ptau, import_ptau, verify_file};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Import (and check) a snarkjs / Perpetual Powers of Tau .ptau file into the SRS cache.
    Import {
        /// The .ptau file (BN254).
        ptau: PathBuf,
        /// How many powers to keep: 2^k (default: all the file has).
        #[arg(short)]
        k: Option<u32>,
        /// Write the checked SRS to this file instead of the cache (use it with `--srs FILE`).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Re-check a stored SRS file (`<cache>/srs/kzg_bn254_k{K}.srs`).
    Verify {
        /// The stored SRS file.
        file: PathBuf,
    },
}

pub fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    match args.action {
        Action::Import { ptau, k, output } => {
            let srs = match output {
                Some(out) => export_ptau(&ptau, k, &out)?,
                None => import_ptau(&ptau, k)?,
            };
            println!(
                "imported k={} from {} ({}) into {} in {:.2} s",
                srs.k,
                ptau.display(),
                srs.kind,
                srs.path.display(),
                start.elapsed().as_secs_f64()
            );
        }
        Action::Verify { file } => {
            let (k, kind) = verify_file(&file)?;
            println!(
                "{}: k={k}, {kind}: powers consistent (checked in {:.2} s)",
                file.display(),
                start.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
