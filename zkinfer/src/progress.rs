//! Progress reporting: the library says when a long step starts (with its predicted duration where
//! it has one) and when it ends; the caller decides what to show. The CLI draws a bar with an ETA and
//! keeps the timing table; a library user may log, forward to a UI, or pass [`Silent`].

use std::time::{Duration, Instant};

/// A step of the pipeline that can take long enough to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Quantizing the input and evaluating the integer model (the witness).
    Witness,
    /// Generating the proving and verifying keys (or loading them from the cache).
    Keygen,
    /// Proving.
    Prove,
    /// Verifying a proof natively.
    Verify,
    /// Recomputing a verifying key from the model (`verify` against a model).
    RecomputeKey,
    /// Deploying the verifier in an in-process EVM and verifying there.
    EvmVerify,
}

impl Phase {
    /// A short lowercase label, as the CLI's timing table prints it.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Witness => "witness",
            Phase::Keygen => "keygen",
            Phase::Prove => "prove",
            Phase::Verify => "verify",
            Phase::RecomputeKey => "recompute key",
            Phase::EvmVerify => "evm verify",
        }
    }
}

/// Receives the start and end of each [`Phase`]. Both methods default to doing nothing.
pub trait Progress: Send + Sync {
    /// `phase` starts; `expected` is its predicted wall time where zkinfer has a prediction (proving,
    /// from the circuit's size: see `zkinfer_circuits::estimate`).
    fn begin(&self, phase: Phase, expected: Option<Duration>) {
        let _ = (phase, expected);
    }

    /// `phase` ended (successfully or not) after `took`.
    fn end(&self, phase: Phase, took: Duration) {
        let _ = (phase, took);
    }
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}

/// Run `f` as `phase`, reporting its start and end to `progress`.
pub(crate) fn report<T>(
    progress: &dyn Progress,
    phase: Phase,
    expected: Option<Duration>,
    f: impl FnOnce() -> T,
) -> T {
    progress.begin(phase, expected);
    let start = Instant::now();
    let out = f();
    progress.end(phase, start.elapsed());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Log(Mutex<Vec<String>>);

    impl Progress for Log {
        fn begin(&self, phase: Phase, expected: Option<Duration>) {
            let e = expected.map(|d| d.as_millis());
            self.0
                .lock()
                .unwrap()
                .push(format!("begin {} {e:?}", phase.label()));
        }
        fn end(&self, phase: Phase, _took: Duration) {
            self.0
                .lock()
                .unwrap()
                .push(format!("end {}", phase.label()));
        }
    }

    #[test]
    fn report_brackets_the_step_and_passes_its_result_through() {
        let log = Log::default();
        let out = report(
            &log,
            Phase::Prove,
            Some(Duration::from_millis(1500)),
            || {
                log.0.lock().unwrap().push("work".into());
                7
            },
        );
        assert_eq!(out, 7);
        assert_eq!(
            *log.0.lock().unwrap(),
            ["begin prove Some(1500)", "work", "end prove"]
        );
    }
}
