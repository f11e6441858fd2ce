#![no_main]
//! `ptau` hostile input: see `zkinfer_robustness::ptau`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = zkinfer_robustness::ptau(data);
});
