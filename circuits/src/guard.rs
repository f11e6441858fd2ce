//! A panic boundary around third-party code that panics on malformed input instead of returning an
//! error: tract on a hostile ONNX file (it indexes its maps with names from the file), halo2 on a
//! damaged proving key (it unwraps its reads) or a malformed proof. [`catch_panic`] turns such a
//! panic into an error, without the panic report a CLI's hook would print.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

/// How many [`catch_panic`] calls are running. While any is, panic reports are suppressed
/// process-wide (the panic may happen on a rayon worker of the guarded call); a panic elsewhere in
/// that window still unwinds as usual, only its report is lost.
static GUARDED: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();

/// Run `f`; a panic inside it becomes `Err` with the panic's message (one line).
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    // Wrap whatever hook is installed when first needed (the CLI's, libFuzzer's, the default).
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.load(Ordering::SeqCst) == 0 {
                previous(info);
            }
        }));
    });
    GUARDED.fetch_add(1, Ordering::SeqCst);
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.fetch_sub(1, Ordering::SeqCst);
    result.map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        msg.replace('\n', " ")
    })
}

#[cfg(test)]
mod tests {
    use super::catch_panic;

    #[test]
    fn a_panic_becomes_its_message_and_a_value_passes_through() {
        assert_eq!(catch_panic(|| 7), Ok(7));
        let index: Vec<u8> = Vec::new();
        let e = catch_panic(|| index[3]).unwrap_err();
        assert!(e.contains("index out of bounds"), "{e}");
        assert_eq!(catch_panic(|| panic!("a\nb")), Err::<(), _>("a b".into()));
    }
}
