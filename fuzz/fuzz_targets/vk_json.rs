#![no_main]
//! `vk_json` hostile input: see `zkinfer_robustness::vk_json`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = zkinfer_robustness::vk_json(data);
});
