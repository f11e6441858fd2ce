//! Pointwise ONNX functions as one tract op each. tract expands Softplus, Softsign, Elu, Selu, Celu,
//! HardSigmoid and Mish into chains of primitive ops (`exp`, `ln`, comparisons and selects) that would
//! each need a table or a gate; zkinfer registers its own parser for them (and for HardSwish, Sqrt,
//! Reciprocal, Log, Sin, Cos, Floor, Ceil and Round), which keeps each as a single element-wise op carrying its
//! [`Function`]. tract evaluates that op with the same [`Function::eval`] the table is built from, so
//! the float reference and the circuit's table have one definition; the ONNX node tests check it
//! against onnxruntime's values.

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::element_wise::{ElementWiseMiniOp, ElementWiseOp};
use tract_onnx::tract_hir::internal::{bail, InferenceOp};
use tract_onnx::tract_hir::ops::element_wise::ElementWiseIntoHir;
use zkinfer_circuits::functions::{Function, Param};

/// A tract element-wise op applying one of zkinfer's tabulated functions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableFn(pub Function);

impl ElementWiseMiniOp for TableFn {
    fn name(&self) -> String {
        self.0.name().into()
    }

    fn eval_in_place(&self, t: &mut Tensor, _out_dt: Option<DatumType>) -> TractResult<()> {
        let dt = t.datum_type();
        let mut plain = t.try_as_plain_ram_mut()?;
        match dt {
            DatumType::F32 => plain
                .as_slice_mut::<f32>()?
                .iter_mut()
                .for_each(|v| *v = self.0.eval(f64::from(*v)) as f32),
            DatumType::F64 => plain
                .as_slice_mut::<f64>()?
                .iter_mut()
                .for_each(|v| *v = self.0.eval(*v)),
            dt => bail!("{} of {dt:?} (only f32 and f64)", self.0.name()),
        }
        Ok(())
    }
}

fn op(function: Function) -> Box<dyn InferenceOp> {
    ElementWiseOp(Box::new(TableFn(function)), None).into_hir()
}

/// The typed element-wise op applying `function` (for expansions that wire it into a typed model).
pub(super) fn table_op(function: Function) -> ElementWiseOp {
    ElementWiseOp(Box::new(TableFn(function)), None)
}

/// The f32 attribute `name` of `node`, or `default` (ONNX's default for it).
fn attr(node: &NodeProto, name: &str, default: f32) -> TractResult<Param> {
    Ok(Param::from(
        node.get_attr_opt::<f32>(name)?.unwrap_or(default),
    ))
}

type Parsed = TractResult<(Box<dyn InferenceOp>, Vec<String>)>;

fn plain(function: Function) -> Parsed {
    Ok((op(function), vec![]))
}

fn elu(_: &ParsingContext, node: &NodeProto) -> Parsed {
    plain(Function::Elu(attr(node, "alpha", 1.0)?))
}

fn celu(_: &ParsingContext, node: &NodeProto) -> Parsed {
    plain(Function::Celu(attr(node, "alpha", 1.0)?))
}

fn selu(_: &ParsingContext, node: &NodeProto) -> Parsed {
    let alpha = attr(node, "alpha", 1.673_263_2)?;
    plain(Function::Selu(alpha, attr(node, "gamma", 1.050_701)?))
}

fn hard_sigmoid(_: &ParsingContext, node: &NodeProto) -> Parsed {
    let alpha = attr(node, "alpha", 0.2)?;
    plain(Function::HardSigmoid(alpha, attr(node, "beta", 0.5)?))
}

/// Register zkinfer's parsers for the pointwise functions it tabulates (module docs).
pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("Softplus", |_, _| plain(Function::Softplus));
    reg.insert("Softsign", |_, _| plain(Function::Softsign));
    reg.insert("Mish", |_, _| plain(Function::Mish));
    reg.insert("HardSwish", |_, _| plain(Function::HardSwish));
    reg.insert("Sqrt", |_, _| plain(Function::Sqrt));
    reg.insert("Reciprocal", |_, _| plain(Function::Reciprocal));
    reg.insert("Log", |_, _| plain(Function::Log));
    reg.insert("Sin", |_, _| plain(Function::Sin));
    reg.insert("Cos", |_, _| plain(Function::Cos));
    reg.insert("Floor", |_, _| plain(Function::Floor));
    reg.insert("Ceil", |_, _| plain(Function::Ceil));
    reg.insert("Round", |_, _| plain(Function::Round));
    reg.insert("Elu", elu);
    reg.insert("Celu", celu);
    reg.insert("Selu", selu);
    reg.insert("HardSigmoid", hard_sigmoid);
}
