//! Two `zkinfer prove` processes on the same model at once, on an empty cache: both generate or load the
//! SRS, settings and keys through atomic writes, both proofs verify, and the cache holds one key pair.

mod common;

use common::{ok, zkinfer, zoo};

#[test]
fn two_provers_share_an_empty_cache() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (onnx, input) = (
        zoo("mlp_digits", "network.onnx"),
        zoo("mlp_digits", "input.json"),
    );
    let cal = zoo("mlp_digits", "cal.json");
    let spawn = |out: &str| {
        let (onnx, input, cal) = (
            onnx.to_str().unwrap(),
            input.to_str().unwrap(),
            cal.to_str().unwrap(),
        );
        common::spawn_zkinfer(d, &["prove", onnx, input, "--calibration", cal, "-o", out])
    };
    let (a, b) = (spawn("a.json"), spawn("b.json"));
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
    }
    ok(zkinfer(d, &["verify", "a.json"]));
    ok(zkinfer(d, &["verify", "b.json"]));
    let keys: Vec<_> = std::fs::read_dir(d.join("keys")).unwrap().collect();
    assert_eq!(keys.len(), 1, "one circuit, one key folder");
    // tempfile names its files .tmpXXXXXX: none may be left behind.
    let leftovers: Vec<String> = walk(d)
        .into_iter()
        .filter(|p| {
            std::path::Path::new(p)
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".tmp"))
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}
