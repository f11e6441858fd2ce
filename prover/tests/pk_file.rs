//! The proving-key file layout (`pk_file`) gives back halo2's key: every polynomial `keygen_pk2`
//! made, equal value by value after a round trip (the coefficient forms and the three Lagrange
//! polynomials are recomputed on load), in less than half of halo2's own serialization; and a
//! damaged payload is an error naming what is wrong, never a panic or a different key.

use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::Arc;
use zkinfer_circuits::halo2_proofs::plonk::{keygen_pk2, ProvingKey};
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkinfer_circuits::halo2_proofs::SerdeFormat;
use zkinfer_circuits::ops::{Activation, Dense, MatMul, Relu};
use zkinfer_circuits::{CircuitParams, ModelCircuit, OpKind, QuantizedGraph};
use zkinfer_prover::commit::FastKzgParams;
use zkinfer_prover::keys::COMPRESS_SELECTORS;
use zkinfer_prover::pk_file::{decode, encode};
use zkinfer_prover::{Bn256, G1Affine};

fn key(graph: QuantizedGraph) -> (ModelCircuit, ProvingKey<G1Affine>, u32) {
    let params = CircuitParams {
        scale: 7,
        range_bits: 14,
        ..CircuitParams::default()
    }
    .for_graph(&graph);
    let circuit = ModelCircuit::new(Arc::new(graph), params, false);
    let (_, k) = circuit.cost().expect("cost");
    let fast = FastKzgParams::new(ParamsKZG::<Bn256>::setup(k, StdRng::seed_from_u64(3)));
    let pk = keygen_pk2(&fast, &circuit, COMPRESS_SELECTORS).expect("keygen");
    (circuit, pk, k)
}

/// Relu (lookups, copies into the output), a batched matrix product (two phases, many copies) and a
/// dense layer (negative weights and biases in fixed columns).
fn keys() -> Vec<(&'static str, ModelCircuit, ProvingKey<G1Affine>, u32)> {
    let relu = QuantizedGraph::single_op(OpKind::Relu(Relu { scale: 7 }), &[vec![1, 48]], 7, 14);
    let op = MatMul {
        batch: 2,
        m: 2,
        k: 3,
        n: 4,
    };
    let shapes = [vec![2, 2, 3], vec![2, 3, 4]];
    let matmul = QuantizedGraph::single_op(OpKind::MatMul(op), &shapes, 7, 14);
    let dense = Dense {
        n_in: 6,
        n_out: 4,
        weights: (0..24).map(|i| (i % 7 - 3) * 41).collect(),
        bias: vec![-9000, 0, 4000, -1],
        act: Activation::None,
        weight_bits: 0,
    };
    let dense = QuantizedGraph::single_op(OpKind::Dense(dense), &[vec![1, 6]], 7, 14);
    [("relu", relu), ("matmul", matmul), ("dense", dense)]
        .into_iter()
        .map(|(name, graph)| {
            let (circuit, pk, k) = key(graph);
            (name, circuit, pk, k)
        })
        .collect()
}

#[test]
fn a_round_trip_gives_halo2s_key_back_in_fewer_bytes() {
    for (name, circuit, pk, k) in keys() {
        let payload = encode(&pk);
        let back = decode(&payload, circuit.params, k).unwrap_or_else(|e| panic!("{name}: {e}"));
        let raw = SerdeFormat::RawBytes;
        assert_eq!(
            back.get_vk().to_bytes(raw),
            pk.get_vk().to_bytes(raw),
            "{name}: vk"
        );
        assert_eq!(back.l0().to_vec(), pk.l0().to_vec(), "{name}: l0");
        assert_eq!(
            back.l_last().to_vec(),
            pk.l_last().to_vec(),
            "{name}: l_last"
        );
        assert_eq!(
            back.l_active_row().to_vec(),
            pk.l_active_row().to_vec(),
            "{name}: l_active_row"
        );
        let values = |p: &ProvingKey<G1Affine>| {
            p.fixed_values()
                .iter()
                .map(|c| c.to_vec())
                .collect::<Vec<_>>()
        };
        let polys = |p: &ProvingKey<G1Affine>| {
            p.fixed_polys()
                .iter()
                .map(|c| c.to_vec())
                .collect::<Vec<_>>()
        };
        assert_eq!(values(&back), values(&pk), "{name}: fixed values");
        assert_eq!(polys(&back), polys(&pk), "{name}: fixed coefficients");
        let sigma = |p: &ProvingKey<G1Affine>| {
            p.permutation()
                .permutations()
                .iter()
                .map(|c| c.to_vec())
                .collect::<Vec<_>>()
        };
        let sigma_polys = |p: &ProvingKey<G1Affine>| {
            p.permutation()
                .polys()
                .iter()
                .map(|c| c.to_vec())
                .collect::<Vec<_>>()
        };
        assert!(
            !sigma(&pk).is_empty(),
            "{name}: a circuit with copy constraints"
        );
        assert_eq!(sigma(&back), sigma(&pk), "{name}: permutation values");
        assert_eq!(
            sigma_polys(&back),
            sigma_polys(&pk),
            "{name}: permutation coefficients"
        );
        // The whole key, as halo2 serializes it, is the same too (nothing left out of the check).
        let halo2 = pk.to_bytes(SerdeFormat::RawBytesUnchecked);
        assert_eq!(
            back.to_bytes(SerdeFormat::RawBytesUnchecked),
            halo2,
            "{name}: halo2's bytes"
        );
        assert!(
            payload.len() * 2 < halo2.len(),
            "{name}: {} bytes against halo2's {}",
            payload.len(),
            halo2.len()
        );
    }
}

fn fails(payload: &[u8], circuit: &ModelCircuit, k: u32, what: &str) -> String {
    match decode(payload, circuit.params, k) {
        Ok(_) => panic!("{what}: a damaged payload was read as a key"),
        Err(e) => e,
    }
}

/// The layout's columns (fixed, then permutation) as byte slices, walked as `pk_file` documents it.
fn columns(payload: &[u8]) -> (usize, Vec<&[u8]>) {
    let word = |at: usize| u32::from_le_bytes(payload[at..at + 4].try_into().unwrap()) as usize;
    let vk_len = word(0);
    let (fixed, sigma) = (word(4 + vk_len), word(8 + vk_len));
    let mut at = 12 + vk_len;
    let mut out = Vec::new();
    for _ in 0..fixed + sigma {
        let len = u64::from_le_bytes(payload[at..at + 8].try_into().unwrap()) as usize;
        out.push(&payload[at + 8..at + 8 + len]);
        at += 8 + len;
    }
    assert_eq!(at, payload.len());
    (fixed, out)
}

/// The tags of a column's cells.
fn tags(column: &[u8]) -> Vec<u8> {
    let (mut at, mut out) = (0, Vec::new());
    while at < column.len() {
        let tag = column[at];
        out.push(tag);
        at += 1 + match tag {
            0xff => 0,
            t if t > 32 => (t - 32) as usize,
            t => t as usize,
        };
    }
    out
}

#[test]
fn every_kind_of_cell_occurs_and_is_read_back() {
    let mut negated = vec![];
    for (name, circuit, pk, k) in keys() {
        let payload = encode(&pk);
        let (fixed, columns) = columns(&payload);
        let fixed_tags: Vec<u8> = columns[..fixed].iter().flat_map(|c| tags(c)).collect();
        let sigma_tags: Vec<u8> = columns[fixed..].iter().flat_map(|c| tags(c)).collect();
        assert!(fixed_tags.contains(&0), "{name}: a zero cell");
        assert!(
            fixed_tags.iter().any(|t| (1..=32).contains(t)),
            "{name}: a positive value"
        );
        if fixed_tags.iter().any(|t| (33..=64).contains(t)) {
            negated.push(name);
        }
        assert!(
            !fixed_tags.contains(&0xff),
            "{name}: identity cells are the permutation's"
        );
        assert!(
            sigma_tags.contains(&0xff),
            "{name}: a cell outside every copy cycle"
        );
        assert!(
            sigma_tags.contains(&32),
            "{name}: a moved cell (full width)"
        );
        assert!(decode(&payload, circuit.params, k).is_ok(), "{name}");
    }
    assert!(negated.contains(&"dense"), "negated values: {negated:?}");
}

#[test]
fn a_damaged_payload_is_an_error_naming_the_damage() {
    let (_, circuit, pk, k) = keys().swap_remove(0);
    let good = encode(&pk);
    let vk_len = u32::from_le_bytes(good[..4].try_into().unwrap()) as usize;
    let counts = 4 + vk_len;
    let first_cell = counts + 8 + 8;
    for (cut, what) in [
        (3, "truncated in the verifying key's length"),
        (100, "truncated in the verifying key"),
        (counts + 5, "truncated in the column counts"),
        (first_cell, "truncated in a column"),
        (good.len() - 1, "truncated in a column"),
    ] {
        let e = fails(&good[..cut], &circuit, k, &format!("cut at {cut}"));
        assert!(e.contains(what), "cut at {cut}: {e}");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(fails(&longer, &circuit, k, "a byte appended").contains("after the proving key"));
    let mut count = good.clone();
    count[counts] += 1;
    assert!(fails(&count, &circuit, k, "one more fixed column").contains("the circuit has"));
    // Tags: unknown, and the identity tag in a fixed column (the first cell of the first one).
    for (tag, what) in [
        (0xfe, "unknown cell tag 254"),
        (0xff, "unknown cell tag 255"),
    ] {
        let mut bad = good.clone();
        bad[first_cell] = tag;
        assert!(fails(&bad, &circuit, k, what).contains(what));
    }
    // A first cell of 32 bytes 0xff, as a value and as a negation: past the modulus. The column's
    // length grows by the bytes put in.
    for tag in [32u8, 64] {
        let mut big = good[..first_cell].to_vec();
        big.push(tag);
        big.extend_from_slice(&[0xff; 32]);
        big.extend_from_slice(&good[first_cell..]);
        let len_at = counts + 8;
        let len = u64::from_le_bytes(big[len_at..len_at + 8].try_into().unwrap()) + 33;
        big[len_at..len_at + 8].copy_from_slice(&len.to_le_bytes());
        let e = fails(&big, &circuit, k, "a value past the modulus");
        assert!(e.contains("past the field modulus"), "tag {tag}: {e}");
    }
    // A damaged permutation column: its last cell cut off, its length kept consistent.
    let (fixed, cols) = columns(&good);
    let sigma_len_at = cols[fixed].as_ptr() as usize - good.as_ptr() as usize - 8;
    let mut sigma = good.clone();
    let len = u64::from_le_bytes(sigma[sigma_len_at..sigma_len_at + 8].try_into().unwrap());
    let last_tag_at = sigma_len_at + 8 + len as usize - 1;
    assert_eq!(
        sigma[last_tag_at], 0xff,
        "the last row is a blinding row, outside every cycle"
    );
    sigma.remove(last_tag_at);
    sigma[sigma_len_at..sigma_len_at + 8].copy_from_slice(&(len - 1).to_le_bytes());
    assert!(fails(&sigma, &circuit, k, "a permutation cell less").contains("truncated in a cell"));
    assert!(fails(&good, &circuit, k + 1, "another k").contains("not a halo2 key for k"));
}

/// halo2 allocates `2^k` flags per selector before it reads them: a key claiming a large `k` in a
/// few bytes is refused by its length first.
#[test]
fn a_short_key_claiming_a_large_k_is_refused_before_halo2_reads_it() {
    let (_, circuit, _, _) = keys().swap_remove(0);
    let k = 26u32;
    let mut vk = vec![2u8];
    vk.extend_from_slice(&k.to_le_bytes());
    vk.push(1);
    vk.extend_from_slice(&0u32.to_le_bytes());
    vk.extend_from_slice(&[0u8; 64 * 8]);
    let mut payload = (vk.len() as u32).to_le_bytes().to_vec();
    payload.extend_from_slice(&vk);
    let e = fails(&payload, &circuit, k, "k=26 in a few hundred bytes");
    assert!(e.contains("its counts and the circuit give"), "{e}");
}

/// A proving key written in halo2's own layout (before `pk_file`) is stale, not an error: the caller
/// makes the key again and overwrites it.
#[test]
fn a_key_file_of_the_older_layout_is_stale() {
    use zkinfer_prover::keys::{KeyHeader, KeyStore, CIRCUIT_FORMAT, OLDER_PK_MAGIC};
    use zkinfer_prover::SrsKind;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = KeyStore {
        dir: dir.path().to_path_buf(),
    };
    let (_, circuit, pk, k) = keys().swap_remove(0);
    let header = KeyHeader {
        circuit_hash: "0".repeat(64),
        params: circuit.params,
        k,
        num_instances: 1,
        num_inputs: 0,
        srs_hash: "0".repeat(64),
        srs_kind: SrsKind::LocalDev,
        format: CIRCUIT_FORMAT.to_string(),
    };
    let halo2 = pk.to_bytes(SerdeFormat::RawBytesUnchecked);
    let older = zkinfer_prover::container::encode(OLDER_PK_MAGIC, &header, &halo2);
    std::fs::write(store.pk_path(), older).expect("write");
    assert!(store
        .load_pk(&header)
        .expect("stale, not an error")
        .is_none());
    // The same bytes under this layout's magic are a damaged key, and say so.
    let current =
        zkinfer_prover::container::encode(zkinfer_prover::keys::PK_MAGIC, &header, &halo2);
    std::fs::write(store.pk_path(), current).expect("write");
    let e = match store.load_pk(&header) {
        Ok(_) => panic!("a damaged key was loaded"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("pk.bin") && e.contains("not a halo2 key"), "{e}");
}
