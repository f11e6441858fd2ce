//! `zkinfer ops`: the supported ONNX operators, as the markdown table the README shows.

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<()> {
    print!("{}", zkinfer_models::supported::markdown_table());
    Ok(())
}
