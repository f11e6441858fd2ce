#![no_main]
//! `chain_data` hostile input: see `zkinfer_robustness::chain_data`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = zkinfer_robustness::chain_data(data);
});
