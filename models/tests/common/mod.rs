pub mod onnx_edit;
