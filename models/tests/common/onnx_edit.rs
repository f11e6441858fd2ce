//! Editing ONNX files in tests (shared with the `zkinfer` crate's tests through `#[path]`).

use prost::Message;
use tract_onnx::pb::tensor_shape_proto::dimension::Value as Dim;
use tract_onnx::pb::{type_proto, ModelProto};

/// `bytes` with axis `axis` of every graph input (not an initializer) and output made the symbolic
/// dimension `name`, and the intermediate shape annotations dropped, as an exporter writes it.
pub fn with_symbolic_axis(bytes: &[u8], axis: usize, name: &str, outputs: bool) -> Vec<u8> {
    let mut model = ModelProto::decode(bytes).expect("an ONNX model");
    let graph = model.graph.as_mut().expect("a graph");
    let weights: Vec<String> = graph.initializer.iter().map(|t| t.name.clone()).collect();
    let inputs = graph
        .input
        .iter_mut()
        .filter(|v| !weights.contains(&v.name));
    let outs = graph.output.iter_mut().filter(|_| outputs);
    for value in inputs.chain(outs) {
        let tensor = value.r#type.as_mut().and_then(|t| t.value.as_mut());
        if let Some(type_proto::Value::TensorType(t)) = tensor {
            if let Some(d) = t.shape.as_mut().and_then(|s| s.dim.get_mut(axis)) {
                d.value = Some(Dim::DimParam(name.into()));
            }
        }
    }
    graph.value_info.clear();
    model.encode_to_vec()
}
