//! The settings flags the subcommands share, parsed into the library's [`zkinfer::Overrides`] and
//! [`zkinfer::Calibration`]; the pipeline itself lives in the `zkinfer` crate (re-exported here).

use std::path::PathBuf;
pub use zkinfer::commitment::committed_words;
pub use zkinfer::pipeline::*;

/// [`Prepared::srs`], saying on stderr which SRS it is (a local development SRS is INSECURE).
pub fn load_srs(prep: &Prepared) -> anyhow::Result<zkinfer_prover::Srs> {
    let srs = prep.srs()?;
    say_srs(&srs);
    Ok(srs)
}

/// Say on stderr which SRS is used (a local development SRS is INSECURE).
pub fn say_srs(srs: &zkinfer_prover::Srs) {
    let label = match srs.kind {
        zkinfer_prover::SrsKind::LocalDev => "warning: using a",
        zkinfer_prover::SrsKind::Ceremony { .. } => "using a",
    };
    eprintln!(
        "{label} {} at k={} ({})",
        srs.kind,
        srs.k,
        srs.path.display()
    );
}

/// How a proof exposes the model's input.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputVisibility {
    /// Not at all (the default).
    Private,
    /// As public instances.
    Public,
    /// As its Poseidon commitment (one instance).
    Hashed,
}

/// The settings flags `prove` and `export-verifier` share.
#[derive(clap::Args, Clone, Debug)]
pub struct SettingsArgs {
    /// Calibration samples (EZKL format, one or more samples) to choose scale and ranges from
    /// (default: the settings cached for this model, else the proving input).
    #[arg(long, conflicts_with = "settings")]
    pub calibration: Option<PathBuf>,
    /// A settings file written by `zkinfer calibrate -o`.
    #[arg(long)]
    pub settings: Option<PathBuf>,
    /// Make the input a public instance (it is private by default).
    #[arg(long, conflicts_with_all = ["hashed_input", "input_visibility"])]
    pub public_input: bool,
    /// Keep the input private but bind the proof to its Poseidon commitment (circom's Poseidon,
    /// chained; the first public instance).
    #[arg(long)]
    pub hashed_input: bool,
    /// Use this SRS: a ceremony `.ptau` file (checked, not cached) or a stored SRS file (default: the
    /// cache, where `zkinfer srs import` puts a ceremony).
    #[arg(long)]
    pub srs: Option<PathBuf>,
    /// Allow a local development SRS (generated here: INSECURE, whoever ran it can forge proofs) when
    /// no ceremony SRS was imported (`zkinfer srs import`).
    #[arg(
        long,
        env = "ZKINFER_INSECURE_DEV_SRS",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub insecure_dev_srs: bool,
    /// The input's visibility, as one flag: private, public (= --public-input) or hashed
    /// (= --hashed-input).
    #[arg(long, value_enum, conflicts_with = "hashed_input")]
    pub input_visibility: Option<InputVisibility>,
    /// Fix the fixed-point scale to 2^SCALE instead of choosing it.
    #[arg(long)]
    pub scale: Option<u32>,
    /// Fix the MAC layout to IN activations x OUT accumulators per row, each holding up to PACK
    /// neurons (e.g. 8,2 or 16,1,7; PACK defaults to 1) instead of choosing it.
    #[arg(long, value_parser = parse_lanes)]
    pub lanes: Option<(usize, usize, usize)>,
    /// Fix the convolution check to N lanes (each Conv proved as a polynomial product; 0 keeps
    /// convolutions on the MAC chip) instead of choosing it.
    #[arg(long, value_name = "N")]
    pub conv_lanes: Option<usize>,
    /// Hold dense and convolution layers' weights BITS finer than the activations (even, up to 8; 0
    /// holds them at the activations' scale; the default lets the settings search choose): a smaller error at the same scale for BITS/2 more advice
    /// columns per requant set.
    #[arg(long, value_name = "BITS")]
    pub weight_bits: Option<u32>,
    /// Give a symbolic dimension of the model's inputs a value (repeatable); a symbolic leading
    /// (batch) dimension is 1 without one.
    #[arg(long = "dim", value_name = "NAME=VALUE", value_parser = parse_dim)]
    pub dims: Vec<(String, usize)>,
}

impl SettingsArgs {
    /// Import `path` with the `--dim` values.
    pub fn load_model(&self, path: &std::path::Path) -> zkinfer::Result<zkinfer_models::OnnxModel> {
        load_model_with(path, &self.dims.iter().cloned().collect())
    }

    pub fn overrides(&self) -> Overrides {
        Overrides {
            public_input: self.public_input
                || self.input_visibility == Some(InputVisibility::Public),
            hashed_input: self.hashed_input
                || self.input_visibility == Some(InputVisibility::Hashed),
            insecure_dev_srs: self.insecure_dev_srs,
            srs: self.srs.clone(),
            scale: self.scale,
            lanes: self.lanes,
            conv_lanes: self.conv_lanes,
            weight_bits: self.weight_bits,
            measure_only: false,
        }
    }

    /// Calibration from `--settings` or `--calibration`, else `fallback`.
    pub fn calibration<'a>(&'a self, fallback: Calibration<'a>) -> Calibration<'a> {
        match (&self.settings, &self.calibration) {
            (Some(s), _) => Calibration::Settings(s),
            (None, Some(c)) => Calibration::File(c),
            (None, None) => fallback,
        }
    }
}

/// Parse a 32-byte word (`--bind`): 0x-hex, at most 64 digits, a canonical field element.
pub fn parse_word(s: &str) -> std::result::Result<zkinfer_circuits::Fr, String> {
    zkinfer_circuits::fixed_point::word_from_hex(s).ok_or_else(|| {
        "expected 0x-hex of 1 to 64 digits below the BN254 scalar field order, e.g. 0x2a".into()
    })
}

/// Parse `--dim NAME=VALUE`.
pub fn parse_dim(s: &str) -> std::result::Result<(String, usize), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or("expected NAME=VALUE, e.g. batch=1")?;
    let value: usize = value.trim().parse().map_err(|e| format!("{value}: {e}"))?;
    if name.trim().is_empty() || value == 0 {
        return Err("expected a name and a value of at least 1, e.g. batch=1".into());
    }
    Ok((name.trim().to_string(), value))
}

/// Parse `--lanes IN,OUT[,PACK]`.
pub fn parse_lanes(s: &str) -> std::result::Result<(usize, usize, usize), String> {
    let parts: Vec<&str> = s.split(',').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err("expected IN,OUT or IN,OUT,PACK, e.g. 8,2 or 16,1,7".into());
    }
    let parse = |v: &str| v.trim().parse::<usize>().map_err(|e| format!("{v}: {e}"));
    let (a, b) = (parse(parts[0])?, parse(parts[1])?);
    let pack = parts.get(2).map_or(Ok(1), |p| parse(p))?;
    let (max_in, max_out) = zkinfer_circuits::circuit::MAX_LANES;
    if !(1..=max_in).contains(&a) || !(1..=max_out).contains(&b) {
        return Err(format!(
            "lanes must be 1 to {max_in} activations by 1 to {max_out} accumulators"
        ));
    }
    let max_pack = zkinfer_circuits::chips::packing::MAX_PACK;
    if !(1..=max_pack).contains(&pack) {
        return Err(format!(
            "PACK must be 1 to {max_pack} neurons per accumulator"
        ));
    }
    Ok((a, b, pack))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_follow_the_circuit_limits() {
        let (max_in, max_out) = zkinfer_circuits::circuit::MAX_LANES;
        assert_eq!(
            parse_lanes(&format!("{max_in},{max_out}")),
            Ok((max_in, max_out, 1))
        );
        assert_eq!(parse_lanes("8, 2"), Ok((8, 2, 1)));
        assert_eq!(parse_lanes("16,1,7"), Ok((16, 1, 7)));
        for bad in [
            format!("{max_in},{}", max_out + 1),
            format!("{},1", max_in + 1),
            "0,1".to_string(),
            "4".to_string(),
            "8,2,0".to_string(),
            "8,2,9".to_string(),
            "8,2,1,1".to_string(),
        ] {
            assert!(parse_lanes(&bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn dims_are_a_name_and_a_positive_value() {
        assert_eq!(parse_dim("batch=4"), Ok(("batch".into(), 4)));
        assert_eq!(parse_dim(" seq = 16"), Ok(("seq".into(), 16)));
        for bad in ["batch", "=4", "batch=0", "batch=-1", "batch=x"] {
            assert!(parse_dim(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn words_are_canonical_hex_field_elements() {
        assert_eq!(parse_word("0x2a"), Ok(zkinfer_circuits::Fr::from(42)));
        let r = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        for bad in ["42", "0x", "0xzz", r, &format!("0x{}", "1".repeat(65))] {
            assert!(parse_word(bad).is_err(), "{bad} accepted");
        }
    }
}
