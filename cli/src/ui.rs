//! Terminal output: a spinner per phase on stderr (hidden when stderr is not a terminal) and the
//! per-phase timing table.

use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Duration, Instant};

/// Phases and their wall times, in order.
#[derive(Default)]
pub struct Timings {
    pub phases: Vec<(String, Duration)>,
}

impl Timings {
    /// Run `f` under a spinner labelled `label`, record its time.
    pub fn phase<T>(&mut self, label: &str, f: impl FnOnce() -> T) -> T {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("static template"),
        );
        bar.set_message(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        let start = Instant::now();
        let out = f();
        bar.finish_and_clear();
        self.phases.push((label.to_string(), start.elapsed()));
        out
    }

    pub fn print(&self) {
        println!("timings:");
        for (label, d) in &self.phases {
            println!("  {label:<22} {:>9.3} s", d.as_secs_f64());
        }
    }
}

/// Format a vector of reals compactly.
pub fn fmt_values(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|x| format!("{x:.4}")).collect();
    format!("[{}]", items.join(", "))
}
