//! Progress reported to a Python callable: `callback(event, phase, seconds)` with `event` "begin"
//! (`seconds` the predicted duration, or None) or "end" (`seconds` how long it took). The callback
//! runs with the GIL taken back for the call; what it raises is printed, not propagated, so a broken
//! progress display does not abort a proof.

use pyo3::prelude::*;
use std::time::Duration;
use zkinfer::{Phase, Progress};

/// Forwards the library's progress to a Python callable.
pub struct PyProgress(pub Py<PyAny>);

impl PyProgress {
    fn call(&self, event: &str, phase: Phase, seconds: Option<f64>) {
        Python::attach(|py| {
            if let Err(e) = self.0.call1(py, (event, phase.label(), seconds)) {
                e.print(py);
            }
        });
    }
}

impl Progress for PyProgress {
    fn begin(&self, phase: Phase, expected: Option<Duration>) {
        self.call("begin", phase, expected.map(|d| d.as_secs_f64()));
    }

    fn end(&self, phase: Phase, took: Duration) {
        self.call("end", phase, Some(took.as_secs_f64()));
    }
}
