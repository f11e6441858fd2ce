//! The boundary to tract: a hostile ONNX file can make tract panic (it indexes maps and slices with
//! values taken from the file, e.g. a node input naming no known tensor). Every call into tract on
//! user data goes through [`tract_call`], which turns such a panic into an error instead of letting
//! it unwind through zkinfer.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

/// Serializes the panic-hook swap below (the hook is process-global).
static HOOK: Mutex<()> = Mutex::new(());

/// Run `f`; a panic inside it becomes `Err` with the panic's message. While `f` runs, the default
/// panic message (a multi-line report on stderr) is suppressed: the caller reports the error.
pub(crate) fn tract_call<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let _serial = HOOK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        format!("tract failed on this model ({})", msg.replace('\n', " "))
    })
}
