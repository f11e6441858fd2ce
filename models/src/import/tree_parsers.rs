//! zkinfer's parsers for the `ai.onnx.ml` tree ensembles:
//! - TreeEnsembleRegressor, which tract 0.23.9 does not read: parsed here into tract's packed tree
//!   ensemble (the op tract's TreeEnsembleClassifier wires, with the regressor's `SUM` or `AVERAGE`
//!   aggregate), plus its base values, so the float reference is tract's own tree evaluation and
//!   [`super::trees`] imports it as it does the classifier's;
//! - TreeEnsembleClassifier: tract's parser, after checking what it assumes: each tree's node ids
//!   are `0, 1, 2, …` (it finds a child's row as the tree's first row plus the child's id, so other
//!   ids would silently evaluate another tree).

use std::collections::BTreeMap;
use std::sync::OnceLock;
use tract_onnx::model::ParsingContext;
use tract_onnx::pb::NodeProto;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::math::add;
use tract_onnx::tract_hir::internal::{
    bail, expand, Expansion, InferenceOp, InferenceResult, Solver, StaticName, TensorProxy,
};
use tract_onnx_opl::ml::tree::{Aggregate, Cmp, TreeEnsemble, TreeEnsembleData};
use tract_onnx_opl::ml::tree_ensemble_classifier::TreeEnsembleClassifier;

/// The regressor: tract's ensemble op (module docs) and the base values added to its sums.
#[derive(Clone, Debug)]
struct TreeRegressor {
    ensemble: TreeEnsemble,
    base: Option<Arc<Tensor>>,
}

impl Expansion for TreeRegressor {
    fn name(&self) -> StaticName {
        "TreeEnsembleRegressor".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        if inputs.len() != 1 || outputs.len() != 1 {
            bail!("TreeEnsembleRegressor has one input and one output");
        }
        s.equals(&outputs[0].datum_type, DatumType::F32)?;
        s.equals(&outputs[0].rank, 2)?;
        s.equals(&outputs[0].shape[0], &inputs[0].shape[0])?;
        s.equals(&outputs[0].shape[1], self.ensemble.n_classes().to_dim())?;
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let op = TreeEnsembleClassifier {
            ensemble: self.ensemble.clone(),
        };
        let sums = model.wire_node(format!("{prefix}.trees"), op, inputs)?;
        let Some(base) = &self.base else {
            return Ok(sums);
        };
        let base = base
            .clone()
            .into_tensor()
            .broadcast_into_rank(2)?
            .into_arc_tensor();
        let base = model.add_const(format!("{prefix}.base"), base)?;
        model.wire_node(format!("{prefix}.base_values"), add(), &[sums[0], base])
    }
}

fn mode(s: &str) -> TractResult<Option<Cmp>> {
    Ok(Some(match s {
        "BRANCH_LEQ" => Cmp::LessEqual,
        "BRANCH_LT" => Cmp::Less,
        "BRANCH_GTE" => Cmp::GreaterEqual,
        "BRANCH_GT" => Cmp::Greater,
        "BRANCH_EQ" => Cmp::Equal,
        "BRANCH_NEQ" => Cmp::NotEqual,
        "LEAF" => return Ok(None),
        other => bail!("node mode '{other}'"),
    }))
}

/// The attribute `name`, of `n` values when `n` is given.
fn ints(node: &NodeProto, name: &str, n: Option<usize>) -> TractResult<Vec<usize>> {
    let v: Vec<usize> = node.get_attr_vec(name)?;
    if n.is_some_and(|n| v.len() != n) {
        bail!(
            "attribute {name}: {} values, expected {}",
            v.len(),
            n.unwrap_or(0)
        );
    }
    Ok(v)
}

/// The nodes in (tree, node id) order and each tree's first row, checking that a node's row is its
/// tree's first row plus its id (ids `0, 1, 2, …` in every tree).
fn rows(trees: &[usize], ids: &[usize]) -> TractResult<(Vec<usize>, BTreeMap<usize, usize>)> {
    let mut order: Vec<usize> = (0..trees.len()).collect();
    order.sort_by_key(|i| (trees[*i], ids[*i]));
    let mut first_row = BTreeMap::new();
    for (row, i) in order.iter().enumerate() {
        if ids[*i] != row - *first_row.entry(trees[*i]).or_insert(row) {
            bail!("tree {}: node ids are not 0, 1, 2, ...", trees[*i]);
        }
    }
    Ok((order, first_row))
}

type Parser = fn(&ParsingContext, &NodeProto) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)>;

/// tract's own TreeEnsembleClassifier parser, which [`checked_classifier`] calls after its check.
static TRACT_CLASSIFIER: OnceLock<Parser> = OnceLock::new();

fn checked_classifier(
    ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let trees = ints(node, "nodes_treeids", None)?;
    rows(&trees, &ints(node, "nodes_nodeids", Some(trees.len()))?)?;
    let Some(parse) = TRACT_CLASSIFIER.get() else {
        bail!("tract's TreeEnsembleClassifier parser is not registered");
    };
    parse(ctx, node)
}

/// The trees packed as tract reads them: per tree its first row; per node a row of
/// `[feature, true row, false row, threshold bits, comparison]`, or `[first vote, end vote, 0, 0, 0]`
/// for a leaf; per vote `[target, weight bits]`.
fn pack(node: &NodeProto) -> TractResult<(TreeEnsembleData, usize)> {
    let features = ints(node, "nodes_featureids", None)?;
    let n = Some(features.len());
    let (trees, ids) = (
        ints(node, "nodes_treeids", n)?,
        ints(node, "nodes_nodeids", n)?,
    );
    let (yes, no) = (
        ints(node, "nodes_truenodeids", n)?,
        ints(node, "nodes_falsenodeids", n)?,
    );
    let values: Vec<f32> = node.get_attr_vec("nodes_values")?;
    let modes: Vec<&str> = node.get_attr_vec("nodes_modes")?;
    let targets = ints(node, "target_ids", None)?;
    let m = Some(targets.len());
    let (vote_trees, vote_nodes) = (
        ints(node, "target_treeids", m)?,
        ints(node, "target_nodeids", m)?,
    );
    let weights: Vec<f32> = node.get_attr_vec("target_weights")?;
    if values.len() != features.len()
        || modes.len() != features.len()
        || weights.len() != targets.len()
    {
        bail!("node or target attributes of different lengths");
    }
    let (order, first_row) = rows(&trees, &ids)?;
    let mut votes: Vec<usize> = (0..targets.len()).collect();
    votes.sort_by_key(|v| (vote_trees[*v], vote_nodes[*v]));
    let (mut rows, mut packed_votes) = (Vec::with_capacity(5 * order.len()), vec![]);
    let mut next_vote = 0;
    for i in order {
        let base = first_row[&trees[i]] as u32;
        if let Some(cmp) = mode(modes[i])? {
            let [t, f] = [yes[i], no[i]].map(|c| base + c as u32);
            rows.extend([
                features[i] as u32,
                t,
                f,
                values[i].to_bits(),
                u32::from(cmp.to_u8()),
            ]);
            continue;
        }
        let first = packed_votes.len() as u32 / 2;
        while next_vote < votes.len()
            && (vote_trees[votes[next_vote]], vote_nodes[votes[next_vote]]) == (trees[i], ids[i])
        {
            let v = votes[next_vote];
            packed_votes.extend([targets[v] as u32, weights[v].to_bits()]);
            next_vote += 1;
        }
        rows.extend([first, packed_votes.len() as u32 / 2, 0, 0, 0]);
    }
    if next_vote != votes.len() {
        bail!("a target vote for a node that is not a leaf");
    }
    let starts: Vec<u32> = first_row.values().map(|r| *r as u32).collect();
    let (n_rows, n_votes) = (rows.len() / 5, packed_votes.len() / 2);
    let data = TreeEnsembleData {
        trees: rctensor1(&starts),
        nodes: tensor1(&rows).into_shape(&[n_rows, 5])?.into_arc_tensor(),
        leaves: tensor1(&packed_votes)
            .into_shape(&[n_votes, 2])?
            .into_arc_tensor(),
    };
    Ok((data, features.iter().copied().max().unwrap_or(0)))
}

fn tree_regressor(
    _: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let outputs: usize = node.get_attr("n_targets")?;
    let aggregate = match node
        .get_attr_opt::<&str>("aggregate_function")?
        .unwrap_or("SUM")
    {
        "SUM" => Aggregate::Sum,
        "AVERAGE" => Aggregate::Avg,
        "MIN" => Aggregate::Min,
        "MAX" => Aggregate::Max,
        other => bail!("aggregate_function '{other}'"),
    };
    match node
        .get_attr_opt::<&str>("post_transform")?
        .unwrap_or("NONE")
    {
        "NONE" => {}
        other => bail!("post_transform '{other}' of a regressor"),
    }
    let (data, max_feature) = pack(node)?;
    let ensemble = TreeEnsemble::build(data, max_feature, outputs, aggregate)?;
    let base: Option<Vec<f32>> = node.get_attr_opt_vec("base_values")?;
    if base.as_ref().is_some_and(|b| b.len() != outputs) {
        bail!("base_values of another length than n_targets");
    }
    let base = base.map(|b| rctensor1(&b));
    Ok((expand(TreeRegressor { ensemble, base }), vec![]))
}

/// Register the tree ensembles' parsers (module docs).
pub fn register(reg: &mut tract_onnx::model::OnnxOpRegister) {
    reg.insert("TreeEnsembleRegressor", tree_regressor);
    if let Some(tract) = reg.0.get("TreeEnsembleClassifier").copied() {
        // The same function every time: a second registration changes nothing.
        let _ = TRACT_CLASSIFIER.set(tract);
        reg.insert("TreeEnsembleClassifier", checked_classifier);
    }
}
