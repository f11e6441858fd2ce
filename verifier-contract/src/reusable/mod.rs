//! zkinfer's own EVM verifier: one shared contract (`contracts/ZkinferVerifier.sol`) for every model,
//! plus one small per-model verifying-key contract.
//!
//! The verifying-key contract is the model's address on chain. Its runtime code ([`bytecode`]) is a
//! 128-byte forwarder (a call from anyone but the shared verifier gets its own address prepended and is
//! `STATICCALL`ed to the shared verifier, whose answer it returns or reverts with), then the VK data this
//! module encodes (the domain, the SRS's G2 points, the preprocessed commitments, the proof layout,
//! Lagrange points as runs, the GWC query sets), then straight-line EVM code evaluating the quotient
//! numerator ([`program`]), which the shared verifier calls back with its value table. The shared
//! verifier reads the data with `EXTCODECOPY`, so its bytecode does not grow with the circuit. Calldata
//! to a model's address is the same as for snark-verifier's verifiers: every public instance as a
//! 32-byte word, then the proof.
//!
//! The proof system is halo2 (KZG, BN254) with GWC multi-opening and snark-verifier's Keccak EVM
//! transcript; the circuit-specific parts come from snark-verifier's compiled `PlonkProtocol`.
//! Every input the precompiles see is checked first (points on the curve, scalars below the field
//! order), so a bad proof reverts after a bounded amount of work instead of burning the gas limit.

pub mod bytecode;
pub mod deploy;
pub mod program;
pub mod vk_file;

pub use bytecode::{vk_contract_creation, vk_contract_runtime, vk_contract_verifier};
pub use vk_file::VkFile;

use crate::error::{ContractError, Result};
use halo2_proofs::halo2curves::bn256::{Bn256, Fq, Fr, G1Affine, G2Affine};
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::plonk::VerifyingKey;
use halo2_proofs::poly::commitment::ParamsProver;
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use program::{fr_word, Fragment};
use snark_verifier_sdk::snark_verifier::system::halo2::{compile, Config};
use snark_verifier_sdk::snark_verifier::util::arithmetic::Rotation;
use std::collections::BTreeSet;

/// Solidity source of the shared verifier.
pub const VERIFIER_SOL: &str = include_str!("../../contracts/ZkinferVerifier.sol");
/// Name of the shared verifier contract in [`VERIFIER_SOL`].
pub const VERIFIER_CONTRACT: &str = "ZkinferVerifier";
/// First word of the VK data ("zkinfer-vk2": v2 keys belong to circuits whose last instance is the binding word).
pub const MAGIC: &[u8] = b"zkinfer-vk2";
/// Where the VK data starts in a verifying-key contract's runtime code.
pub const DATA_OFFSET: usize = 128;
/// Words of the VK data header (layout documented on [`Header`]).
pub const HEADER_WORDS: usize = 40;

/// Header word indices of the VK data; `ZkinferVerifier.sol` declares the ones it reads as `H_*`
/// constants. `InferenceMarket.keyInstances` reads words 3 and 39 (instance and input-word counts)
/// at hard-coded code offsets: a header change must update them (the market tests read both).
#[repr(usize)]
#[derive(Clone, Copy)]
pub enum Header {
    /// [`MAGIC`], right-aligned in the word; the verifier and the market refuse data without it.
    Magic = 0,
    /// `k`: the circuit has `n = 2^k` rows.
    K = 1,
    /// `1/n` in the scalar field (for the Lagrange evaluations).
    NInv = 2,
    /// Public instances in the calldata: inputs, outputs, binding word (read by `InferenceMarket`).
    NumInstances = 3,
    /// The transcript's initial state (a digest of the verifying key), absorbed first.
    InitState = 4,
    /// The SRS's G1 generator `(x, y)`.
    G1 = 5, // 2 words
    /// The SRS's G2 generator `[1]_2`.
    G2 = 7, // 4 words, EIP-197 order (x.c1, x.c0, y.c1, y.c0)
    /// The SRS's `[s]_2`, in the same order as [`Header::G2`].
    SG2 = 11,
    /// Preprocessed commitments (fixed columns, permutation) at [`Header::OffPreprocessed`].
    Preprocessed = 15,
    /// Prover phases: `(witnesses, challenges)` pairs at [`Header::OffPhases`].
    Phases = 16,
    /// Witness commitments in the proof, over all phases.
    Witnesses = 17,
    /// Commitments of the quotient polynomial's chunks in the proof.
    QuotientChunks = 18,
    /// Evaluations (scalars) in the proof; they are the first entries of the value table `V`.
    Evaluations = 19,
    /// GWC query sets (one opening witness each in the proof) at [`Header::OffSets`].
    Sets = 20,
    /// Polynomials with an MSM scalar: preprocessed, the instance polynomial, witnesses, the quotient.
    Polys = 21,
    /// Lagrange polynomials evaluated at `z` (in `V` from [`Header::VLagranges`]).
    Lagranges = 22,
    /// Rotations at which the instance polynomial is evaluated (in `V` from [`Header::VInstances`]).
    InstanceQueries = 23,
    /// Words of the value table `V`, the calldata of the numerator code.
    Values = 24,
    /// Quotient chunk `j` is weighted by `(z^n)^(chunk_degree · j)` when the chunks are recombined.
    ChunkDegree = 25,
    /// Byte offset in the VK data of the preprocessed commitments, `(x, y)` each.
    OffPreprocessed = 26,
    /// Byte offset of the `(witnesses, challenges)` word pair of each phase.
    OffPhases = 27,
    /// Byte offset of the Lagrange runs (see [`Header::LagrangeRuns`]).
    OffLagranges = 28,
    /// Byte offset of one word per instance query: the `V` index of the Lagrange that instance 0 pairs with.
    OffInstanceQueries = 29,
    /// Byte offset of the query sets: `ω^rotation`, the entry count, then `(poly << 16) | V index` each.
    OffSets = 30,
    /// Index in `V` of the first challenge (the proof's evaluations come first, at 0).
    VChallenges = 31,
    /// Index in `V` of the evaluation point `z`.
    VZ = 32,
    /// Index in `V` of the quotient's evaluation, computed by the verifier.
    VQuotient = 33,
    /// Index in `V` of the first Lagrange evaluation.
    VLagranges = 34,
    /// Index in `V` of the first instance-polynomial evaluation.
    VInstances = 35,
    /// Length of the proof in bytes: calldata is exactly the instance words followed by this many bytes.
    ProofBytes = 36,
    /// Runs of consecutive Lagrange indices: the list at `OffLagranges` holds `(ω^first, length)` per run.
    LagrangeRuns = 37,
    /// The domain generator ω.
    Omega = 38,
    /// How many of the instances are the input's (its elements, its commitment, or none): the outputs
    /// follow them, the binding word is last. Read by `InferenceMarket.post`.
    Inputs = 39,
}

/// Whether a call to a verifying-key contract accepted the proof: it returned, and returned exactly the
/// word 1 (`ZkinferVerifier` reverts on anything else; an address without code "succeeds" with nothing,
/// so success alone proves nothing).
pub fn accepted(success: bool, output: &[u8]) -> bool {
    success && output == revm::primitives::U256::from(1).to_be_bytes::<32>()
}

/// How a circuit's instances are laid out: `inputs` words of the input (its elements, its
/// commitment, or none), then the outputs, then the binding word; `total` in all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceLayout {
    /// Leading instances that are the input's.
    pub inputs: usize,
    /// All instances: inputs, outputs and the binding word (so at least `inputs + 2`).
    pub total: usize,
}

impl InstanceLayout {
    /// The layout a key file's header records.
    pub fn of(header: &zkinfer_prover::keys::KeyHeader) -> Self {
        Self {
            inputs: header.num_inputs,
            total: header.num_instances,
        }
    }
}

/// What the VK data of one circuit contains, for reports.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    /// `k`: the circuit has `2^k` rows.
    pub k: u32,
    /// Public instances in all (see [`InstanceLayout`]).
    pub num_instances: usize,
    /// Instances of the input (see [`InstanceLayout`]).
    #[serde(default)]
    pub num_inputs: usize,
    /// Preprocessed commitments stored in the data (fixed columns, permutation).
    pub preprocessed: usize,
    /// Witness commitments in a proof, over all phases.
    pub witnesses: usize,
    /// Quotient chunk commitments in a proof.
    pub quotient_chunks: usize,
    /// Evaluations (scalars) in a proof.
    pub evaluations: usize,
    /// GWC query sets, each with one opening witness in a proof.
    pub query_sets: usize,
    /// Operations of the quotient numerator and the bytes of EVM code evaluating it.
    pub numerator_ops: usize,
    /// Bytes of the numerator's EVM code.
    pub numerator_bytes: usize,
    /// Length of a proof, in bytes (the calldata after the instance words).
    pub proof_bytes: usize,
}

/// The encoded VK data of one circuit.
#[derive(Clone, Debug)]
pub struct VerifierData {
    /// The VK data: the header (see [`Header`]) and the lists it points to, placed at [`DATA_OFFSET`] in the
    /// key contract's code.
    pub data: Vec<u8>,
    /// EVM code evaluating the quotient numerator from calldata (see [`program`]).
    pub numerator: Vec<u8>,
    /// What the data contains, for reports.
    pub summary: Summary,
}

struct Words(Vec<[u8; 32]>);

impl Words {
    fn set(&mut self, at: Header, value: usize) {
        self.0[at as usize] = usize_word(value);
    }
}

fn usize_word(value: usize) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[24..].copy_from_slice(&(value as u64).to_be_bytes());
    word
}

fn fq_word(value: &Fq) -> [u8; 32] {
    let mut bytes = value.to_repr();
    bytes.as_mut().reverse();
    bytes
}

fn g1_words(point: &G1Affine) -> [[u8; 32]; 2] {
    [fq_word(&point.x), fq_word(&point.y)]
}

fn g2_words(point: &G2Affine) -> [[u8; 32]; 4] {
    [
        fq_word(&point.x.c1),
        fq_word(&point.x.c0),
        fq_word(&point.y.c1),
        fq_word(&point.y.c0),
    ]
}

pub(crate) fn unsupported(what: &str) -> ContractError {
    ContractError::Unsupported(format!("zkinfer verifier: {what}"))
}

/// Encode the VK data of `vk` (a circuit with one instance column laid out as `layout`).
pub fn verifier_data(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    layout: InstanceLayout,
) -> Result<VerifierData> {
    let num_instances = layout.total;
    if layout.inputs + 2 > num_instances {
        return Err(unsupported(&format!(
            "{} input instances leave no output and binding word among {num_instances}",
            layout.inputs
        )));
    }
    let protocol = compile(
        params,
        vk,
        Config::kzg().with_num_instance(vec![num_instances]),
    );
    if protocol.instance_committing_key.is_some()
        || protocol.linearization.is_some()
        || !protocol.accumulator_indices.is_empty()
        || protocol.num_instance.len() != 1
    {
        return Err(unsupported(
            "only one uncommitted instance column, no linearization",
        ));
    }
    let domain = &protocol.domain;
    let num_pre = protocol.preprocessed.len();
    let num_witness: usize = protocol.num_witness.iter().sum();
    let num_challenge: usize = protocol.num_challenge.iter().sum();
    let num_chunks = protocol.quotient.num_chunk();
    let num_evals = protocol.evaluations.len();
    let instance_poly = num_pre;
    let quotient_poly = num_pre + 1 + num_witness;
    let numerator = &protocol.quotient.numerator;

    // Instance queries (the verifier evaluates the instance polynomial itself) and the Lagrange
    // polynomials: those the constraints use plus one per instance row and rotation.
    let instance_rotations: Vec<i32> = numerator
        .used_query()
        .into_iter()
        .filter(|q| q.poly == instance_poly)
        .map(|q| q.rotation.0)
        .collect();
    let min_rot = instance_rotations.iter().copied().min().unwrap_or(0).min(0);
    let max_rot = instance_rotations.iter().copied().max().unwrap_or(0).max(0);
    let lagranges: Vec<i32> = numerator
        .used_langrange()
        .into_iter()
        .chain(-max_rot..num_instances as i32 + min_rot.abs())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let lagrange_pos = |i: i32| lagranges.iter().position(|&l| l == i);

    // The value table V: [evaluations | challenges | z | quotient eval | Lagranges | instance evals].
    let v_ch = num_evals;
    let v_z = v_ch + num_challenge;
    let v_quot = v_z + 1;
    let v_lag = v_quot + 1;
    let v_inst = v_lag + lagranges.len();
    let num_values = v_inst + instance_rotations.len();
    if num_values >= u16::MAX as usize {
        return Err(unsupported("more than 65535 values"));
    }
    let mut instance_bases = Vec::new();
    for &rot in &instance_rotations {
        let base = lagrange_pos(-rot).ok_or_else(|| unsupported("instance Lagrange range"))?;
        // Instance j pairs with L_{j - rot}: consecutive entries of the sorted list.
        if (0..num_instances).any(|j| lagrange_pos(j as i32 - rot) != Some(base + j)) {
            return Err(unsupported("instance Lagrange range is not contiguous"));
        }
        instance_bases.push(v_lag + base);
    }
    let value_of = |poly: usize, rotation: i32| -> Option<usize> {
        if poly == quotient_poly && rotation == 0 {
            return Some(v_quot);
        }
        if poly == instance_poly {
            return instance_rotations
                .iter()
                .position(|&r| r == rotation)
                .map(|i| v_inst + i);
        }
        protocol
            .evaluations
            .iter()
            .position(|q| q.poly == poly && q.rotation.0 == rotation)
    };

    let program = numerator.evaluate(
        &|c: Fr| Ok(Fragment::constant(c)),
        &|poly| {
            let json = serde_json::to_value(poly).map_err(|e| e.to_string())?;
            if json == "Identity" {
                return Ok(Fragment::value(v_z as u16));
            }
            let i = json["Lagrange"]
                .as_i64()
                .ok_or_else(|| format!("unknown common polynomial {json}"))?;
            let pos = lagrange_pos(i as i32).ok_or("Lagrange not tabulated")?;
            Ok(Fragment::value((v_lag + pos) as u16))
        },
        &|query| {
            value_of(query.poly, query.rotation.0)
                .map(|i| Fragment::value(i as u16))
                .ok_or_else(|| format!("no value for query {query:?}"))
        },
        &|index| Ok(Fragment::value((v_ch + index) as u16)),
        &|a: std::result::Result<Fragment, String>| a.map(Fragment::negated),
        &|a, b| Ok(a?.binary(b?, false)),
        &|a, b| Ok(a?.binary(b?, true)),
        &|a, c| a.map(|a| a.scale(c)),
    );
    let program = program.map_err(|e| unsupported(&e))?;
    // The numerator code keeps its operands on the EVM stack (1024 slots, a few used by the entry code).
    if program.depth > 1000 {
        return Err(unsupported(&format!(
            "numerator needs {} stack slots, more than the EVM has",
            program.depth
        )));
    }
    let code = program.encode();

    // GWC query sets: queries grouped by rotation, in order of first appearance.
    let mut sets: Vec<(i32, Vec<(usize, usize)>)> = Vec::new();
    for query in &protocol.queries {
        let rotation = query.rotation.0;
        let value = value_of(query.poly, rotation)
            .ok_or_else(|| unsupported(&format!("no value for opened query {query:?}")))?;
        if query.poly == instance_poly {
            return Err(unsupported("opening the instance polynomial"));
        }
        match sets.iter_mut().find(|(r, _)| *r == rotation) {
            Some((_, entries)) => entries.push((query.poly, value)),
            None => sets.push((rotation, vec![(query.poly, value)])),
        }
    }

    let proof_bytes = 64 * (num_witness + num_chunks + sets.len()) + 32 * num_evals;
    let mut words = Words(vec![[0u8; 32]; HEADER_WORDS]);
    let mut magic = [0u8; 32];
    magic[32 - MAGIC.len()..].copy_from_slice(MAGIC);
    words.0[Header::Magic as usize] = magic;
    words.set(Header::K, domain.k);
    words.0[Header::NInv as usize] = fr_word(&domain.n_inv);
    words.set(Header::NumInstances, num_instances);
    words.set(Header::Inputs, layout.inputs);
    let init = protocol
        .transcript_initial_state
        .ok_or_else(|| unsupported("no transcript initial state"))?;
    words.0[Header::InitState as usize] = fr_word(&init);
    let g1 = g1_words(&params.get_g()[0]);
    words.0[Header::G1 as usize..Header::G1 as usize + 2].copy_from_slice(&g1);
    let g2 = g2_words(&params.g2());
    words.0[Header::G2 as usize..Header::G2 as usize + 4].copy_from_slice(&g2);
    let s_g2 = g2_words(&params.s_g2());
    words.0[Header::SG2 as usize..Header::SG2 as usize + 4].copy_from_slice(&s_g2);
    words.set(Header::Preprocessed, num_pre);
    words.set(Header::Phases, protocol.num_witness.len());
    words.set(Header::Witnesses, num_witness);
    words.set(Header::QuotientChunks, num_chunks);
    words.set(Header::Evaluations, num_evals);
    words.set(Header::Sets, sets.len());
    words.set(Header::Polys, quotient_poly + 1);
    words.set(Header::Lagranges, lagranges.len());
    words.set(Header::InstanceQueries, instance_rotations.len());
    words.set(Header::Values, num_values);
    words.set(Header::ChunkDegree, protocol.quotient.chunk_degree);
    words.set(Header::VChallenges, v_ch);
    words.set(Header::VZ, v_z);
    words.set(Header::VQuotient, v_quot);
    words.set(Header::VLagranges, v_lag);
    words.set(Header::VInstances, v_inst);
    words.set(Header::ProofBytes, proof_bytes);

    let byte_offset = |words: &Words| words.0.len() * 32;
    words.set(Header::OffPreprocessed, byte_offset(&words));
    for point in &protocol.preprocessed {
        words.0.extend(g1_words(point));
    }
    words.set(Header::OffPhases, byte_offset(&words));
    for (w, c) in protocol.num_witness.iter().zip(&protocol.num_challenge) {
        words.0.push(usize_word(*w));
        words.0.push(usize_word(*c));
    }
    // Lagrange points ω^i as runs of consecutive i (one run per instance range, not one word per
    // instance): the verifier expands each run by multiplying by ω.
    words.set(Header::OffLagranges, byte_offset(&words));
    let mut runs: Vec<(i32, usize)> = Vec::new();
    for &i in &lagranges {
        match runs.last_mut() {
            Some((first, len)) if *first + *len as i32 == i => *len += 1,
            _ => runs.push((i, 1)),
        }
    }
    for (first, len) in &runs {
        words
            .0
            .push(fr_word(&domain.rotate_scalar(Fr::ONE, Rotation(*first))));
        words.0.push(usize_word(*len));
    }
    words.set(Header::LagrangeRuns, runs.len());
    words.0[Header::Omega as usize] = fr_word(&domain.gen);
    words.set(Header::OffInstanceQueries, byte_offset(&words));
    for base in &instance_bases {
        words.0.push(usize_word(*base));
    }
    words.set(Header::OffSets, byte_offset(&words));
    for (rotation, entries) in &sets {
        words
            .0
            .push(fr_word(&domain.rotate_scalar(Fr::ONE, Rotation(*rotation))));
        words.0.push(usize_word(entries.len()));
        for (poly, value) in entries {
            words.0.push(usize_word((poly << 16) | value));
        }
    }
    let data: Vec<u8> = words.0.concat();

    let summary = Summary {
        k: domain.k as u32,
        num_instances,
        num_inputs: layout.inputs,
        preprocessed: num_pre,
        witnesses: num_witness,
        quotient_chunks: num_chunks,
        evaluations: num_evals,
        query_sets: sets.len(),
        numerator_ops: program.code.len(),
        numerator_bytes: code.len(),
        proof_bytes,
    };
    Ok(VerifierData {
        data,
        numerator: code,
        summary,
    })
}
