//! Recurrent nets (ONNX LSTM, GRU, RNN, and Scan) as tract represents them: a `Scan` whose body is one
//! time step. The body is imported once per step, unrolled over the fixed sequence length: each step's
//! slice of a scanned input is a free gather, the states flow from one step's outputs into the next
//! step's inputs, and scanned outputs are concatenated (free). The fused cells tract puts in the body
//! are in `cells`. Every node a step adds is named `<scan>[t].<node>`.

use super::dispatch::import_node;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use std::collections::HashMap;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::scan::{InputMapping, Scan, ScanInfo};
use zkinfer_circuits::ops::{Concat, Gather};

/// Step `t` of `n` of a scanned tensor `x` (of `shape`) along `info`: a free gather.
fn step_slice(
    im: &mut Importer,
    name: &str,
    x: usize,
    shape: &[usize],
    info: &ScanInfo,
    t: usize,
    n: usize,
) -> usize {
    let len = info.chunk.unsigned_abs();
    let first = if info.chunk > 0 { t } else { n - 1 - t } * len;
    let mut out = shape.to_vec();
    out[info.axis] = len;
    let inner: usize = shape[info.axis + 1..].iter().product();
    let indices = (0..out.iter().product::<usize>())
        .map(|i| {
            let (outer, rest) = (i / (len * inner), i % (len * inner));
            (outer * shape[info.axis] + first + rest / inner) * inner + rest % inner
        })
        .collect();
    let op = FloatOp::Gather(Gather {
        shape: out.clone(),
        indices,
    });
    im.push_anonymous(name, op, vec![x], out)
}

pub(super) fn import_scan(im: &mut Importer, node: &TypedNode, scan: &Scan) -> Result<()> {
    if scan.skip != 0 {
        return Err(im.unsupported(node, "a Scan that skips steps"));
    }
    let name = node.name.clone();
    let body = &scan.body;
    let body_inputs = body
        .input_outlets()
        .map_err(|e| im.node_err(node, e.to_string()))?
        .to_vec();
    let body_outputs = body
        .output_outlets()
        .map_err(|e| im.node_err(node, e.to_string()))?
        .to_vec();
    // The number of steps, from the scanned inputs.
    let mut steps = None;
    let mut outer = Vec::with_capacity(node.inputs.len());
    for (i, mapping) in scan.input_mapping.iter().enumerate() {
        let value = im.input(node, i)?;
        if let InputMapping::Scan(info) = mapping {
            let shape = im.input_shape(node, i)?;
            let len = info.chunk.unsigned_abs();
            if len == 0 || shape[info.axis] % len != 0 {
                return Err(im.node_err(node, format!("scan chunk {} of {shape:?}", info.chunk)));
            }
            steps = Some(shape[info.axis] / len);
        }
        outer.push(value);
    }
    let Some(n) = steps else {
        return Err(im.unsupported(node, "a Scan without a scanned input"));
    };
    let mut states: Vec<Value> = scan
        .input_mapping
        .iter()
        .zip(&outer)
        .filter(|(m, _)| m.is_state())
        .map(|(_, v)| v.clone())
        .collect();
    let mut scanned: Vec<Vec<usize>> = vec![Vec::new(); scan.output_mapping.len()];
    let mut last: Vec<Option<Value>> = vec![None; scan.output_mapping.len()];
    for t in 0..n {
        let mut values = HashMap::new();
        let mut state = states.iter();
        for (i, mapping) in scan.input_mapping.iter().enumerate() {
            let v = match mapping {
                InputMapping::Full => outer[i].clone(),
                InputMapping::State => state
                    .next()
                    .cloned()
                    .ok_or_else(|| im.node_err(node, "state"))?,
                InputMapping::Scan(info) => {
                    let Value::Node(x) = outer[i] else {
                        return Err(im.node_err(node, "a scan over a constant"));
                    };
                    let shape = im.input_shape(node, i)?;
                    Value::Node(step_slice(
                        im,
                        &format!("{name}[{t}].in{i}"),
                        x,
                        &shape,
                        info,
                        t,
                        n,
                    ))
                }
            };
            values.insert(body_inputs[i].node, v);
        }
        let outputs = import_step(im, node, body, values, &body_inputs, &body_outputs, t)?;
        let mut next = Vec::new();
        for (j, (m, v)) in scan.output_mapping.iter().zip(outputs).enumerate() {
            if m.state {
                next.push(v.clone());
            }
            if m.scan.is_some() {
                match v {
                    Value::Node(x) => scanned[j].push(x),
                    Value::Const { .. } => {
                        return Err(im.unsupported(node, "a constant scan output"))
                    }
                }
            }
            last[j] = Some(v);
        }
        states = next;
    }
    for (j, m) in scan.output_mapping.iter().enumerate() {
        if let Some((slot, info)) = &m.scan {
            let mut parts = scanned[j].clone();
            if info.chunk < 0 {
                parts.reverse();
            }
            let shape = im.output_shape_of(node, *slot)?;
            let op = FloatOp::Concat(Concat { axis: info.axis });
            let v = im.push_anonymous(&format!("{name}.out{j}"), op, parts, shape);
            im.set_output(node, *slot, Value::Node(v));
        }
        if let (Some(slot), Some(v)) = (m.last_value_slot, last[j].clone()) {
            im.set_output(node, slot, v);
        }
    }
    Ok(())
}

/// One step of a scan body, its inputs bound to `values`; returns its outputs' values.
fn import_step(
    im: &mut Importer,
    node: &TypedNode,
    body: &TypedModel,
    values: HashMap<usize, Value>,
    inputs: &[OutletId],
    outputs: &[OutletId],
    t: usize,
) -> Result<Vec<Value>> {
    let first = im.graph.nodes.len();
    let mut sub = Importer {
        model: body,
        graph: std::mem::take(&mut im.graph),
        values,
        slots: HashMap::new(),
        signs: HashMap::new(),
        masks: HashMap::new(),
    };
    let order = body
        .eval_order()
        .map_err(|e| im.node_err(node, e.to_string()))?;
    let mut result = Ok(());
    for id in order {
        if !inputs.iter().any(|o| o.node == id) {
            result = import_node(&mut sub, id);
            if result.is_err() {
                break;
            }
        }
    }
    let values: Result<Vec<Value>> = result.and_then(|()| {
        outputs
            .iter()
            .map(|o| {
                let v = if o.slot == 0 {
                    sub.values.get(&o.node)
                } else {
                    sub.slots.get(&(o.node, o.slot))
                };
                v.cloned()
                    .ok_or_else(|| sub.node_err(node, "a scan body output not imported"))
            })
            .collect()
    });
    im.graph = sub.graph;
    for n in &mut im.graph.nodes[first..] {
        n.name = format!("{}[{t}].{}", node.name, n.name);
    }
    values
}
