#![no_main]
//! `pk_file` hostile input: see `zkinfer_robustness::pk_file`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = zkinfer_robustness::pk_file(data);
});
