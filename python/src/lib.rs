//! # zkinfer-python
//!
//! The native half of the `zkinfer` Python package (`zkinfer._native`): thin pyo3 bindings of the
//! `zkinfer` library crate. It owns the translation between Python and the library (options,
//! inputs as EZKL-format JSON the Python layer writes from lists or numpy arrays, results as JSON
//! the Python layer reads back, errors as `zkinfer.ZkinferError` with the library's one-line
//! message, flags renamed to the keyword arguments that set them) and nothing of the pipeline
//! itself. Long calls (keygen, proving, verifying, the EVM run) release the GIL.
//!
//! The public API, its documentation and its type stubs are the pure-Python package
//! (`python/zkinfer/`); this module is private to it.

mod functions;
mod options;
mod progress;
mod proof;
mod prover;

use pyo3::create_exception;
use pyo3::prelude::*;

create_exception!(
    zkinfer,
    ZkinferError,
    pyo3::exceptions::PyException,
    "What zkinfer refused or failed to do, in one line that names the file, layer or argument."
);

/// The CLI flags and commands the library's messages name, and what does the same from Python; the
/// longer forms first, so a flag with its value is renamed whole.
const FLAG_NAMES: &[(&str, &str)] = &[
    (
        "`zkinfer srs import FILE.ptau`",
        "`zkinfer.import_srs('FILE.ptau')`",
    ),
    ("--dim NAME=VALUE", "dims={'NAME': VALUE}"),
    ("--calibration cal.json", "calibration='cal.json'"),
    ("--calibration FILE", "calibration='FILE'"),
    ("--srs FILE", "srs='FILE'"),
    ("`zkinfer prove`", "`zkinfer.prove`"),
    ("--insecure-dev-srs", "insecure_dev_srs=True"),
    ("--calibration", "calibration="),
    ("--settings", "settings="),
    ("--srs", "srs="),
    ("--scale", "scale="),
    ("--lanes", "lanes="),
    ("--dim", "dims="),
    ("--model", "model="),
    ("--vk", "vk="),
    ("--public-input", "input_visibility='public'"),
    ("--hashed-input", "input_visibility='hashed'"),
    ("--force", "force=True"),
];

/// Whether `c` continues a word, a file name or a flag (so a flag next to it is part of something else;
/// a `/` between two flags, `--scale/--lanes`, does not join them).
fn joins(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || "-_.".contains(c))
}

/// `msg` with each flag of [`FLAG_NAMES`] that stands alone (not inside a path or a longer flag) renamed.
fn rename_flags(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    'scan: while !rest.is_empty() {
        let before = out.chars().last();
        for (flag, keyword) in FLAG_NAMES {
            let after = rest.get(flag.len()..).and_then(|r| r.chars().next());
            let word_end = flag.ends_with(|c: char| c.is_alphanumeric());
            if rest.starts_with(flag) && !joins(before) && !(word_end && joins(after)) {
                out.push_str(keyword);
                rest = &rest[flag.len()..];
                continue 'scan;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `e` as a Python exception: the library's one line, with its flags named as this API's keywords.
pub(crate) fn py_err(e: impl std::fmt::Display) -> PyErr {
    ZkinferError::new_err(rename_flags(&e.to_string()))
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ZkinferError", m.py().get_type::<ZkinferError>())?;
    m.add_class::<prover::Prover>()?;
    m.add_class::<proof::Proof>()?;
    m.add_function(wrap_pyfunction!(functions::calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(functions::inspect, m)?)?;
    m.add_function(wrap_pyfunction!(functions::verify, m)?)?;
    m.add_function(wrap_pyfunction!(functions::export_verifier, m)?)?;
    m.add_function(wrap_pyfunction!(functions::model_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(functions::import_srs, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::rename_flags;

    #[test]
    fn flags_are_renamed_only_where_they_stand_alone() {
        assert_eq!(
            rename_flags("pass --insecure-dev-srs to accept it"),
            "pass insecure_dev_srs=True to accept it"
        );
        assert_eq!(
            rename_flags("--scale/--lanes re-choose"),
            "scale=/lanes= re-choose"
        );
        assert_eq!(
            rename_flags("give it with --dim NAME=VALUE"),
            "give it with dims={'NAME': VALUE}"
        );
        assert_eq!(
            rename_flags("run `zkinfer prove` on it first or pass --calibration cal.json"),
            "run `zkinfer.prove` on it first or pass calibration='cal.json'"
        );
        assert_eq!(
            rename_flags("import one with `zkinfer srs import FILE.ptau`, or pass --srs FILE"),
            "import one with `zkinfer.import_srs('FILE.ptau')`, or pass srs='FILE'"
        );
        // Inside a path or a longer flag, nothing changes.
        assert_eq!(rename_flags("/tmp/a--scale.json"), "/tmp/a--scale.json");
        assert_eq!(rename_flags("x --scales"), "x --scales");
        assert_eq!(rename_flags("(--model)"), "(model=)");
    }
}
