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
    /// The dimension's name in the model (e.g. `batch`), or `?` for an unnamed one.
    pub name: String,
    /// The input it was found on, and the axis.
    pub input: String,
    /// The axis of that input.
    pub axis: usize,
    /// Its value.
    pub value: usize,
    /// Where the value came from.
    pub source: DimSource,
}

/// The name of a symbolic dimension (its symbols, joined), or `None` if it is concrete.
fn symbolic_name(d: &GenericFactoid<TDim>) -> Option<String> {
    match d {
        GenericFactoid::Only(dim) if dim.to_i64().is_ok() => None,
        GenericFactoid::Only(dim) => {
            let mut names: Vec<String> = dim.symbols().iter().map(|s| s.to_string()).collect();
            names.sort();
            Some(if names.is_empty() {
                dim.to_string()
            } else {
                names.join("*")
            })
        }
        GenericFactoid::Any => Some("?".into()),
    }
}

/// Make every input dimension of `model` concrete (module docs); returns what was resolved. A value
/// in `given` for a name no input has is refused (a typo would otherwise be ignored silently).
pub fn resolve(model: &mut InferenceModel, given: &Dims, label: &str) -> Result<Vec<ResolvedDim>> {
    let mut resolved: Vec<ResolvedDim> = Vec::new();
    let mut values: BTreeMap<String, usize> = BTreeMap::new();
    let inputs = model.input_outlets().map_err(|e| onnx(label, e))?.to_vec();
    for (i, outlet) in inputs.iter().enumerate() {
        let input = model.node(outlet.node).name.clone();
        let fact: &mut InferenceFact = model.input_fact_mut(i).map_err(|e| onnx(label, e))?;
        let dims: Vec<GenericFactoid<TDim>> = fact.shape.dims().cloned().collect();
        for (axis, d) in dims.iter().enumerate() {
            let Some(name) = symbolic_name(d) else {
                continue;
            };
            let (value, source) = match given.get(&name) {
                Some(v) => (*v, DimSource::Given),
                None if axis == 0 => (1, DimSource::LeadingOne),
                None => {
                    return Err(ModelError::Node {
                        node: input,
                        msg: format!(
                            "dimension '{name}' (axis {axis}) is symbolic: give it a value with --dim {name}=VALUE"
                        ),
                    })
                }
            };
            if values.get(&name).is_some_and(|v| *v != value) {
                return Err(ModelError::Node {
                    node: input,
                    msg: format!(
                        "dimension '{name}' would be both {} and {value}",
                        values[&name]
                    ),
                });
            }
            values.insert(name.clone(), value);
            fact.shape.set_dim(axis, TDim::Val(value as i64));
            resolved.push(ResolvedDim {
                name,
                input: input.clone(),
                axis,
                value,
                source,
            });
        }
    }
    if let Some(unknown) = given.keys().find(|n| !values.contains_key(*n)) {
        let known: Vec<&str> = resolved.iter().map(|d| d.name.as_str()).collect();
        return Err(ModelError::Onnx {
            path: label.to_string(),
            msg: format!(
                "--dim {unknown}: no input has a dimension of that name (symbolic dimensions: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        });
    }
    reopen_outputs(model, label)?;
    Ok(resolved)
}

/// Forget what the model declares about its outputs' symbolic dimensions: tract infers them from
/// the (now concrete) inputs.
fn reopen_outputs(model: &mut InferenceModel, label: &str) -> Result<()> {
    for i in 0..model.output_outlets().map_err(|e| onnx(label, e))?.len() {
        let fact = model.output_fact(i).map_err(|e| onnx(label, e))?.clone();
        if fact.shape.dims().any(|d| symbolic_name(d).is_some()) {
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
