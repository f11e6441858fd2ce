//! Symbolic dimensions, as exporters write them (`dynamic_axes={"input": {0: "batch"}}`), resolved
//! before tract types the model: a dimension the user named (`--dim NAME=VALUE`) takes that value; an
//! unnamed leading (batch-like) dimension of an input is 1, one inference per proof; anything else is
//! refused with the dimension, the input and the flag. Every other shape in the graph follows from the
//! inputs' (the model's output facts are reopened where they were symbolic).

use crate::error::{ModelError, Result};
use std::collections::BTreeMap;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::{GenericFactoid, InferenceFact};

/// Values for symbolic dimensions, by name.
pub type Dims = BTreeMap<String, usize>;

/// How a symbolic dimension got its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DimSource {
    /// `--dim NAME=VALUE`.
    Given,
    /// The leading dimension of an input: one inference per proof.
    LeadingOne,
}

/// A symbolic dimension of the model's inputs and the value it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedDim {
    /// The dimension's name in the model (e.g. `batch`), an expression of names (`2*batch`), or `?`
    /// for an unnamed leading one.
    pub name: String,
    /// The input it was found on, and the axis.
    pub input: String,
    /// The axis of that input.
    pub axis: usize,
    /// Its value.
    pub value: usize,
    /// Where the value came from (an expression of given symbols counts as given).
    pub source: DimSource,
}

/// The largest value a dimension may be given (no model input comes near it).
const MAX_DIM: usize = 1 << 31;

/// What a dimension of an input fact is.
enum Kind {
    /// A size.
    Concrete,
    /// Exactly one named symbol.
    Symbol(Symbol),
    /// An expression of symbols (`2*batch`).
    Expression(TDim),
    /// Nothing declared.
    Unnamed,
}

fn kind(d: &GenericFactoid<TDim>) -> Kind {
    match d {
        GenericFactoid::Only(dim) if dim.to_i64().is_ok() => Kind::Concrete,
        GenericFactoid::Only(TDim::Sym(s)) => Kind::Symbol(s.clone()),
        GenericFactoid::Only(dim) => Kind::Expression(dim.clone()),
        GenericFactoid::Any => Kind::Unnamed,
    }
}

fn node_err(input: &str, msg: String) -> ModelError {
    ModelError::Node {
        node: input.to_string(),
        msg,
    }
}

/// Make every input dimension of `model` concrete (module docs); returns what was resolved. A value
/// in `given` for a name no input has is refused (a typo would otherwise be ignored silently).
pub fn resolve(model: &mut InferenceModel, given: &Dims, label: &str) -> Result<Vec<ResolvedDim>> {
    if let Some((name, v)) = given.iter().find(|(_, v)| **v == 0 || **v > MAX_DIM) {
        return Err(onnx(
            label,
            format!("--dim {name}={v}: a dimension is 1 to {MAX_DIM}"),
        ));
    }
    let inputs = model.input_outlets().map_err(|e| onnx(label, e))?.to_vec();
    let names: Vec<String> = inputs
        .iter()
        .map(|o| model.node(o.node).name.clone())
        .collect();
    let facts: Vec<Vec<GenericFactoid<TDim>>> = (0..inputs.len())
        .map(|i| {
            Ok(model
                .input_fact(i)
                .map_err(|e| onnx(label, e))?
                .shape
                .dims()
                .cloned()
                .collect())
        })
        .collect::<Result<_>>()?;
    // Pass 1: named symbols (given, or 1 on a leading axis) and unnamed leading axes.
    let mut values = SymbolValues::default();
    let mut named: BTreeMap<String, usize> = BTreeMap::new();
    let mut resolved: Vec<ResolvedDim> = Vec::new();
    let mut set: Vec<(usize, usize, usize)> = Vec::new();
    for (i, dims) in facts.iter().enumerate() {
        for (axis, d) in dims.iter().enumerate() {
            let (name, value, source) = match kind(d) {
                Kind::Concrete | Kind::Expression(_) => continue,
                Kind::Unnamed if axis == 0 => ("?".to_string(), 1, DimSource::LeadingOne),
                Kind::Unnamed => {
                    return Err(node_err(&names[i], format!(
                        "axis {axis} has neither a size nor a name: export the model with a fixed size \
                         or a named dimension there"
                    )))
                }
                Kind::Symbol(sym) => {
                    let name = sym.to_string();
                    let (value, source) = match (given.get(&name), named.get(&name)) {
                        (Some(v), _) => (*v, DimSource::Given),
                        (None, Some(v)) => (*v, DimSource::LeadingOne),
                        (None, None) if axis == 0 => (1, DimSource::LeadingOne),
                        (None, None) => {
                            return Err(node_err(&names[i], format!(
                                "dimension '{name}' (axis {axis}) is symbolic: give it a value with \
                                 --dim {name}=VALUE"
                            )))
                        }
                    };
                    named.insert(name.clone(), value);
                    values.set(&sym, value as i64);
                    (name, value, source)
                }
            };
            set.push((i, axis, value));
            let input = names[i].clone();
            resolved.push(ResolvedDim {
                name,
                input,
                axis,
                value,
                source,
            });
        }
    }
    // Pass 2: expressions of those symbols.
    for (i, dims) in facts.iter().enumerate() {
        for (axis, d) in dims.iter().enumerate() {
            let Kind::Expression(e) = kind(d) else {
                continue;
            };
            let value = e.eval(&values).to_i64().ok().filter(|v| *v >= 1).ok_or_else(|| {
                let mut syms: Vec<String> = e.symbols().iter().map(|s| s.to_string()).collect();
                syms.sort();
                node_err(&names[i], format!(
                    "dimension {e} (axis {axis}) is symbolic: give {} a value with --dim NAME=VALUE",
                    syms.join(", ")
                ))
            })? as usize;
            set.push((i, axis, value));
            let (input, name) = (names[i].clone(), e.to_string());
            resolved.push(ResolvedDim {
                name,
                input,
                axis,
                value,
                source: DimSource::Given,
            });
        }
    }
    if let Some(unknown) = given.keys().find(|n| !named.contains_key(*n)) {
        let known: Vec<&str> = named.keys().map(String::as_str).collect();
        return Err(onnx(
            label,
            format!(
                "--dim {unknown}: no input has a dimension of that name (symbolic dimensions: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        ));
    }
    for (i, axis, value) in set {
        let fact: &mut InferenceFact = model.input_fact_mut(i).map_err(|e| onnx(label, e))?;
        fact.shape.set_dim(axis, TDim::Val(value as i64));
    }
    reopen_outputs(model, label)?;
    Ok(resolved)
}

/// Whether a dimension is symbolic (named, an expression, or undeclared).
fn symbolic(d: &GenericFactoid<TDim>) -> bool {
    !matches!(kind(d), Kind::Concrete)
}

/// Forget what the model declares about its outputs' symbolic dimensions: tract infers them from
/// the (now concrete) inputs.
fn reopen_outputs(model: &mut InferenceModel, label: &str) -> Result<()> {
    for i in 0..model.output_outlets().map_err(|e| onnx(label, e))?.len() {
        let fact = model.output_fact(i).map_err(|e| onnx(label, e))?.clone();
        if fact.shape.dims().any(symbolic) {
            let open = InferenceFact {
                datum_type: fact.datum_type,
                ..InferenceFact::default()
            };
            model.set_output_fact(i, open).map_err(|e| onnx(label, e))?;
        }
    }
    Ok(())
}

fn onnx(label: &str, e: impl std::fmt::Display) -> ModelError {
    ModelError::Onnx {
        path: label.to_string(),
        msg: e.to_string(),
    }
}
