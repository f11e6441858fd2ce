//! Terminal output: a spinner per phase on stderr (hidden when stderr is not a terminal), with the
//! predicted time left where the library predicts one, and the per-phase timing table. [`Reporter`]
//! is the library's [`zkinfer::Progress`] for the CLI: the library's phases and the CLI's own land in
//! the same table.

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use zkinfer::{Phase, Progress};

/// Phases and their wall times, in order, with the spinner of the running one.
#[derive(Default)]
pub struct Reporter {
    phases: Mutex<Vec<(String, Duration)>>,
    bar: Mutex<Option<ProgressBar>>,
}

impl Reporter {
    /// A reporter to hand to the library and to time the CLI's own steps with.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn start(&self, label: &str, expected: Option<Duration>) {
        let bar = ProgressBar::new_spinner();
        let style = match expected {
            Some(expected) => ProgressStyle::with_template("{spinner} {msg} {elapsed} {left}")
                .expect("static template")
                .with_key(
                    "left",
                    move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let left = expected.saturating_sub(s.elapsed()).as_secs_f64();
                        let _ = write!(
                            w,
                            "(~{left:.0} s left of a predicted {:.1} s)",
                            expected.as_secs_f64()
                        );
                    },
                ),
            None => {
                ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("static template")
            }
        };
        bar.set_style(style);
        bar.set_message(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        *self.bar.lock().unwrap_or_else(PoisonError::into_inner) = Some(bar);
    }

    fn stop(&self, label: &str, took: Duration) {
        if let Some(bar) = self
            .bar
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            bar.finish_and_clear();
        }
        let mut phases = self.phases.lock().unwrap_or_else(PoisonError::into_inner);
        phases.push((label.to_string(), took));
    }

    /// Run `f` (a step of the CLI's own) under a spinner labelled `label`, record its time.
    pub fn phase<T>(&self, label: &str, f: impl FnOnce() -> T) -> T {
        self.start(label, None);
        let start = Instant::now();
        let out = f();
        self.stop(label, start.elapsed());
        out
    }

    /// Print the timing table.
    pub fn print(&self) {
        println!("timings:");
        for (label, d) in self
            .phases
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            println!("  {label:<22} {:>9.3} s", d.as_secs_f64());
        }
    }
}

impl Progress for Reporter {
    fn begin(&self, phase: Phase, expected: Option<Duration>) {
        self.start(phase.label(), expected);
    }

    fn end(&self, phase: Phase, took: Duration) {
        self.stop(phase.label(), took);
    }
}

/// Format a vector of reals compactly.
pub fn fmt_values(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:.4}")).collect();
    format!("[{}]", items.join(", "))
}
