//! The one list of ONNX operators zkinfer supports. The README's table is this list
//! (`zkinfer ops` prints it; a test keeps the README in sync).

/// One row: the ONNX operators, the zkinfer op they become, and what to know.
#[derive(Clone, Copy, Debug)]
pub struct SupportedOp {
    pub onnx: &'static str,
    pub zkinfer: &'static str,
    pub notes: &'static str,
}

pub const SUPPORTED_OPS: &[SupportedOp] = &[
    SupportedOp {
        onnx: "Gemm, MatMul with a constant operand",
        zkinfer: "`Dense`",
        notes: "any axis order (tract's `EinSum`; free transposes around it); bias and a following Relu are fused",
    },
    SupportedOp {
        onnx: "Conv",
        zkinfer: "`Conv`",
        notes: "2-D, NCHW, OIHW kernels; strides, pads, dilations, groups (depthwise); bias and a following Relu are fused",
    },
    SupportedOp {
        onnx: "AveragePool (and tract's SumPool)",
        zkinfer: "`Pool`",
        notes: "2-D, NCHW; `count_include_pad` either way; divisor exact when a power of two",
    },
    SupportedOp {
        onnx: "Add, Sub",
        zkinfer: "`Affine`",
        notes: "two tensors of the same size, or a broadcast constant (folded into the preceding bias when possible)",
    },
    SupportedOp {
        onnx: "Mul, Div by a constant; BatchNormalization",
        zkinfer: "`Affine`",
        notes: "per-element constant coefficients; BatchNormalization folds into the preceding Conv/Gemm or a one-operand Affine",
    },
    SupportedOp {
        onnx: "ReduceSum, ReduceMean, GlobalAveragePool",
        zkinfer: "`ReduceSum`",
        notes: "over any axes (kept); the mean's division folds into the sum's coefficient",
    },
    SupportedOp {
        onnx: "MaxPool, Max, Min, Clip, LeakyRelu",
        zkinfer: "`Gather` + `Affine` + Relu",
        notes: "`max(a, b) = b + relu(a - b)`, `min(a, b) = a - relu(a - b)`, `leaky(x) = αx + relu((1-α)x)`; a max-pool is a chain of maxes over its window's taps; no new constraints",
    },
    SupportedOp {
        onnx: "Relu",
        zkinfer: "`Relu`",
        notes: "`Max` with 0 after tract; fused into the preceding Dense/Conv when possible",
    },
    SupportedOp {
        onnx: "Flatten, Reshape, Squeeze, Unsqueeze, Identity, Transpose, Slice, Concat, Pad",
        zkinfer: "`Reshape` / `Transpose` / `Slice` / `Concat` / `Pad`",
        notes: "free: no rows, the cells are reused (Slice with step 1; Concat of computed tensors; Pad with zeros points at one shared cell that a MAC row forces to 0)",
    },
];

/// The list as the README's markdown table.
pub fn markdown_table() -> String {
    let mut out = String::from("| ONNX | zkinfer op | notes |\n|---|---|---|\n");
    for op in SUPPORTED_OPS {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            op.onnx, op.zkinfer, op.notes
        ));
    }
    out
}
