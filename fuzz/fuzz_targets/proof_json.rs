#![no_main]
//! `proof_json` hostile input: see `zkinfer_robustness::proof_json`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = zkinfer_robustness::proof_json(data);
});
