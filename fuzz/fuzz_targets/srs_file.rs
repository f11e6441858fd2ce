#![no_main]
//! `srs_file` hostile input: see `zkinfer_robustness::srs_file`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = zkinfer_robustness::srs_file(data);
});
