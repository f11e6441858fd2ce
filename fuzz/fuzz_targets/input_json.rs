#![no_main]
//! `input_json` hostile input: see `zkinfer_robustness::input_json`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = zkinfer_robustness::input_json(data);
});
