//! Ceremony SRS: real `.ptau` files made by snarkjs (npm, installed by scripts/test-deps.sh:
//! `powersoftau new`, `contribute`, `prepare phase2`) are imported (checked with arkworks), serve `prove`, `verify` and
//! the EVM verifier, and hostile files are refused with one error line, nothing stored.

mod common;

use common::{fails_with, ok, repo, zkinfer, zkinfer_strict, zoo};
use std::path::{Path, PathBuf};
use std::process::Command;

fn snarkjs(dir: &Path, args: &[&str]) {
    let cli = repo().join("verifier-contract/js/node_modules/snarkjs/build/cli.cjs");
    assert!(
        cli.exists(),
        "{} missing: run bash scripts/test-deps.sh",
        cli.display()
    );
    let out = Command::new("node")
        .arg(&cli)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "snarkjs {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `(fresh, contributed)`: the `new` file (tau = 1, every power the generator) and one contribution.
fn ceremony(dir: &Path, power: u32) -> (PathBuf, PathBuf) {
    let (fresh, contributed) = (format!("pot{power}_0.ptau"), format!("pot{power}_1.ptau"));
    snarkjs(
        dir,
        &["powersoftau", "new", "bn128", &power.to_string(), &fresh],
    );
    snarkjs(
        dir,
        &[
            "powersoftau",
            "contribute",
            &fresh,
            &contributed,
            "--name=test",
            "-e=zkinfer test entropy",
        ],
    );
    (dir.join(fresh), dir.join(contributed))
}

/// Offset of `[τ^i]G1` in a file made by `powersoftau new` / `contribute` (sections in order 1, 2, ...:
/// magic + version + count = 12 bytes, section 1 = 12 + 44 bytes, then section 2's 12-byte header).
fn tau_g1_offset(i: usize) -> usize {
    12 + (12 + 44) + 12 + 64 * i
}

#[test]
fn ceremony_srs_is_imported_checked_and_used() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (fresh, good) = ceremony(d, 11);
    let srs_file = d.join("srs/kzg_bn254_k11.srs");

    // Hostile files first: each refused with its reason, nothing stored.
    let bytes = std::fs::read(&good).unwrap();
    let write = |name: &str, b: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, b).unwrap();
        p
    };
    let mut flipped = bytes.clone();
    flipped[tau_g1_offset(5) + 3] ^= 1;
    let mut swapped = bytes.clone();
    let (a, b) = (tau_g1_offset(7), tau_g1_offset(8));
    let seventh = bytes[a..a + 64].to_vec();
    swapped.copy_within(b..b + 64, a);
    swapped[b..b + 64].copy_from_slice(&seventh);
    let mut magic = bytes.clone();
    magic[0] = b'x';
    let cases: Vec<(PathBuf, Option<&str>, &str)> = vec![
        (fresh.clone(), None, "tau is 1"),
        (write("flipped.ptau", &flipped), None, "tauG1"),
        (
            write("swapped.ptau", &swapped),
            None,
            "not consecutive powers",
        ),
        (
            write("truncated.ptau", &bytes[..bytes.len() / 2]),
            None,
            "runs past the end",
        ),
        (write("magic.ptau", &magic), None, "not a .ptau file"),
        (good.clone(), Some("12"), "k=12 needs 2^12"),
        (d.join("missing.ptau"), None, "missing.ptau"),
    ];
    for (file, k, reason) in &cases {
        let mut args = vec!["srs", "import", file.to_str().unwrap()];
        if let Some(k) = k {
            args.extend(["-k", k]);
        }
        fails_with(zkinfer(d, &args), reason);
        assert!(!srs_file.exists(), "{} left an SRS behind", file.display());
    }

    // Without an imported SRS, proving is refused unless the development SRS is allowed explicitly.
    let (onnx, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    let (onnx, input) = (onnx.to_str().unwrap(), input.to_str().unwrap());
    fails_with(
        zkinfer_strict(d, &["prove", onnx, input]),
        "--insecure-dev-srs",
    );
    assert!(!d.join("proof.json").exists() && !srs_file.exists());

    // `--srs FILE.ptau` uses a ceremony file directly (checked, nothing cached), in another cache.
    let direct = d.join("direct");
    std::fs::create_dir_all(&direct).unwrap();
    let good_arg = good.to_str().unwrap();
    ok(zkinfer_strict(
        &direct,
        &["prove", onnx, input, "--srs", good_arg],
    ));
    // The key's SRS is known to `verify` only through the same --srs file (nothing is cached).
    fails_with(
        zkinfer_strict(&direct, &["verify", "proof.json"]),
        "none this machine knows",
    );
    ok(zkinfer_strict(
        &direct,
        &["verify", "proof.json", "--srs", good_arg],
    ));
    assert!(!direct.join("srs").exists(), "a --srs file is not cached");
    let fresh_arg = fresh.to_str().unwrap();
    let refused = zkinfer_strict(
        &direct,
        &["prove", onnx, input, "--srs", fresh_arg, "-o", "x.json"],
    );
    fails_with(refused, "tau is 1");

    // `srs import -o FILE` writes the checked SRS to a file (not the cache) that `--srs` uses.
    let exported = d.join("direct").join("ceremony.k11.srs");
    let out = ok(zkinfer(
        d,
        &["srs", "import", good_arg, "-o", exported.to_str().unwrap()],
    ));
    assert!(out.contains("imported k=11") && !srs_file.exists(), "{out}");
    let exported_arg = exported.to_str().unwrap();
    ok(zkinfer_strict(
        &direct,
        &[
            "prove",
            onnx,
            input,
            "--srs",
            exported_arg,
            "-o",
            "exported.json",
        ],
    ));
    ok(zkinfer_strict(
        &direct,
        &["verify", "exported.json", "--srs", exported_arg],
    ));

    // The real file: imported, re-checked, used by prove (no flag needed), verify and the EVM verifier.
    let imported = ok(zkinfer(d, &["srs", "import", good.to_str().unwrap()]));
    assert!(
        imported.contains("imported k=11") && imported.contains("ceremony SRS"),
        "{imported}"
    );
    let verified = ok(zkinfer(d, &["srs", "verify", srs_file.to_str().unwrap()]));
    assert!(verified.contains("powers consistent"), "{verified}");
    let proved = zkinfer_strict(d, &["prove", onnx, input]);
    let log = common::stderr(&proved);
    assert!(proved.status.success(), "{log}");
    assert!(
        log.contains("ceremony SRS") && !log.contains("INSECURE"),
        "{log}"
    );
    let proof: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("proof.json")).unwrap()).unwrap();
    assert_eq!(
        proof["srs"]["kind"]["Ceremony"]["power"], 11,
        "{}",
        proof["srs"]
    );
    // The imported ceremony is known: no flag needed, and no warning.
    let verified = zkinfer_strict(d, &["verify", "proof.json"]);
    assert!(verified.status.success() && !common::stderr(&verified).contains("INSECURE"));
    ok(zkinfer(d, &["verify-evm", "proof.json"]));

    // A stored SRS whose bytes were changed is refused by `srs verify` (checksum or pairing).
    let mut stored = std::fs::read(&srs_file).unwrap();
    let at = stored.len() - 100;
    stored[at] ^= 1;
    let corrupt = write("corrupt.srs", &stored);
    fails_with(
        zkinfer(d, &["srs", "verify", corrupt.to_str().unwrap()]),
        "corrupt.srs",
    );
}

#[test]
fn a_prepared_phase2_file_gives_the_same_srs() {
    // Public ceremonies (PPoT) publish files after `prepare phase2`, which adds Lagrange-basis
    // sections; the powers read from them are the contribution's own.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, contributed) = ceremony(d, 4);
    let contributed = contributed.to_str().unwrap();
    snarkjs(
        d,
        &[
            "powersoftau",
            "prepare",
            "phase2",
            contributed,
            "final.ptau",
        ],
    );
    let import = |from: &str, to: &str| {
        ok(zkinfer(d, &["srs", "import", from, "-o", to]));
        std::fs::read(d.join(to)).unwrap()
    };
    let plain = import(contributed, "plain.srs");
    let prepared = import("final.ptau", "prepared.srs");
    assert_eq!(plain, prepared, "same powers, same stored SRS");
    let checked = ok(zkinfer(d, &["srs", "verify", "prepared.srs"]));
    assert!(checked.contains("k=4"), "{checked}");
}
