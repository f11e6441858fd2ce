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
use zkinfer_circuits::ops::{MatMul, Relu};
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

/// Relu (lookups, copies into the output) and a batched matrix product (two phases, many copies).
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
    [("relu", relu), ("matmul", matmul)]
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

#[test]
fn a_damaged_payload_is_an_error_naming_the_damage() {
    let (_, circuit, pk, k) = keys().swap_remove(0);
    let good = encode(&pk);
    let vk_len = u32::from_le_bytes(good[..4].try_into().unwrap()) as usize;
    let columns = 4 + vk_len;
    let first_cell = columns + 8 + 8;
    for cut in [3, 100, columns + 5, first_cell, good.len() - 1] {
        let e = fails(&good[..cut], &circuit, k, &format!("cut at {cut}"));
        assert!(
            e.contains("truncated") || e.contains("verifying key"),
            "cut at {cut}: {e}"
        );
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(fails(&longer, &circuit, k, "a byte appended").contains("after the proving key"));
    let mut count = good.clone();
    count[columns] += 1;
    assert!(fails(&count, &circuit, k, "one more fixed column").contains("the circuit has"));
    let mut tag = good.clone();
    tag[first_cell] = 0xfe;
    let e = fails(&tag, &circuit, k, "an unknown tag");
    assert!(
        e.contains("unknown cell tag") || e.contains("bytes after"),
        "{e}"
    );
    // A first cell of 32 bytes 0xff: past the modulus. The column's length grows by the bytes put in.
    let mut big = good[..first_cell].to_vec();
    big.push(32);
    big.extend_from_slice(&[0xff; 32]);
    big.extend_from_slice(&good[first_cell..]);
    let len_at = columns + 8;
    let len = u64::from_le_bytes(big[len_at..len_at + 8].try_into().unwrap()) + 33;
    big[len_at..len_at + 8].copy_from_slice(&len.to_le_bytes());
    assert!(fails(&big, &circuit, k, "a value past the modulus").contains("past the field modulus"));
    assert!(fails(&good, &circuit, k + 1, "another k").contains("not a halo2 key for k"));
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
