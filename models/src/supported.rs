//! The one list of ONNX operators zkinfer supports. The README's table is this list
//! (`zkinfer ops` prints it; a test keeps the README in sync).

/// One row: the ONNX operators, the zkinfer op they become, and what to know.
#[derive(Clone, Copy, Debug)]
pub struct SupportedOp {
    /// The ONNX operator types (exact `op_type`s; the conformance suite runs their node tests).
    pub ops: &'static [&'static str],
    /// How the README describes them.
    pub onnx: &'static str,
    /// The zkinfer op(s) they become, Markdown (the README table's second column).
    pub zkinfer: &'static str,
    /// What to know (variants, fusions, cost), Markdown (the README table's notes column).
    pub notes: &'static str,
}

/// Every supported ONNX operator, in the README table's order (see [`markdown_table`]).
pub const SUPPORTED_OPS: &[SupportedOp] = &[
    SupportedOp {
        ops: &["Gemm", "MatMul"],
        onnx: "Gemm, MatMul with a constant operand",
        zkinfer: "`Dense`",
        notes: "any axis order (tract's `EinSum`; free transposes around it); bias and a following Relu are fused; per input row `⌈n_out/4⌉·⌈n_in/8⌉` MAC rows and one requant row per output (the default 8×4 MAC block)",
    },
    SupportedOp {
        ops: &["MatMul"],
        onnx: "MatMul of two computed tensors (attention)",
        zkinfer: "`MatMul` (Freivalds)",
        notes: "batched; `C = A·B` checked as `A·(B·r) = C·r` with a second-phase challenge `r`: `N + KN + MK + MN` rows instead of `MKN` multiplications; then rescaled",
    },
    SupportedOp {
        ops: &["Conv"],
        onnx: "Conv",
        zkinfer: "`Conv`",
        notes: "2-D (and 1-D, as 2-D of unit height), NCHW, OIHW kernels; strides, pads, dilations, groups (depthwise); bias and a following Relu are fused; on the MAC chip, per output position and group of 4 output channels `⌈c_in·kh·kw/(8·groups)⌉` MAC rows; or (chosen by the settings search, or `--conv-lanes N`) on the convolution check, `(c_in + c_out)·(H_p·W_p + E)` Horner rows and `c_out·c_in·kh·kw` weight terms over N lanes per image (see How it works); one requant row per output either way",
    },
    SupportedOp {
        ops: &["ConvTranspose"],
        onnx: "ConvTranspose",
        zkinfer: "`Gather` + `Conv`",
        notes: "2-D, NCHW; strides, explicit pads, dilations, groups, output padding: a stride-1 `Conv` with the kernel flipped over the input spread `stride` apart with zeros (a free gather), so its MAC slots are those of the spread grid (`stride²` × the input's positions)",
    },
    SupportedOp {
        ops: &["LpPool"],
        onnx: "LpPool (any integer `p`)",
        zkinfer: "`Multiply` / `Lookup` + `Pool` + `Lookup`",
        notes: "2-D and 1-D, NCHW: `|x|` (p = 1), `x²` (p = 2, one product row per element) or `|x|^p` (a table), summed by an un-normalized `Pool` (padding adds zeros), then `√` or `^(1/p)` (one lookup per output)",
    },
    SupportedOp {
        ops: &["AveragePool"],
        onnx: "AveragePool (and tract's SumPool)",
        zkinfer: "`Pool`",
        notes: "2-D and 1-D, NCHW; `count_include_pad` either way; divisor exact when a power of two, else its reciprocal gets up to `s` extra bits (within 2^-10 relative: the wide rescale); per group of 4 outputs `⌈4·kh·kw/8⌉` MAC rows, one requant row per output",
    },
    SupportedOp {
        ops: &["Add", "Sub"],
        onnx: "Add, Sub",
        zkinfer: "`Affine`",
        notes: "two tensors (a smaller one broadcast by a free gather), or a broadcast constant (folded into the preceding bias when possible); one MAC row per 4 elements and one requant row per element",
    },
    SupportedOp {
        ops: &["Mul", "BatchNormalization"],
        onnx: "Mul, Div by a constant; BatchNormalization",
        zkinfer: "`Affine`",
        notes: "per-element constant coefficients, with up to `s` extra bits when `2^s` holds one coarsely (the wide rescale: one more advice column and lookup per circuit); BatchNormalization folds into the preceding Conv/Gemm (free) or a one-operand Affine (one MAC row per 4 elements, one requant row per element)",
    },
    SupportedOp {
        ops: &["ReduceSum", "ReduceMean", "GlobalAveragePool"],
        onnx: "ReduceSum, ReduceMean, GlobalAveragePool",
        zkinfer: "`ReduceSum`",
        notes: "over any axes (kept); the mean's division folds into the sum's coefficient, held within 2^-10 relative by extra bits; per group of 4 outputs `⌈4·n/8⌉` MAC rows for `n` summed elements, one requant row per output",
    },
    SupportedOp {
        ops: &["ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"],
        onnx: "ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum, ReduceLogSumExp",
        zkinfer: "`Lookup` / `Multiply` + `ReduceSum` (+ `Lookup`)",
        notes: "as tract decomposes them: `|x|` (one lookup per element) or `x²` (one product row per element), summed, then `√`, `ln` or nothing (one lookup per output); the `√`/`ln` table spans the sum's calibrated range, so large sums cost table rows. LogSumExp is shifted as in Softmax, `m + ln Σ e^(x - m)` (a max chain, one `exp` lookup per element, one `ln` lookup per output), so large inputs do not overflow",
    },
    SupportedOp {
        ops: &["MaxPool", "Max", "Min", "Clip", "LeakyRelu"],
        onnx: "MaxPool, Max, Min, Clip, LeakyRelu",
        zkinfer: "`Gather` + `Affine` + Relu + `ExactSum`; `RawSum` after a Conv",
        notes: "`max(a, b) = b + relu(a - b)`, `min(a, b) = a - relu(a - b)`, `leaky(x) = αx + relu((1-α)x)`; a max-pool (2-D, or 1-D as 2-D of unit height) over taps `t_0..t_(k-1)` is `t_(k-1) + e_(k-1)` with `e_j = relu(t_(j-1) - t_j + e_(j-1))` (one Relu row of three MAC slots per tap after the first, then one exact MAC row, `ExactSum`, whose accumulator is the output: `k - 1` requant rows per output). A max-pool that alone reads a Conv (none or Relu after it) pools the Conv's exact sums before the rescale (`RawSum`: the steps' relus keep the sums, `y = sgn·z`, the raw relu gate; one requant row with the bias and activation per pooled output): the same integers, for `k` requant rows per pooled output instead of the Conv's `k` plus the pool's `k - 1`; the settings search may put those rows' sums on the requant rows themselves (`raw sum` gate `z = a - b + c` over copied operands, no MAC row)",
    },
    SupportedOp {
        ops: &["PRelu"],
        onnx: "PRelu (and `Where(x < 0, a·x, b·x)`)",
        zkinfer: "`Relu` + `Affine`",
        notes: "`a·x + (b - a)·relu(x)` with per-element slopes (any sign or size); no new constraints",
    },
    SupportedOp {
        ops: &["Sigmoid", "Tanh", "Exp", "Erf", "Gelu"],
        onnx: "Sigmoid, Tanh, Exp, Erf, Gelu (exact and tanh), Silu (`x·sigmoid(x)`)",
        zkinfer: "`Lookup` (or the activation of the preceding layer)",
        notes: "one lookup per element into the function's table over the calibrated domain (2x the calibration peak); fused into the preceding Dense/Conv/Affine when possible; an input outside the domain is an error naming the layer",
    },
    SupportedOp {
        ops: &["Softplus", "Softsign", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Mish", "Sin", "Cos"],
        onnx: "Softplus, Softsign, Elu, Selu, Celu, HardSigmoid, HardSwish, Mish, Sin, Cos",
        zkinfer: "`Lookup` (or the activation of the preceding layer)",
        notes: "as Sigmoid: one lookup per element, one table per function and parameters (`alpha`, `beta`, `gamma`); kept as one op, not tract's chain of `exp`/`ln`/selects",
    },
    SupportedOp {
        ops: &["Sqrt", "Reciprocal", "Log", "Pow"],
        onnx: "Sqrt, Reciprocal, Log, Pow with one constant exponent (and tract's Rsqrt)",
        zkinfer: "`Lookup`",
        notes: "one lookup per element; the table has no entry where the function is undefined (below 0 for Sqrt, at 0 for Reciprocal and Rsqrt, at and below 0 for Log, a fractional power of a negative): such an input is an error naming the layer; near 0 the steep slope costs precision, which the accuracy guard judges",
    },
    SupportedOp {
        ops: &["Floor", "Ceil", "Round"],
        onnx: "Floor, Ceil, Round (ties to even)",
        zkinfer: "`Lookup` (or the activation of the preceding layer)",
        notes: "one lookup per element into an exact table (every integer is on the fixed-point grid); exact on the quantized input, so a real input within `2^-(s+1)` of an integer (or of a tie, for Round) may land on the other side",
    },
    SupportedOp {
        ops: &["LayerNormalization", "InstanceNormalization", "GroupNormalization"],
        onnx: "LayerNormalization, InstanceNormalization, GroupNormalization (and tract's RmsNorm, Square)",
        zkinfer: "`ReduceSum` + `Affine` + `Multiply` + `Lookup` (Rsqrt)",
        notes: "`d = x - mean(x)`, `y = d·rsqrt(mean(d²) + ε)·γ + β`: two means (their `1/n` with coefficient bits), a product row pair per element for `d²` and for `d·r`, one Rsqrt lookup per normalized row; only the `Y` output",
    },
    SupportedOp {
        ops: &["Abs", "Neg"],
        onnx: "Abs, Neg",
        zkinfer: "`Relu` + `Affine` / `Affine`",
        notes: "`|x| = 2·relu(x) - x`, `-x`: exact, no table; `Pow(x, 2)` is the product `x·x`",
    },
    SupportedOp {
        ops: &["Softmax"],
        onnx: "Softmax (any axes)",
        zkinfer: "max chain + `Affine`/Exp + `ReduceSum` + `Divide`",
        notes: "`e = exp(x - max)`, `y = e / Σe` with the sound rounded division `2·e·2^s + S = 2·y·S + r`, `0 ≤ r < 2S` (four requant rows per element)",
    },
    SupportedOp {
        ops: &["LogSoftmax"],
        onnx: "LogSoftmax (any axes)",
        zkinfer: "max chain + `Affine`/Exp + `ReduceSum` + `Lookup` (Log) + `Affine`",
        notes: "`x - max - log(Σ exp(x - max))`: the log one table lookup per group (`Σ ∈ [1, n]`), no division",
    },
    SupportedOp {
        ops: &["ReduceMax", "ReduceMin", "ReduceProd", "ArgMax", "ArgMin"],
        onnx: "ReduceMax, ReduceMin, ReduceProd, ArgMax, ArgMin",
        zkinfer: "max chain / `Multiply` chain / steps",
        notes: "over any axes; max and min are `t_(k-1) ± e_(k-1)` with one Relu step `e_j = relu(±(t_(j-1) - t_j) + e_(j-1))` per member after the first and one Affine row (`k` requant rows for `k` members); a product is a chain of product row pairs (bounded by the range check); ArgMax/ArgMin mark the members equal to the extreme with a step, keep a running 'seen' bit (one step row per member) and output the count before the first: ties go to the first index, or the last with `select_last_index`",
    },
    SupportedOp {
        ops: &["TopK"],
        onnx: "TopK (constant `k`; largest or smallest; values and indices)",
        zkinfer: "ArgMax rounds",
        notes: "sorted, ties to the lower index: `k` rounds of the ArgMax construction, each picked member then moved below every other (`x + onehot·(min - 1 - x)`: one product row per member), about `7n` rows per round for groups of `n`",
    },
    SupportedOp {
        ops: &["Div"],
        onnx: "Div of two tensors",
        zkinfer: "`Divide`",
        notes: "rounded quotient, denominators must be positive (≥ 2^-s): four requant rows per element; division by a constant is an `Affine`; a smaller operand is broadcast by a free gather",
    },
    SupportedOp {
        ops: &["Mul"],
        onnx: "Mul of two tensors",
        zkinfer: "`Multiply`",
        notes: "a product row (`y = a·b` gate) and a rescale row per element; a smaller operand is broadcast by a free gather",
    },
    SupportedOp {
        ops: &["Relu"],
        onnx: "Relu",
        zkinfer: "`Relu`",
        notes: "`Max` with 0 after tract; fused into the preceding Dense/Conv when possible (free), else one Affine row per element",
    },
    SupportedOp {
        ops: &["Flatten", "Reshape", "Squeeze", "Unsqueeze", "Identity", "Transpose", "Slice", "Split", "Concat", "Pad", "Expand", "Tile"],
        onnx: "Flatten, Reshape, Squeeze, Unsqueeze, Identity, Transpose, Slice, Split (constant sizes), Concat, Pad, Expand, Tile",
        zkinfer: "`Reshape` / `Transpose` / `Slice` / `Concat` / `Pad` / `Gather`",
        notes: "free: no rows, the cells are reused (Slice with step 1; Concat of computed tensors; Pad with zeros points at one shared cell that a MAC row forces to 0; a non-zero constant adds one exact Affine row per element)",
    },
    SupportedOp {
        ops: &["Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Equal", "Not", "And", "Or", "Xor"],
        onnx: "Greater, Less, GreaterOrEqual, LessOrEqual, Equal, Not, And, Or, Xor",
        zkinfer: "`Affine` with a `Step` activation",
        notes: "exact 0/1: `a ≥ b` is the sign bit of `a - b` that the range check already proves, output as `sgn·2^s` by one gate (one row per element; `>` shifts the row by one unit); Equal is `[a ≥ b] + [b ≥ a] - 1` (three rows); on 0/1 operands And/Or are steps at `a + b - 1.5` / `- 0.5`, Xor their difference, Not `1 - a`; compares the quantized operands (values within `2^-s` may compare equal)",
    },
    SupportedOp {
        ops: &["Where", "Cast"],
        onnx: "Where, Cast",
        zkinfer: "`Affine` / `Multiply`",
        notes: "a computed condition: `b + c·(a - b)` (a product row pair per element, constant branches fold into coefficients); a constant condition: one exact Affine row per element; a large negative fill (at most -10⁴, e.g. `-inf`) chosen into a Softmax's input is a mask: those positions are left out of its max and sum and output an exact 0. Cast to a float type, of a 0/1 value, or between integer types (tract's symbolic integer TDim included: skl2onnx's label casts), is free; to bool it is `x ≠ 0`; a float's truncation to an integer is refused",
    },
    SupportedOp {
        ops: &["LSTM", "GRU", "RNN"],
        onnx: "LSTM, GRU, RNN (tract's Scan)",
        zkinfer: "unrolled: `Dense` + `Lookup` (σ, tanh) + `Multiply` + `Affine` per step",
        notes: "tract's `Scan` (its body imported once per step of the fixed sequence length, states passed from step to step, scanned inputs and outputs free gathers and concatenations) with its fused cells (`LstmEpilogue`: 5 lookups, 3 product row pairs and an Affine row per hidden unit and step; `GruEpilogue` and `GruSeq`: 3 Affine/lookup rows, 2 product row pairs, 2 Affine rows), or the decomposed cell; both directions; a constant initial state enters as coefficients",
    },
    SupportedOp {
        ops: &["LinearClassifier", "LinearRegressor", "Normalizer"],
        onnx: "LinearClassifier, LinearRegressor, Normalizer (`ai.onnx.ml`, as skl2onnx writes LogisticRegression, LinearSVC and LinearRegression with `zipmap=False`)",
        zkinfer: "`Dense` + the ops above + `Embedding`",
        notes: "tract expands them into a matrix product, the post-transform (softmax, logistic, L1/L2/max normalization) and an ArgMax; the label is an `Embedding` of the class labels at the winning index (numeric labels only); costs as the ops they become (a `Dense`, the post-transform's tables, the ArgMax's steps, one table read per label)",
    },
    SupportedOp {
        ops: &["TreeEnsembleClassifier", "TreeEnsembleRegressor"],
        onnx: "TreeEnsembleClassifier, TreeEnsembleRegressor (`ai.onnx.ml`: random forests, gradient boosting, decision trees from skl2onnx)",
        zkinfer: "`Affine` steps + `Dense` steps + `Dense`",
        notes: "Hummingbird's GEMM form from tract's tree data: one step row per branch test (`<`, `<=`, `>`; decided on the quantized input, so an input within `2^-s` of a threshold may take the other branch), one `Dense` step per tree marking the reached leaf (`branches × leaves / lanes` MAC rows, one row per leaf), one `Dense` of the leaves' votes; base values, post-transform and labels as above. The regressor, which tract does not read, is parsed by zkinfer into tract's tree op (SUM or AVERAGE, base values). A binary classifier voting for class 0 only (skl2onnx's binary forests) gets onnxruntime's label `[p > 1/2]`, not tract's; with negative votes, base values or a post-transform it is refused, as are equality tests, MAX/MIN aggregation and a regressor's post-transform",
    },
    SupportedOp {
        ops: &["GatherElements", "ScatterElements", "ScatterND"],
        onnx: "GatherElements, ScatterElements, ScatterND at constant indices",
        zkinfer: "`Gather` (after a free `Concat` of the data and updates)",
        notes: "free: each output element is a copy of one input element, the map read by running tract's op on tagged positions and confirmed with scattered tags; elements of a constant data or updates operand cost one exact Affine row per output element; a scatter's `add`/`mul`/`max`/`min` reduction and computed indices are refused",
    },
    SupportedOp {
        ops: &["Resize"],
        onnx: "Resize (nearest, linear, cubic; constant scales or sizes)",
        zkinfer: "`Gather` / `Gather` + `Affine`",
        notes: "nearest: free, the map read by running tract's op on tagged positions (any coordinate transform and rounding mode); linear and cubic (antialiasing included): a fixed separable linear map, each axis' weights read by running tract's op on one-hot inputs and the whole map confirmed on scattered values, then one free gather per tap and one Affine row per output element (4 taps for 2-D linear, 16 for cubic)",
    },
    SupportedOp {
        ops: &["Gather"],
        onnx: "Gather",
        zkinfer: "`Gather` / `Embedding`",
        notes: "constant indices into a computed tensor: free (negative indices count from the end); constant data at computed indices (token embeddings): one row and one lookup per output element into the data's columns, which join the lookup table (the data's size in table rows); such indices must be integers in `[0, V)`",
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
