#![no_main]
//! `settings` hostile input: see `zkinfer_robustness::settings`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = zkinfer_robustness::settings(data);
});
