//! Editing and making ONNX files in tests (shared with the `zkinfer` and CLI tests through `#[path]`).
// Each test binary that includes this file uses only some of it.
#![allow(dead_code)]

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
                // An empty name: neither a size nor a name (an undeclared dimension).
                d.value = (!name.is_empty()).then(|| Dim::DimParam(name.into()));
            }
        }
    }
    graph.value_info.clear();
    model.encode_to_vec()
}

/// A float tensor (an initializer).
pub fn float_tensor(name: &str, dims: &[i64], data: Vec<f32>) -> tract_onnx::pb::TensorProto {
    tract_onnx::pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 1,
        float_data: data,
        ..Default::default()
    }
}

/// An int64 tensor (an initializer).
pub fn int_tensor(name: &str, dims: &[i64], data: Vec<i64>) -> tract_onnx::pb::TensorProto {
    tract_onnx::pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 7,
        int64_data: data,
        ..Default::default()
    }
}

/// An integer attribute.
pub fn int(name: &str, value: i64) -> tract_onnx::pb::AttributeProto {
    tract_onnx::pb::AttributeProto {
        name: name.into(),
        r#type: tract_onnx::pb::attribute_proto::AttributeType::Int as i32,
        i: value,
        ..Default::default()
    }
}

/// An integer-list attribute.
pub fn ints(name: &str, values: &[i64]) -> tract_onnx::pb::AttributeProto {
    tract_onnx::pb::AttributeProto {
        name: name.into(),
        r#type: tract_onnx::pb::attribute_proto::AttributeType::Ints as i32,
        ints: values.to_vec(),
        ..Default::default()
    }
}

fn value_info(name: &str, shape: &[i64]) -> tract_onnx::pb::ValueInfoProto {
    typed_value_info(name, 1, shape)
}

/// A graph input or output of ONNX element type `elem` (1: float, 7: int64) and `shape`.
pub fn typed_value_info(name: &str, elem: i32, shape: &[i64]) -> tract_onnx::pb::ValueInfoProto {
    use tract_onnx::pb::tensor_shape_proto::Dimension;
    let dim = shape
        .iter()
        .map(|d| Dimension {
            value: Some(Dim::DimValue(*d)),
            ..Default::default()
        })
        .collect();
    let tensor = type_proto::Tensor {
        elem_type: elem,
        shape: Some(tract_onnx::pb::TensorShapeProto { dim }),
    };
    tract_onnx::pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(tract_onnx::pb::TypeProto {
            value: Some(type_proto::Value::TensorType(tensor)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A one-node float model (opset 13): input `x` of `input`, output `y` of `output`, the node reading
/// `x` and then the initializers in order.
pub fn one_node(
    op: &str,
    attributes: Vec<tract_onnx::pb::AttributeProto>,
    initializers: Vec<tract_onnx::pb::TensorProto>,
    input: &[i64],
    output: &[i64],
) -> Vec<u8> {
    let mut inputs = vec!["x".to_string()];
    inputs.extend(initializers.iter().map(|t| t.name.clone()));
    let node = tract_onnx::pb::NodeProto {
        name: op.to_lowercase(),
        op_type: op.into(),
        input: inputs,
        output: vec!["y".into()],
        attribute: attributes,
        ..Default::default()
    };
    let graph = tract_onnx::pb::GraphProto {
        name: op.to_lowercase(),
        node: vec![node],
        input: vec![value_info("x", input)],
        output: vec![value_info("y", output)],
        initializer: initializers,
        ..Default::default()
    };
    model_bytes(graph, &[("", 13)])
}

/// A model (IR 8) of `graph` importing the opsets `(domain, version)`, encoded.
pub fn model_bytes(graph: tract_onnx::pb::GraphProto, opsets: &[(&str, i64)]) -> Vec<u8> {
    let opset_import = opsets
        .iter()
        .map(|(domain, version)| tract_onnx::pb::OperatorSetIdProto {
            domain: domain.to_string(),
            version: *version,
        })
        .collect();
    ModelProto {
        ir_version: 8,
        opset_import,
        graph: Some(graph),
        ..Default::default()
    }
    .encode_to_vec()
}
