#![no_main]
//! `onnx` hostile input: see `zkinfer_robustness::onnx`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = zkinfer_robustness::onnx(data);
});
