//! Every target on its seeds (accepted), on every committed crash input (`regressions/<target>/`,
//! from `scripts/fuzz.sh`) and on a fixed set of mutations of every seed: no panic, and every error
//! is one non-empty line. A panic anywhere fails the test with the target and input named.

use rand::{rngs::StdRng, Rng, SeedableRng};
use std::path::PathBuf;
use zkinfer_robustness::{seeds, Outcome, Target, TARGETS};

/// Mutations per seed (per target, split over its seeds).
const MUTATIONS: usize = 240;

fn check(target: &str, what: &str, outcome: Outcome) {
    if let Err(e) = outcome {
        assert!(
            !e.trim().is_empty() && !e.contains('\n'),
            "{target} on {what}: error is not one line: {e:?}"
        );
    }
}

fn run(target: &str, f: Target, what: &str, input: &[u8]) -> Outcome {
    let outcome = std::panic::catch_unwind(|| f(input))
        .unwrap_or_else(|_| panic!("{target} panicked on {what} ({} bytes)", input.len()));
    check(target, what, outcome.clone());
    outcome
}

#[test]
fn every_seed_is_accepted() {
    for (name, f) in TARGETS {
        let seeds = seeds(name);
        assert!(!seeds.is_empty(), "{name} has no seeds");
        for (i, seed) in seeds.iter().enumerate() {
            if let Err(e) = run(name, *f, &format!("seed {i}"), seed) {
                panic!("{name} refuses its seed {i}: {e}");
            }
        }
    }
}

#[test]
fn committed_crash_inputs_are_handled() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut seen = 0;
    for (name, f) in TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        for entry in dir {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            run(name, *f, &path.display().to_string(), &input).ok();
            seen += 1;
        }
    }
    println!("{seen} committed crash inputs replayed");
}

/// One random edit: flip a bit, set a byte to a boundary value, truncate, cut a range out, repeat
/// a range, or splice in random bytes; a few at once.
fn mutate(rng: &mut StdRng, seed: &[u8]) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..rng.gen_range(1..=3) {
        let n = out.len();
        let at = rng.gen_range(0..=n);
        let end = (at + rng.gen_range(1..=64)).min(n);
        match rng.gen_range(0..6) {
            0 if at < n => out[at] ^= 1 << rng.gen_range(0..8),
            1 if at < n => out[at] = [0, 0xff, 0x7f, 0x80, b'9', b'-'][rng.gen_range(0..6)],
            2 => out.truncate(at),
            3 => {
                out.drain(at..end);
            }
            4 => {
                let chunk = out[at..end].to_vec();
                out.splice(at..at, chunk);
            }
            _ => {
                let junk: Vec<u8> = (0..rng.gen_range(1..16)).map(|_| rng.gen()).collect();
                out.splice(at..at, junk);
            }
        }
    }
    out
}

#[test]
fn mutated_seeds_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for (name, f) in TARGETS {
        let seeds = seeds(name);
        let (mut ok, mut refused) = (0, 0);
        for i in 0..MUTATIONS {
            let seed = &seeds[i % seeds.len()];
            let input = mutate(&mut rng, seed);
            match run(name, *f, &format!("mutation {i}"), &input) {
                Ok(()) => ok += 1,
                Err(_) => refused += 1,
            }
        }
        println!("{name}: {MUTATIONS} mutations, {ok} accepted, {refused} refused");
        assert!(refused > 0, "{name}: no mutation was refused");
    }
}

#[test]
fn a_changed_proof_never_verifies() {
    // The proof target must accept exactly the fixture's proof: every single-byte change of its
    // proof bytes (sampled) or of an instance is refused.
    let seed = String::from_utf8(seeds("proof_json").remove(0)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&seed).unwrap();
    let proof = json["proof"].as_str().unwrap().to_string();
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..64 {
        let at = rng.gen_range(2..proof.len());
        let mut bytes = proof.clone().into_bytes();
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        let mut changed = json.clone();
        changed["proof"] = String::from_utf8(bytes).unwrap().into();
        let input = serde_json::to_vec(&changed).unwrap();
        assert!(
            zkinfer_robustness::proof_json(&input).is_err(),
            "a proof changed at hex digit {at} verified"
        );
    }
    let instances = json["instances"].as_array().unwrap().len();
    for i in 0..instances {
        let mut changed = json.clone();
        let word = changed["instances"][i].as_str().unwrap().to_string();
        let last = if word.ends_with('0') { "1" } else { "0" };
        changed["instances"][i] = format!("{}{last}", &word[..word.len() - 1]).into();
        let input = serde_json::to_vec(&changed).unwrap();
        assert!(
            zkinfer_robustness::proof_json(&input).is_err(),
            "instance {i} changed and the proof verified"
        );
    }
}

/// The vk target's seed with its header JSON and payload edited.
fn edited_vk(edit: impl Fn(&mut serde_json::Value, &mut Vec<u8>)) -> Vec<u8> {
    let seed = seeds("vk_file").remove(0);
    let len = usize::from(u16::from_le_bytes([seed[0], seed[1]]));
    let mut header: serde_json::Value = serde_json::from_slice(&seed[2..2 + len]).unwrap();
    let mut payload = seed[2 + len..].to_vec();
    edit(&mut header, &mut payload);
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = (header.len() as u16).to_le_bytes().to_vec();
    out.extend(header);
    out.extend(payload);
    out
}

#[test]
fn hostile_key_headers_are_refused_before_halo2_sizes_anything() {
    let refused = |input: Vec<u8>, needle: &str| {
        let e = zkinfer_robustness::vk_file(&input).expect_err(needle);
        assert!(e.contains(needle), "'{e}' does not say '{needle}'");
    };
    // halo2 would allocate 2^k selector bits per selector, and size its domain, from these.
    refused(edited_vk(|h, _| h["k"] = 40.into()), "k=40 outside");
    refused(
        edited_vk(|_, p| p[9..13].copy_from_slice(&40u32.to_le_bytes())),
        "disagree on k",
    );
    refused(
        edited_vk(|h, _| h["params"]["lanes_in"] = 100_000.into()),
        "lanes 100000x",
    );
    refused(
        edited_vk(|h, _| h["params"]["range_bits"] = 200.into()),
        "range bits 200",
    );
    refused(
        edited_vk(|_, p| p[..8].copy_from_slice(&u64::MAX.to_le_bytes())),
        "truncated verifying key",
    );
    // Unchanged, the same framing loads and verifies the fixture proof.
    assert_eq!(zkinfer_robustness::vk_file(&edited_vk(|_, _| ())), Ok(()));
}

#[test]
fn proof_hashes_must_be_digests_before_they_name_files() {
    // The circuit hash names the key's folder in the cache, and hashes are printed shortened: a
    // proof that says "../../elsewhere" or "x" is refused when read.
    let seed = seeds("proof_json").remove(0);
    let json: serde_json::Value = serde_json::from_slice(&seed).unwrap();
    for (field, value) in [
        ("circuit_hash", "../../../tmp/elsewhere"),
        ("vk_hash", "x"),
        ("model_hash", "é"),
    ] {
        let mut changed = json.clone();
        changed[field] = value.into();
        let e = zkinfer_robustness::proof_json(&serde_json::to_vec(&changed).unwrap())
            .expect_err(field);
        assert!(e.contains(&format!("{field} is not a SHA-256")), "{e}");
    }
}
