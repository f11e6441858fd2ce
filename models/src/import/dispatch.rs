//! The per-node dispatch: each tract op to its family's importer, after folding nodes whose inputs
//! are all constants.

use super::*;
use tract_onnx::tract_core::ops::array::ScatterReduction;

/// Evaluate `node` with tract when all its inputs are constants (a recurrent net's first step reads its
/// constant initial state: tract could not fold what only unrolling makes constant); its outputs
/// become constants. `false` when it is not such a node.
fn fold_constants(im: &mut Importer, node: &TypedNode) -> Result<bool> {
    if node.inputs.is_empty() {
        return Ok(false);
    }
    let mut tensors = TVec::new();
    for i in 0..node.inputs.len() {
        let Ok(Value::Const { shape, values }) = im.input(node, i) else {
            return Ok(false);
        };
        tensors.push(im.operand_tensor(node, i, (shape, values))?);
    }
    let Some(outputs) = im.run_op(node, tensors)? else {
        return Ok(false);
    };
    for (slot, (shape, values)) in outputs.into_iter().enumerate() {
        im.set_output(node, slot, Value::Const { shape, values });
    }
    Ok(true)
}

/// The reduction of a ScatterElements or ScatterND node.
fn scatter_reduction(node: &TypedNode) -> Option<ScatterReduction> {
    use tract_onnx::tract_core::ops::array::{ScatterElements, ScatterNd};
    node.op_as::<ScatterElements>()
        .map(|s| s.reduction)
        .or_else(|| node.op_as::<ScatterNd>().map(|s| s.reduction))
}

/// Import tract node `id` of `im.model` (anything but the graph's declared inputs).
pub(crate) fn import_node(im: &mut Importer, id: usize) -> Result<()> {
    let model = im.model;
    let node = model.node(id);
    // Already imported as a step of a chain that started earlier (LogSumExp).
    if im.values.contains_key(&id) {
        return Ok(());
    }
    if fold_constants(im, node)? || logsumexp::try_import(im, node)? {
        return Ok(());
    }
    let empty = model
        .outlet_fact(OutletId::new(id, 0))
        .ok()
        .and_then(|f| f.shape.as_concrete().map(|s| s.contains(&0)));
    if empty == Some(true) {
        return Err(im.unsupported(node, "an empty tensor (a dimension of size 0)"));
    }
    if node
        .op_as::<tract_onnx::tract_core::ops::source::TypedSource>()
        .is_some()
    {
        let shape = im.output_shape(node)?;
        im.push(
            id,
            &node.name,
            FloatOp::Input(Input {
                shape: shape.clone(),
            }),
            vec![],
            shape,
        );
    } else if let Some(c) = node.op_as::<tract_onnx::tract_core::ops::konst::Const>() {
        let t = c.val();
        let values = t
            .cast_to::<f64>()
            .and_then(|t| {
                t.to_plain_array_view::<f64>()
                    .map(|v| v.iter().copied().collect::<Vec<_>>())
            })
            .map_err(|e| im.node_err(node, format!("constant is not numeric: {e}")))?;
        im.values.insert(
            id,
            Value::Const {
                shape: t.shape().to_vec(),
                values,
            },
        );
    } else if let Some(einsum) = node.op_as::<tract_onnx::tract_core::ops::einsum::EinSum>() {
        linear::import_einsum(im, node, einsum)?;
    } else if let Some(bin) = node.op_as::<tract_onnx::tract_core::ops::binary::TypedBinOp>() {
        match bin.0.name() {
            c @ ("LT" | "LTE" | "GT" | "GTE") => {
                // A sign test may be PRelu's (`select` reads it); it is a 0/1 value as well.
                select::import_sign_test(im, node, c)?;
                compare::import_comparison(im, node, c)?;
            }
            c @ ("Eq" | "NE") => compare::import_comparison(im, node, c)?,
            c @ ("And" | "Or" | "Xor") => compare::import_logic(im, node, c)?,
            _ => elementwise::import_binary(im, node, bin)?,
        }
    } else if node.op_is::<tract_onnx::tract_core::ops::logic::Iff>() {
        select::import_iff(im, node)?;
    } else if let Some(slice) = node.op_as::<tract_onnx::tract_core::ops::array::Slice>() {
        shape::import_slice(im, node, slice)?;
    } else if let Some(pad) = node.op_as::<tract_onnx::tract_core::ops::array::Pad>() {
        shape::import_pad(im, node, pad)?;
    } else if let Some(concat) = node.op_as::<tract_onnx::tract_core::ops::array::TypedConcat>() {
        shape::import_concat(im, node, concat)?;
    } else if let Some(cast) = node.op_as::<tract_onnx::tract_core::ops::cast::Cast>() {
        compare::import_cast(im, node, cast.to)?;
    } else if node
        .op_as::<tract_onnx::tract_core::ops::element_wise::ElementWiseOp>()
        .is_some_and(|ew| ew.0.is::<tract_onnx::tract_core::ops::logic::Not>())
    {
        compare::import_not(im, node)?;
    } else if let Some(ew) =
        node.op_as::<tract_onnx::tract_core::ops::element_wise::ElementWiseOp>()
    {
        nonlinear::import_element_wise(im, node, ew)?;
    } else if let Some(reduce) = node.op_as::<tract_onnx::tract_core::ops::nn::Reduce>() {
        shape::import_reduce(im, node, reduce)?;
    } else if let Some(conv) = node.op_as::<tract_onnx::tract_core::ops::cnn::Conv>() {
        conv::import_conv(im, node, conv)?;
    } else if let Some(deconv) = node.op_as::<tract_onnx::tract_core::ops::cnn::Deconv>() {
        deconv::import_deconv(im, node, deconv)?;
    } else if matches!(node.op.name().as_ref(), "Resize" | "NearestUpsample") {
        resize::import_resize(im, node)?;
    } else if node.op.name() == "GatherElements" {
        repeat::import_by_probe(im, node, "GatherElements", &[0])?;
    } else if let Some(ensemble) =
        node.op_as::<tract_onnx_opl::ml::tree_ensemble_classifier::TreeEnsembleClassifier>()
    {
        trees::import_tree_ensemble(im, node, ensemble)?;
    } else if let Some(top) = node.op_as::<tract_onnx::tract_core::ops::array::Topk>() {
        topk::import_topk(im, node, top)?;
    } else if let Some(reduction) = scatter_reduction(node) {
        // A max or min reduction would output one of the tags: the probe cannot tell it from a copy.
        if reduction != ScatterReduction::None {
            let why = format!("a scatter with reduction '{}'", reduction.as_str());
            return Err(im.unsupported(node, why));
        }
        repeat::import_by_probe(im, node, "scatter", &[0, 2])?;
    } else if node.op.name() == "DirectLookup" {
        ml::import_direct_lookup(im, node)?;
    } else if let Some(seq) = node.op_as::<tract_onnx::tract_core::ops::gru_seq::GruSeq>() {
        cells::import_gru_seq(im, node, seq)?;
    } else if let Some(scan) = node.op_as::<tract_onnx::tract_core::ops::scan::Scan>() {
        rec::import_scan(im, node, scan)?;
    } else if let Some(cell) = node.op_as::<tract_onnx::tract_core::ops::lstm_cell::LstmEpilogue>()
    {
        cells::import_lstm_cell(im, node, cell.hidden)?;
    } else if let Some(cell) = node.op_as::<tract_onnx::tract_core::ops::gru_cell::GruEpilogue>() {
        cells::import_gru_cell(im, node, cell.hidden)?;
    } else if let Some(rms) = node.op_as::<tract_onnx::tract_core::ops::nn::RmsNorm>() {
        norm::import_rms_norm(im, node, rms)?;
    } else if let Some(sm) = node.op_as::<tract_onnx::tract_core::ops::nn::Softmax>() {
        softmax::import_softmax(im, node, sm)?;
    } else if let Some(pool) = node.op_as::<tract_onnx::tract_core::ops::cnn::MaxPool>() {
        nonlinear::import_max_pool(im, node, pool)?;
    } else if node.op_is::<tract_onnx::tract_core::ops::array::MultiBroadcastTo>() {
        repeat::import_broadcast(im, node)?;
    } else if let Some(g) = node.op_as::<tract_onnx::tract_core::ops::array::Gather>() {
        gather::import_gather(im, node, g)?;
    } else if node.op_is::<tract_onnx::tract_core::ops::array::Tile>() {
        repeat::import_tile(im, node)?;
    } else if let Some(pool) = node.op_as::<tract_onnx::tract_core::ops::cnn::SumPool>() {
        conv::import_sum_pool(im, node, pool)?;
    } else if let Some(axis) = node.op_as::<tract_onnx::tract_core::ops::change_axes::AxisOp>() {
        shape::import_axis_op(im, node, axis)?;
    } else {
        return Err(im.unsupported(node, ""));
    }
    Ok(())
}
