//! The CPU features this build's field arithmetic needs. On x86-64, halo2curves is built with its
//! assembly Montgomery multiplication (`asm` feature), which uses BMI2's `mulx` and ADX's
//! `adcx`/`adox`: every Intel CPU since Broadwell (2014) and AMD since Zen (2017) has them. On an older
//! CPU the first field multiplication would die with an illegal instruction; [`check`] turns that
//! into an error that says why, before any work starts.

use crate::error::{ProverError, Result};

/// The features the field arithmetic uses that this CPU lacks (empty when it can run).
pub fn missing_features() -> Vec<&'static str> {
    #[cfg(target_arch = "x86_64")]
    {
        let mut missing = Vec::new();
        if !std::arch::is_x86_feature_detected!("bmi2") {
            missing.push("bmi2");
        }
        if !std::arch::is_x86_feature_detected!("adx") {
            missing.push("adx");
        }
        missing
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}

/// `Ok` when this CPU can run the build's field arithmetic, else an error naming what it lacks.
pub fn check() -> Result<()> {
    refuse_without(&missing_features())
}

fn refuse_without(missing: &[&str]) -> Result<()> {
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ProverError::Unsupported(format!(
            "this CPU lacks {} (x86-64 field arithmetic is built with BMI2/ADX assembly; \
             any Intel CPU since 2014 or AMD since 2017 has them)",
            missing.join(" and ")
        )))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_machine_can_run_the_build() {
        // The test suite proves with this build, so the machine running it must pass the check.
        assert_eq!(super::missing_features(), Vec::<&str>::new());
        assert!(super::check().is_ok());
    }

    #[test]
    fn a_cpu_without_them_is_refused_by_name() {
        let err = super::refuse_without(&["adx"]).unwrap_err().to_string();
        assert!(
            err.starts_with("unsupported machine: this CPU lacks adx "),
            "{err}"
        );
        let err = super::refuse_without(&["bmi2", "adx"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("lacks bmi2 and adx"), "{err}");
    }
}
