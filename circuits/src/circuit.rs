//! [`ModelCircuit`]: a [`QuantizedGraph`] laid out as one halo2 circuit.
//!
//! Columns: the MAC chip (`lanes_in` activation + `lanes_out` accumulator advice columns, a
//! `lanes_out x lanes_in` block of fixed weight columns), the requant chip (5 advice `z q hi sgn y`, the
//! fixed offset column, and the fixed function-tag column when the graph has function tables), the
//! 3-column lookup table, the optional divide/multiply/Freivalds/Poseidon chips, and one instance column.
//! The chips use disjoint columns, so MAC blocks and requant rows are packed from row 0 in parallel and
//! the circuit is as tall as the tallest of them (see [`crate::Cost`]).
//!
//! Instance column layout (see [`ModelCircuit::instances`]): the input elements (only with `public_input`)
//! or the input's Poseidon commitment (only with `hashed_input`), then the output elements, then one
//! binding word ([`ModelCircuit::instances`]'s `binding`), always the last instance.
//!
//! The binding word is what a proof is *for*: no gate reads it, but every transcript (halo2's native one
//! and the EVM verifier's) absorbs all instances before the first challenge, so a proof made for one
//! binding word does not verify with another (Fiat-Shamir alone binds it). `InferenceMarket` puts
//! `keccak256(chain id, market, job id, payee) mod r` there, so a proof pays only the account it was made
//! for.

use crate::chips::conv_check::{ConvCheckConfig, ConvRows};
use crate::chips::divide::{self, DivideConfig};
use crate::chips::freivalds::FreivaldsConfig;
use crate::chips::mac::{MacBlock, MacConfig, MacTamper, MacWitness};
use crate::chips::multiply::MultiplyConfig;
use crate::chips::packing::Packing;
use crate::chips::poseidon::{PoseidonConfig, PoseidonTamper};
use crate::chips::requant::{RequantConfig, RescaleRow, Tamper};
use crate::chips::requant_rows::RequantRows;
use crate::chips::table::{TableConfig, TAG_FIRST_FN};
use crate::chips::Wire;
use crate::cost::Cost;
use crate::error::{CircuitError, Result};
use crate::fixed_point::to_field;
use crate::graph::{GraphTrace, QuantizedGraph};
use crate::ops::{Activation, AffineGroup, Lowering, ZERO_OPERAND};
use crate::tensor::QTensor;
use crate::Fr;
use halo2_proofs::circuit::{Cell, Layouter, Region, SimpleFloorPlanner, Value};
use halo2_proofs::plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Instance};
use std::sync::{Arc, Mutex};

mod affine;
mod conv;
mod params;
mod raw_rows;

pub use params::{
    input_hash_params, CircuitParams, INPUT_HASH_WIDTH, MAX_CONV_LANES, MAX_LANES, MAX_RANGE_BITS,
    MAX_SCALE,
};

/// The first row of the MAC chip (row 0 is left empty, see `lay_out`).
pub const MAC_FIRST_ROW: usize = 1;

/// The configured chips of a [`ModelCircuit`]; which optional ones exist is set by [`CircuitParams`].
#[derive(Clone, Debug)]
pub struct ModelConfig {
    /// The MAC chip (Dense, Conv, Affine and pool accumulators, and the shared zero cell).
    pub mac: MacConfig,
    /// The requant chip: rescales, activations and range checks (inputs, quotients).
    pub requant: RequantConfig,
    /// The further sets of requant columns (`params.requant_sets - 1` of them): plain rescales and range
    /// checks only, without the function and wide-limb lookups (those rows, and the division, product
    /// and table-read rows, stay on the first set).
    pub more_requant: Vec<RequantConfig>,
    /// The divide gate on the requant columns; present with `params.products`.
    pub divide: Option<DivideConfig>,
    /// The multiply gate on the requant columns; present with `params.products`.
    pub multiply: Option<MultiplyConfig>,
    /// The Freivalds chip for products of two computed tensors; present with `params.matmuls`.
    pub freivalds: Option<FreivaldsConfig>,
    /// The Poseidon chip committing to the input (its own `2·INPUT_HASH_WIDTH` advice columns); present
    /// with `params.hashed_input`.
    pub poseidon: Option<PoseidonConfig>,
    /// The convolution check; present with `params.conv_lanes > 0`.
    pub conv: Option<ConvCheckConfig>,
    /// The shared lookup table (limbs, high limbs, function tables).
    pub table: TableConfig,
    /// The one instance column (equality-enabled): inputs or their commitment, outputs, binding word.
    pub instance: Column<Instance>,
}

impl ModelConfig {
    /// Requant column set `set` (0 is the first); a set the circuit was not configured with is a
    /// synthesis error, never a row of another set.
    pub fn requant_set(&self, set: usize) -> std::result::Result<&RequantConfig, Error> {
        match set {
            0 => Ok(&self.requant),
            s => self.more_requant.get(s - 1).ok_or(Error::Synthesis),
        }
    }
}

/// A witness corruption for soundness tests: `tamper` applied to the requant row of output element
/// `index` of node `node`.
#[derive(Clone, Copy, Debug)]
pub struct TamperAt {
    /// Index of the node in `graph.nodes`.
    pub node: usize,
    /// Index of the element in the node's row-major output (for Freivalds tampers, of the product `C`).
    pub index: usize,
    /// What to corrupt.
    pub tamper: Tamper,
}

/// The circuit of one inference of `graph`. Without `inputs` it is the witness-free shape used for keygen.
#[derive(Clone, Debug)]
pub struct ModelCircuit {
    /// The model laid out.
    pub graph: Arc<QuantizedGraph>,
    /// The column configuration (must match the graph's scale and range bits and cover its ops).
    pub params: CircuitParams,
    /// Whether the input elements are instances (ignored with `params.hashed_input`, which exposes their
    /// commitment instead).
    pub public_input: bool,
    /// One tensor per input node, in `graph.input_nodes()` order; `None` for the keygen shape.
    pub inputs: Option<Arc<Vec<QTensor>>>,
    /// The salt of a hashed input's commitment (a private witness; zero when unsalted).
    pub salt: Option<Fr>,
    /// A requant-row corruption (soundness tests only: set through [`ModelCircuit::with_tamper`],
    /// which exists only with the `test-utils` feature; always `None` otherwise).
    pub(crate) tamper: Option<TamperAt>,
    /// A Poseidon corruption (soundness tests only, as `tamper`).
    pub(crate) poseidon_tamper: Option<PoseidonTamper>,
    /// Rows the last synthesis actually used (filled in by `synthesize`).
    pub rows_used: Arc<Mutex<Option<RowsUsed>>>,
    /// Why the last synthesis failed, in this crate's words (halo2's `Error::Synthesis` carries none):
    /// see [`ModelCircuit::synthesis_error`].
    failure: Arc<Mutex<Option<String>>>,
}

/// Rows a synthesis actually used, per chip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RowsUsed {
    /// One past the last MAC row used (row 0 left empty included).
    pub mac: usize,
    /// Requant rows used (from row 0).
    pub requant: usize,
    /// One past the last Freivalds row used (row 0 left empty; 1 when the graph has no matrix product).
    pub freivalds: usize,
    /// Rows of the convolution check's tallest lane (0 without it).
    pub conv: usize,
}

impl ModelCircuit {
    /// The keygen shape of `graph`.
    pub fn new(graph: Arc<QuantizedGraph>, params: CircuitParams, public_input: bool) -> Self {
        Self {
            graph,
            params,
            public_input,
            inputs: None,
            salt: None,
            tamper: None,
            poseidon_tamper: None,
            rows_used: Arc::default(),
            failure: Arc::default(),
        }
    }

    /// This circuit with the witness corruption `at` (soundness tests: the circuit must then be
    /// unsatisfied).
    #[cfg(any(test, feature = "test-utils"))]
    pub fn with_tamper(mut self, at: Option<TamperAt>) -> Self {
        self.tamper = at;
        self
    }

    /// This circuit with the Poseidon corruption `t` (soundness tests).
    #[cfg(any(test, feature = "test-utils"))]
    pub fn with_poseidon_tamper(mut self, t: Option<PoseidonTamper>) -> Self {
        self.poseidon_tamper = t;
        self
    }

    /// Why the last synthesis of this circuit (or of a clone of it) failed, naming the layer where it
    /// can: what to report instead of halo2's bare `Synthesis` error.
    pub fn synthesis_error(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }

    /// Record `e` as the reason of a failed synthesis; halo2's error for it.
    fn fail(&self, e: CircuitError) -> Error {
        if let Ok(mut failure) = self.failure.lock() {
            *failure = Some(e.to_string());
        }
        Error::Synthesis
    }

    /// This circuit with the salt of its hashed input's commitment (see [`crate::poseidon`]).
    pub fn with_salt(&self, salt: Fr) -> Self {
        Self {
            salt: Some(salt),
            ..self.clone()
        }
    }

    /// This circuit with a witness.
    pub fn with_inputs(&self, inputs: Vec<QTensor>) -> Self {
        Self {
            inputs: Some(Arc::new(inputs)),
            ..self.clone()
        }
    }

    /// The public instance column for a trace of this graph, bound to `binding` (the last instance; zero
    /// when the proof is for nobody in particular).
    pub fn instances(&self, trace: &GraphTrace, binding: Fr) -> Vec<Fr> {
        let mut words = self.model_instances(trace);
        words.push(binding);
        words
    }

    /// The instances the model's wires are copied to: inputs (or their commitment), then outputs.
    fn model_instances(&self, trace: &GraphTrace) -> Vec<Fr> {
        let inputs = self.graph.input_nodes();
        if self.params.hashed_input {
            let values: Vec<Fr> = inputs
                .iter()
                .flat_map(|i| &trace.values[*i].data)
                .map(|v| to_field(*v))
                .collect();
            let outputs = trace
                .outputs(&self.graph)
                .flat_map(|t| &t.data)
                .map(|v| to_field(*v));
            let salt = self.salt.unwrap_or(Fr::from(0));
            return std::iter::once(input_hash_params().commit_salted(salt, &values))
                .chain(outputs)
                .collect();
        }
        let public_inputs = inputs
            .iter()
            .filter(|_| self.public_input)
            .flat_map(|i| &trace.values[*i].data);
        public_inputs
            .chain(trace.outputs(&self.graph).flat_map(|t| &t.data))
            .map(|v| to_field(*v))
            .collect()
    }

    /// How many instances [`ModelCircuit::instances`] returns (the binding word included).
    pub fn num_instances(&self) -> Result<usize> {
        let shapes = self.graph.shapes()?;
        let outputs: usize = self
            .graph
            .outputs
            .iter()
            .map(|i| shapes[*i].iter().product::<usize>())
            .sum();
        Ok(self.num_input_instances()? + outputs + 1)
    }

    /// How many of the instances are the input's: the input's elements with `public_input`, its one
    /// Poseidon commitment with `hashed_input`, else none.
    pub fn num_input_instances(&self) -> Result<usize> {
        if self.params.hashed_input {
            return Ok(1);
        }
        if !self.public_input {
            return Ok(0);
        }
        let shapes = self.graph.shapes()?;
        Ok(self
            .graph
            .input_nodes()
            .iter()
            .map(|i| shapes[*i].iter().product::<usize>())
            .sum())
    }

    /// Rows used and the smallest k for this circuit.
    pub fn cost(&self) -> Result<(Cost, u32)> {
        self.params
            .check()
            .map_err(|msg| CircuitError::Graph(format!("circuit parameters: {msg}")))?;
        let cost = Cost::of(&self.graph, &self.params)?;
        let blinding = self.params.blinding_rows();
        // The instance column needs its values in usable rows too (the binding word included).
        let instances = self.num_instances()?;
        let mut k = cost.min_k(blinding);
        while (1usize << k) < instances + blinding + 1 {
            k += 1;
        }
        Ok((cost, k))
    }

    /// Lay the model out; returns the wires the instance column exposes (public inputs, then outputs)
    /// and the input wires.
    fn lay_out(
        &self,
        config: &ModelConfig,
        region: &mut Region<'_, Fr>,
    ) -> Result<(Vec<Wire>, Vec<Wire>)> {
        let graph = &self.graph;
        let shapes = graph.shapes()?;
        let mut inputs = self.inputs.as_ref().map(|v| v.iter());
        // The MAC gate queries the previous row; starting at row 1 keeps that query inside the used rows.
        let (mut mac_row, mut fv_row) = (MAC_FIRST_ROW, 1usize);
        let mut req = RequantRows::new(self.params.requant_sets);
        let mut conv_rows = ConvRows::new(self.params.conv_lanes);
        // Once per synthesis (it reads every table entry), from the graph and parameters laid out now.
        let x_bound = self.params.activation_bound(graph);
        let mut wires: Vec<Vec<Wire>> = Vec::with_capacity(graph.nodes.len());
        let mut public = Vec::new();
        let mut input_wires = Vec::new();
        let mut zero: Option<Wire> = None;
        let tables = graph.tables();
        let first_section = graph.sections().1;
        let synth = |e: Error| CircuitError::Synthesis(e.to_string());
        for (n, node) in graph.nodes.iter().enumerate() {
            let ins: Vec<&[usize]> = node.inputs.iter().map(|j| shapes[*j].as_slice()).collect();
            // A Conv goes to the convolution check when the circuit has one (and the input is no empty
            // plane, which stays on the MAC chip).
            let checked = match &node.op {
                crate::OpKind::Conv(op) if config.conv.is_some() => {
                    op.check_shape(ins[0]).map(|_| op)
                }
                _ => None,
            };
            if let Some(op) = checked {
                let x = (wires[node.inputs[0]].as_slice(), ins[0]);
                let out =
                    self.lay_out_conv(config, region, (n, op), x, (&mut conv_rows, &mut req))?;
                wires.push(out);
                continue;
            }
            if let Some(op) = self.raw_rows_of(&node.op) {
                let operands: Vec<&[Wire]> =
                    node.inputs.iter().map(|j| wires[*j].as_slice()).collect();
                let zero = match zero {
                    Some(z) => z,
                    None => *zero.insert(
                        self.zero_wire(config, region, &mut mac_row)
                            .map_err(synth)?,
                    ),
                };
                let out =
                    self.lay_out_raw_sum(config, region, (n, op), &operands, (zero, &mut req))?;
                wires.push(out);
                continue;
            }
            let out = match node.op.as_op().lower(&ins, self.params.group_neurons()) {
                Lowering::Alias => wires[node.inputs[0]].clone(),
                Lowering::Gather(map) => {
                    let mut out = Vec::with_capacity(map.len());
                    for (op, i) in &map {
                        out.push(if *op == ZERO_OPERAND {
                            // One zero cell for the whole circuit (the cost estimate counts one).
                            match zero {
                                Some(z) => z,
                                None => {
                                    let z = self
                                        .zero_wire(config, region, &mut mac_row)
                                        .map_err(synth)?;
                                    *zero.insert(z)
                                }
                            }
                        } else {
                            wires[node.inputs[*op]][*i]
                        });
                    }
                    out
                }
                Lowering::MatMul(shape) => {
                    let fv = config.freivalds.as_ref().ok_or_else(|| {
                        CircuitError::Graph(format!("node '{}': no Freivalds chip", node.name))
                    })?;
                    let (a, b) = (&wires[node.inputs[0]], &wires[node.inputs[1]]);
                    let tamper = self.tamper.filter(|t| t.node == n);
                    let len = shape.batch * shape.m * shape.n;
                    let mut c: Vec<Option<i64>> = vec![None; len];
                    if self.inputs.is_some() {
                        let values =
                            |w: &[Wire]| w.iter().map(|w| w.value).collect::<Option<Vec<_>>>();
                        let op = crate::ops::MatMul {
                            batch: shape.batch,
                            m: shape.m,
                            k: shape.k,
                            n: shape.n,
                        };
                        let exact = values(a)
                            .zip(values(b))
                            .and_then(|(a, b)| op.products(&a, &b))
                            .ok_or_else(|| CircuitError::Overflow {
                                layer: node.name.clone(),
                            })?;
                        c = exact.into_iter().map(Some).collect();
                        if let Some(t) = tamper.filter(|t| t.tamper == Tamper::Product) {
                            c[t.index] = c[t.index].map(|v| v + 1);
                        }
                    }
                    let fv_tamper = tamper.and_then(|t| match t.tamper {
                        Tamper::Freivalds(f) => Some(f),
                        _ => None,
                    });
                    let c_wires = fv
                        .assign(region, fv_row, shape, (a, b), &c, fv_tamper)
                        .map_err(synth)?;
                    fv_row += shape.rows();
                    let mut out = Vec::with_capacity(len);
                    for (i, cw) in c_wires.iter().enumerate() {
                        let t = tamper.filter(|t| t.index == i).map(|t| t.tamper);
                        let (set, row) = req.single();
                        out.push(
                            config
                                .requant_set(set)
                                .map_err(synth)?
                                .assign_rescale(
                                    region,
                                    row,
                                    cw,
                                    RescaleRow::product(self.params.scale),
                                    t,
                                )
                                .map_err(synth)?,
                        );
                    }
                    out
                }
                Lowering::Multiply(pairs) => {
                    let mul = config.multiply.as_ref().ok_or_else(|| {
                        CircuitError::Graph(format!("node '{}': no multiply gate", node.name))
                    })?;
                    let tamper = self.tamper.filter(|t| t.node == n);
                    let mut out = Vec::with_capacity(pairs.len());
                    for (i, ((a, ai), (b, bi))) in pairs.iter().enumerate() {
                        let (x, y) = (wires[node.inputs[*a]][*ai], wires[node.inputs[*b]][*bi]);
                        let t = tamper.filter(|t| t.index == i).map(|t| t.tamper);
                        let corrupt = t == Some(Tamper::Product);
                        let req_row = req.first_set(2);
                        let product = mul
                            .assign(region, &config.requant, req_row, (&x, &y), corrupt)
                            .map_err(synth)?;
                        out.push(
                            config
                                .requant
                                .assign_rescale(
                                    region,
                                    req_row + 1,
                                    &product,
                                    RescaleRow::product(self.params.scale),
                                    t,
                                )
                                .map_err(synth)?,
                        );
                    }
                    out
                }
                Lowering::Divide(pairs) => {
                    let div = config.divide.as_ref().ok_or_else(|| {
                        CircuitError::Graph(format!("node '{}': no divide gate", node.name))
                    })?;
                    let tamper = self.tamper.filter(|t| t.node == n);
                    let mut out = Vec::with_capacity(pairs.len());
                    for (i, ((a, ai), (b, bi))) in pairs.iter().enumerate() {
                        let (num, den) = (wires[node.inputs[*a]][*ai], wires[node.inputs[*b]][*bi]);
                        let t = tamper.filter(|t| t.index == i).map(|t| t.tamper);
                        let req_row = req.first_set(divide::ROWS);
                        out.push(
                            div.assign(region, &config.requant, req_row, (&num, &den), t)
                                .map_err(synth)?,
                        );
                    }
                    out
                }
                Lowering::TableRead(map) => {
                    let first_tag = first_section[n]
                        .map(|j| TAG_FIRST_FN + (tables.len() + j) as u64)
                        .ok_or_else(|| {
                            CircuitError::Graph(format!("node '{}' has no table", node.name))
                        })?;
                    let index = &wires[node.inputs[0]];
                    let first = req.first_set(map.len());
                    self.lay_out_reads(config, region, n, (&map, index), first_tag, first)?
                }
                Lowering::Input => {
                    let len = shapes[n].iter().product::<usize>();
                    let values = inputs.as_mut().and_then(|it| it.next());
                    let mut out = Vec::with_capacity(len);
                    for i in 0..len {
                        let v = values.map(|t| t.data.get(i).copied()).unwrap_or(None);
                        let (set, row) = req.single();
                        out.push(
                            config
                                .requant_set(set)
                                .map_err(synth)?
                                .assign_input(region, row, v)
                                .map_err(synth)?,
                        );
                    }
                    if self.public_input && !self.params.hashed_input {
                        public.extend(out.iter().copied());
                    }
                    input_wires.extend(out.iter().copied());
                    out
                }
                Lowering::Affine(groups) => {
                    let operands: Vec<&[Wire]> =
                        node.inputs.iter().map(|j| wires[*j].as_slice()).collect();
                    let len = shapes[n].iter().product::<usize>();
                    let mut rows = affine::Rows {
                        mac: &mut mac_row,
                        requant: &mut req,
                        zero: &mut zero,
                        x_bound,
                    };
                    self.lay_out_affine(config, region, (n, &groups, len), &operands, &mut rows)?
                }
            };
            wires.push(out);
        }
        public.extend(graph.outputs.iter().flat_map(|o| wires[*o].iter().copied()));
        if let Ok(mut used) = self.rows_used.lock() {
            *used = Some(RowsUsed {
                mac: mac_row,
                requant: req.height(),
                freivalds: fv_row,
                conv: conv_rows.height(),
            });
        }
        Ok((public, input_wires))
    }

    /// The rows of node `n`'s table reads (`map`: index element and column per output element), from
    /// requant row `first_row`; the section of column `c` has tag `first_tag + c`.
    fn lay_out_reads(
        &self,
        config: &ModelConfig,
        region: &mut Region<'_, Fr>,
        n: usize,
        (map, index): (&[(usize, usize)], &[Wire]),
        first_tag: u64,
        first_row: usize,
    ) -> Result<Vec<Wire>> {
        let node = &self.graph.nodes[n];
        let crate::OpKind::Embedding(op) = &node.op else {
            return Err(CircuitError::Graph(format!(
                "node '{}' reads no table",
                node.name
            )));
        };
        let tamper = self.tamper.filter(|t| t.node == n);
        let unit = 1i64 << self.params.scale;
        let mut out = Vec::with_capacity(map.len());
        for (i, (p, c)) in map.iter().enumerate() {
            let wire = index[*p];
            let t = tamper.filter(|t| t.index == i).map(|t| t.tamper);
            // The value read (an honest witness reads its own entry; the tampers read another).
            let (q, column, row_of) = match t {
                Some(Tamper::TableIndex) => (wire.value.map(|q| q + unit), *c, 0),
                Some(Tamper::TableColumn) => (wire.value, c + 1, 0),
                Some(Tamper::TableRow) => (wire.value, *c, 1),
                _ => (wire.value, *c, 0),
            };
            let y = match q {
                None => None,
                Some(q) => {
                    let k = op.key(q).map(|k| k + row_of);
                    let v = k
                        .filter(|k| column < op.columns() && *k < op.data.len() / op.columns())
                        .map(|k| *op.entry(column, k))
                        .ok_or_else(|| {
                            CircuitError::Graph(format!(
                                "node '{}': index {q} is not a row of its table",
                                node.name
                            ))
                        })?;
                    Some(v + i64::from(t == Some(Tamper::Activation)))
                }
            };
            let tag = first_tag + *c as u64;
            out.push(
                config
                    .requant
                    .assign_table_read(region, first_row + i, &wire, (q, y), tag)
                    .map_err(|e| CircuitError::Synthesis(e.to_string()))?,
            );
        }
        Ok(out)
    }

    /// A cell constrained to 0: the accumulator of a MAC row with no inputs (`acc = 0·prev + Σ ∅`).
    fn zero_wire(
        &self,
        config: &ModelConfig,
        region: &mut Region<'_, Fr>,
        mac_row: &mut usize,
    ) -> std::result::Result<Wire, Error> {
        let empty = AffineGroup {
            slots: vec![],
            weights: vec![],
            bias: vec![0],
            act: Activation::None,
            outputs: vec![0],
            extra: 0,
            exact: false,
            raw_inputs: false,
            fine: 0,
        };
        let value = i64::from(self.tamper.is_some_and(|t| t.tamper == Tamper::ZeroCell));
        let witness = self.inputs.as_ref().map(|_| MacWitness {
            rows: vec![vec![value]],
        });
        let block = MacBlock {
            group: &empty,
            first: 0,
            count: 1,
            slots: &[],
            packing: Packing::NONE,
            tamper: MacTamper::None,
        };
        let (accs, rows) =
            config
                .mac
                .assign(region, *mac_row, &[], block, witness.as_ref(), None)?;
        *mac_row += rows;
        Ok(accs[0])
    }
}

impl Circuit<Fr> for ModelCircuit {
    type Config = ModelConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = CircuitParams;

    fn without_witnesses(&self) -> Self {
        Self {
            inputs: None,
            salt: None,
            tamper: None,
            poseidon_tamper: None,
            ..self.clone()
        }
    }

    fn params(&self) -> CircuitParams {
        self.params
    }

    fn configure_with_params(
        meta: &mut ConstraintSystem<Fr>,
        params: CircuitParams,
    ) -> ModelConfig {
        let table = TableConfig::configure(meta, params.function_tables);
        let mac = MacConfig::configure(meta, params.lanes_in, params.lanes_out);
        let requant = RequantConfig::configure(meta, &table, &params);
        let (divide, multiply) = if params.products {
            (
                Some(DivideConfig::configure(meta, &requant)),
                Some(MultiplyConfig::configure(meta, &requant)),
            )
        } else {
            (None, None)
        };
        let freivalds = params.matmuls.then(|| FreivaldsConfig::configure(meta));
        let poseidon = params.hashed_input.then(|| {
            let advice: Vec<Column<Advice>> = (0..2 * INPUT_HASH_WIDTH)
                .map(|_| meta.advice_column())
                .collect();
            PoseidonConfig::configure(meta, &advice, input_hash_params())
        });
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        // Configured last, so circuits with one set keep their column indices (and keys). Without
        // function tables or coefficient bits: only the first set reads them (every set has the weight
        // bits' digits: dense layers' rows go to any set).
        let plain = CircuitParams {
            function_tables: false,
            coef_bits: 0,
            ..params
        };
        let more_requant = (1..params.requant_sets)
            .map(|_| RequantConfig::configure(meta, &table, &plain))
            .collect();
        // After everything else, so circuits without it keep their column indices.
        let conv =
            (params.conv_lanes > 0).then(|| ConvCheckConfig::configure(meta, params.conv_lanes));
        ModelConfig {
            mac,
            requant,
            more_requant,
            divide,
            multiply,
            freivalds,
            poseidon,
            conv,
            table,
            instance,
        }
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> ModelConfig {
        Self::configure_with_params(meta, CircuitParams::default())
    }

    fn synthesize(
        &self,
        config: ModelConfig,
        mut layouter: impl Layouter<Fr>,
    ) -> std::result::Result<(), Error> {
        let tables = self.graph.tables();
        let missing = [
            (self.graph.scale != self.params.scale, "the graph's scale"),
            (
                self.graph.range_bits != self.params.range_bits,
                "the graph's range bits",
            ),
            (
                self.graph.needs_function_lookup() && !self.params.function_tables,
                "the function lookup",
            ),
            (
                self.graph.has_products() && !self.params.products,
                "the divide and multiply gates",
            ),
            (
                self.graph.multiplies() && !self.params.matmuls,
                "the Freivalds chip",
            ),
            (
                self.graph.coef_bits() != self.params.coef_bits,
                "the graph's coefficient bits",
            ),
            (
                self.graph.weight_bits() != self.params.weight_bits,
                "the graph's weight bits",
            ),
            (
                self.graph.has_steps() && !self.params.steps,
                "the step gate",
            ),
            (
                self.graph.has_raw_relus() && !self.params.raw_relus,
                "the raw relu gate",
            ),
        ];
        if let Some((_, what)) = missing.iter().find(|(missing, _)| *missing) {
            return Err(self.fail(CircuitError::Graph(format!(
                "the circuit parameters do not have {what} this graph needs"
            ))));
        }
        config.table.load(
            &mut layouter,
            self.graph.range_bits,
            self.graph.scale,
            &tables,
            &self.graph.sections().0,
        )?;
        let (public, inputs) = layouter.assign_region(
            || "model",
            |mut region| self.lay_out(&config, &mut region).map_err(|e| self.fail(e)),
        )?;
        let mut cells: Vec<Cell> = Vec::with_capacity(public.len() + 1);
        if self.params.hashed_input {
            let poseidon = config.poseidon.as_ref().ok_or(Error::Synthesis)?;
            let committed: Vec<(Cell, Value<Fr>)> =
                inputs.iter().map(|w| (w.cell, w.field())).collect();
            let (hash, _) = layouter.assign_region(
                || "input commitment",
                |mut region| {
                    let salt = match self.inputs {
                        Some(_) => Value::known(self.salt.unwrap_or(Fr::from(0))),
                        None => Value::unknown(),
                    };
                    poseidon.commit(&mut region, 0, salt, &committed, self.poseidon_tamper)
                },
            )?;
            cells.push(hash);
        }
        cells.extend(public.iter().map(|w| w.cell));
        for (i, cell) in cells.into_iter().enumerate() {
            layouter.constrain_instance(cell, config.instance, i);
        }
        Ok(())
    }
}
