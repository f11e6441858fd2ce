#![no_main]
//! `vk_file` hostile input: see `zkinfer_robustness::vk_file`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = zkinfer_robustness::vk_file(data);
});
