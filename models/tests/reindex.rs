//! Re-indexings read by running tract's op: an output tract fills with a constant 0 (a crop's
//! extrapolation) is not mistaken for a copy of element 0.

mod common;

use common::onnx_edit::{float_tensor, model_bytes, typed_value_info};
use tract_onnx::pb::attribute_proto::AttributeType;
use tract_onnx::pb::{AttributeProto, GraphProto, NodeProto};
use zkinfer_circuits::QTensor;
use zkinfer_models::load_onnx_bytes;
use zkinfer_models::settings::{choose, SettingsChoice};

fn text(name: &str, value: &str) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: AttributeType::String as i32,
        s: value.as_bytes().to_vec(),
        ..Default::default()
    }
}

/// A nearest Resize of `x: [1, 1, 2, 2]` by 2 with `tf_crop_and_resize` over a region a quarter larger
/// than the input on each side: the border outputs are outside it, filled with 0.
fn crop_resize() -> Vec<u8> {
    let node = NodeProto {
        name: "resize".into(),
        op_type: "Resize".into(),
        input: vec!["x".into(), "roi".into(), "scales".into()],
        output: vec!["y".into()],
        attribute: vec![
            text("mode", "nearest"),
            text("coordinate_transformation_mode", "tf_crop_and_resize"),
        ],
        ..Default::default()
    };
    let roi = vec![0.0, 0.0, -0.25, -0.25, 1.0, 1.0, 1.25, 1.25];
    let graph = GraphProto {
        name: "crop".into(),
        node: vec![node],
        input: vec![typed_value_info("x", 1, &[1, 1, 2, 2])],
        output: vec![typed_value_info("y", 1, &[1, 1, 4, 4])],
        initializer: vec![
            float_tensor("roi", &[8], roi),
            float_tensor("scales", &[4], vec![1.0, 1.0, 2.0, 2.0]),
        ],
        ..Default::default()
    };
    model_bytes(graph, &[("", 13)])
}

#[test]
fn a_crops_zero_fill_is_not_read_as_element_zero() {
    let model = load_onnx_bytes(&crop_resize(), "crop").expect("imports");
    let x = vec![1.5, -2.0, 3.25, 0.5];
    // onnxruntime 1.32.0's output for this model and input.
    let expected = [
        0.0, 0.0, 0.0, 0.0, 0.0, 1.5, -2.0, 0.0, 0.0, 3.25, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0,
    ];
    let inputs = vec![x.clone()];
    assert_eq!(
        model.graph.outputs(&inputs).expect("float graph")[0],
        expected
    );
    let (graph, _) = choose(
        &model.graph,
        std::slice::from_ref(&inputs),
        &SettingsChoice::default(),
    )
    .expect("settings");
    let q = QTensor::from_f64(vec![1, 1, 2, 2], &x, graph.scale).expect("shape");
    let trace = graph.eval(&[q]).expect("exact evaluation");
    let ours: Vec<f64> = trace.outputs(&graph).next().expect("output").dequantize();
    assert_eq!(ours, expected);
}
