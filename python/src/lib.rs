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
    _native,
    ZkinferError,
    pyo3::exceptions::PyException,
    "What zkinfer refused or failed to do, in one line that names the file, layer or argument."
);

/// The CLI flags the library's messages name, and the keyword argument that does the same here.
const FLAG_NAMES: &[(&str, &str)] = &[
    ("--insecure-dev-srs", "insecure_dev_srs=True"),
    ("--calibration FILE", "calibration="),
    ("--calibration", "calibration="),
    ("--settings", "settings="),
    ("--srs FILE", "srs="),
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

/// `e` as a Python exception: the library's one line, with its flags named as this API's keywords.
pub(crate) fn py_err(e: impl std::fmt::Display) -> PyErr {
    let mut msg = e.to_string();
    for (flag, keyword) in FLAG_NAMES {
        msg = msg.replace(flag, keyword);
    }
    ZkinferError::new_err(msg)
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
    m.add_function(wrap_pyfunction!(functions::verify_evm, m)?)?;
    m.add_function(wrap_pyfunction!(functions::export_verifier, m)?)?;
    m.add_function(wrap_pyfunction!(functions::model_inputs, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
