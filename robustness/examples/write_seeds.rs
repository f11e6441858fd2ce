//! Write every target's seeds as a fuzzing corpus: `DIR/<target>/seed-<i>`.
//! `cargo run --release -p zkinfer-robustness --example write_seeds -- DIR`

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: write_seeds DIR");
        std::process::exit(2);
    };
    for (name, _) in zkinfer_robustness::TARGETS {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder)?;
        for (i, seed) in zkinfer_robustness::seeds(name).iter().enumerate() {
            std::fs::write(folder.join(format!("seed-{i}")), seed)?;
        }
    }
    Ok(())
}
