//! ONNX LpPool, which tract does not know: registered here as an expansion into ops the importer
//! already lowers, `(Σ_window |x|^p)^(1/p)`: `|x|` (p = 1), `x²` (p = 2: one product row per element)
//! or the `Pow(p)` table of `|x|`, then tract's un-normalized `SumPool` (padding adds zeros), then
//! nothing, `√` or the `Pow(1/p)` table.

use super::functions::table_op;
use tract_onnx::model::ParsingContext;
use tract_onnx::pb::NodeProto;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::math::{abs, square};
use tract_onnx::tract_hir::internal::{
    bail, expand, Expansion, InferenceOp, InferenceResult, Solver, StaticName, TensorProxy,
};
use tract_onnx::tract_hir::ops::cnn::{HirSumPool, PaddingSpec, PoolSpec};
use tract_onnx::tract_hir::ops::nn::DataFormat;
use zkinfer_circuits::functions::{Function, Param};

/// `(Σ_window |x|^p)^(1/p)` (module docs).
#[derive(Clone, Debug)]
struct LpPool {
    p: i64,
    sum: HirSumPool,
}

impl Expansion for LpPool {
    fn name(&self) -> StaticName {
        "LpPool".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        self.sum.rules(s, inputs, outputs)
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let name = |step: &str| format!("{prefix}.{step}");
        let p = self.p as f32;
        let powered = match self.p {
            1 => model.wire_node(name("abs"), abs(), inputs)?,
            2 => model.wire_node(name("square"), square(), inputs)?,
            _ => {
                let a = model.wire_node(name("abs"), abs(), inputs)?;
                model.wire_node(name("pow"), table_op(Function::Pow(Param::from(p))), &a)?
            }
        };
        let summed = self.sum.wire(&name("sum"), model, &powered)?;
        match self.p {
            1 => Ok(summed),
            2 => model.wire_node(name("root"), table_op(Function::Sqrt), &summed),
            _ => {
                let root = table_op(Function::Pow(Param::from(1.0 / p)));
                model.wire_node(name("root"), root, &summed)
            }
        }
    }
}

/// ONNX's padding attributes of a pool (`pads`, else `auto_pad`; `ceil_mode`).
fn padding(node: &NodeProto, rank: usize) -> TractResult<PaddingSpec> {
    let ceil = node.get_attr_opt::<isize>("ceil_mode")?.unwrap_or(0) == 1;
    if let Some(pads) = node.get_attr_opt_tvec::<usize>("pads")? {
        let (before, after) = pads.split_at(pads.len() / 2);
        return Ok(PaddingSpec::ExplicitOnnxPool(
            before.into(),
            after.into(),
            ceil,
        ));
    }
    Ok(
        match node.get_attr_opt::<&str>("auto_pad")?.unwrap_or("NOTSET") {
            "VALID" => PaddingSpec::Valid,
            "SAME_UPPER" => PaddingSpec::SameUpper,
            "SAME_LOWER" => PaddingSpec::SameLower,
            "NOTSET" => PaddingSpec::ExplicitOnnxPool(tvec!(0; rank), tvec!(0; rank), ceil),
            other => bail!("LpPool: auto_pad '{other}'"),
        },
    )
}

fn lp_pool(
    _: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let kernel: TVec<usize> = node.get_attr_tvec("kernel_shape")?;
    let p = node.get_attr_opt::<i64>("p")?.unwrap_or(2);
    if p < 1 {
        bail!("LpPool with p = {p} (p must be at least 1)");
    }
    let spec = PoolSpec::new(
        DataFormat::NCHW,
        kernel.clone(),
        padding(node, kernel.len())?,
        node.get_attr_opt_tvec("dilations")?,
        node.get_attr_opt_tvec("strides")?,
        0,
        0,
    );
    let sum = HirSumPool::new(spec, false, false);
    Ok((expand(LpPool { p, sum }), vec![]))
}

/// Register the LpPool parser (module docs).
pub fn register(reg: &mut tract_onnx::model::OnnxOpRegister) {
    reg.insert("LpPool", lp_pool);
}
