//! `input.json` in EZKL's format: `{"input_data": [[...], ...]}`, one list of values per model input.
//!
//! A list may be flat or nested in the input's shape (any depth, rectangular: it is read row-major);
//! values are numbers (integers included) or booleans (`true` is 1). For calibration files, a list may
//! hold several samples back to back (its length a multiple of the input's size), and a single-input
//! model may also list samples one per list.

use crate::error::{ModelError, Result};
use serde::Deserialize;
use std::path::Path;
use zkinfer_circuits::ops::Input;

#[derive(Debug, Deserialize)]
struct InputFile {
    input_data: Vec<serde_json::Value>,
    #[serde(default)]
    salt: Option<String>,
}

/// The lists of an input file, as read.
#[derive(Clone, Debug)]
pub struct InputData {
    /// The file's path, or the label of bytes parsed from memory; names it in errors.
    pub path: String,
    /// `input_data` as read, each list flattened row-major: one per model input, or for calibration
    /// several samples (see the module docs).
    pub lists: Vec<Vec<f64>>,
    /// The shape each list was written in (`[n]` for a flat list), for messages.
    pub shapes: Vec<Vec<usize>>,
    /// `"salt": "0x..."`: the salt of the input's Poseidon commitment (`--hashed-input`), a private
    /// witness that travels with the input (never through a public folder).
    pub salt: Option<zkinfer_circuits::Fr>,
}

/// Read and parse an EZKL-format input file.
pub fn read_input_file(path: &Path) -> Result<InputData> {
    let p = path.display().to_string();
    let io = |source| ModelError::Io {
        path: p.clone(),
        cause: source,
    };
    // Parsed as JSON values first (about 16 bytes of memory per byte of file): refuse what no model
    // input needs before reading it (a worker reads files others put in its folder).
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ModelError::Input {
            path: p,
            msg: format!("{size} bytes, more than the {MAX_FILE_BYTES} an input file may have"),
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    parse_input(&bytes, &p)
}

/// The largest input file read (256 MiB of JSON: tens of millions of values).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// `v` as JSON, cut to 40 characters for a message.
fn quote(v: &impl std::fmt::Display) -> String {
    let s = v.to_string();
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}

/// Parse an EZKL-format input file held in memory; `label` names it in errors.
pub fn parse_input(bytes: &[u8], label: &str) -> Result<InputData> {
    let p = label.to_string();
    let file: InputFile = serde_json::from_slice(bytes).map_err(|e| ModelError::Input {
        path: p.clone(),
        msg: format!("expected {{\"input_data\": [[numbers...]]}}: {e}"),
    })?;
    if file.input_data.is_empty() {
        return Err(ModelError::Input {
            path: p,
            msg: "input_data is empty".into(),
        });
    }
    let mut lists = Vec::with_capacity(file.input_data.len());
    let mut shapes = Vec::with_capacity(file.input_data.len());
    for (i, value) in file.input_data.iter().enumerate() {
        let (list, shape) = flatten(value).map_err(|msg| ModelError::Input {
            path: p.clone(),
            msg: format!("input_data[{i}]: {msg}"),
        })?;
        if let Some(bad) = list.iter().find(|v| !v.is_finite()) {
            return Err(ModelError::Input {
                path: p,
                msg: format!("input_data[{i}]: non-finite value {bad}"),
            });
        }
        lists.push(list);
        shapes.push(shape);
    }
    let salt = match &file.salt {
        None => None,
        Some(s) => Some(
            zkinfer_circuits::fixed_point::word_from_hex(s).ok_or_else(|| ModelError::Input {
                path: p.clone(),
                msg: format!(
                    "salt '{s}' is not 0x-hex of at most 64 digits below the BN254 field order"
                ),
            })?,
        ),
    };
    Ok(InputData {
        path: p,
        lists,
        shapes,
        salt,
    })
}

/// The deepest a nested list may go (a tensor of rank 32 is already far beyond any model input).
const MAX_DEPTH: usize = 32;

/// A nested list of numbers or booleans, flattened row-major, and its shape; an error if it is ragged
/// or holds anything else.
fn flatten(value: &serde_json::Value) -> std::result::Result<(Vec<f64>, Vec<usize>), String> {
    fn walk(
        v: &serde_json::Value,
        depth: usize,
        out: &mut Vec<f64>,
    ) -> std::result::Result<Vec<usize>, String> {
        use serde_json::Value;
        match v {
            Value::Number(n) => {
                out.push(n.as_f64().ok_or_else(|| format!("{n} is not a number"))?);
                Ok(vec![])
            }
            Value::Bool(b) => {
                out.push(f64::from(u8::from(*b)));
                Ok(vec![])
            }
            Value::Array(items) if depth < MAX_DEPTH => {
                let mut inner: Option<Vec<usize>> = None;
                for (j, item) in items.iter().enumerate() {
                    let shape = walk(item, depth + 1, out)?;
                    match &inner {
                        None => inner = Some(shape),
                        Some(first) if *first != shape => {
                            return Err(format!(
                                "ragged list: item {j} has shape {shape:?}, item 0 {first:?}"
                            ))
                        }
                        Some(_) => {}
                    }
                }
                let mut shape = vec![items.len()];
                shape.extend(inner.unwrap_or_default());
                Ok(shape)
            }
            Value::Array(_) => Err(format!("nested deeper than {MAX_DEPTH} levels")),
            other => Err(format!(
                "{} is not a number, a boolean or a list",
                quote(other)
            )),
        }
    }
    let mut out = Vec::new();
    let shape = match value {
        serde_json::Value::Array(_) => walk(value, 0, &mut out)?,
        other => return Err(format!("expected a list of values, found {}", quote(other))),
    };
    Ok((out, shape))
}

impl InputData {
    /// One inference's inputs: exactly one list per model input, each of the given size.
    pub fn single(&self, sizes: &[(String, usize)]) -> Result<Vec<Vec<f64>>> {
        self.single_shaped(sizes, &[])
    }

    /// [`InputData::single`] for `graph`'s inputs; a list of the wrong size is told the input's shape.
    pub fn for_model(&self, graph: &crate::FloatGraph) -> Result<Vec<Vec<f64>>> {
        let shapes: Vec<Vec<usize>> = graph
            .nodes
            .iter()
            .filter_map(|n| match &n.op {
                crate::FloatOp::Input(Input { shape }) => Some(shape.clone()),
                _ => None,
            })
            .collect();
        self.single_shaped(&graph.input_sizes(), &shapes)
    }

    fn single_shaped(
        &self,
        sizes: &[(String, usize)],
        shapes: &[Vec<usize>],
    ) -> Result<Vec<Vec<f64>>> {
        if self.lists.len() != sizes.len() {
            return Err(self.err(format!(
                "has {} input lists, the model has {} inputs ({})",
                self.lists.len(),
                sizes.len(),
                sizes
                    .iter()
                    .map(|(n, s)| format!("'{n}': {s} values"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for (i, (list, (name, size))) in self.lists.iter().zip(sizes).enumerate() {
            // A nested list must be in the input's shape (leading 1s aside): the same count in another
            // layout (an image as HWC for a CHW input) would be read permuted.
            let strip =
                |s: &[usize]| -> Vec<usize> { s.iter().copied().skip_while(|d| *d == 1).collect() };
            if let (Some(written), Some(shape)) = (self.shapes.get(i), shapes.get(i)) {
                if written.len() > 1 && strip(written) != strip(shape) {
                    return Err(self.err(format!(
                        "input {i} is written as {written:?}, the model's input '{name}' has shape \
                         {shape:?} (nest it in that shape, or give it flat, row-major)"
                    )));
                }
            }
            if list.len() != *size {
                let written = match self.shapes.get(i) {
                    Some(s) if s.len() > 1 => format!(" (written as {s:?})"),
                    _ => String::new(),
                };
                let shape = match shapes.get(i) {
                    Some(s) => format!(" (shape {s:?})"),
                    None => String::new(),
                };
                return Err(self.err(format!(
                    "input {i} has {} values{written}, the model's input '{name}' needs {size}{shape}",
                    list.len()
                )));
            }
        }
        Ok(self.lists.clone())
    }

    /// Calibration samples: each sample is one list per model input.
    pub fn samples(&self, sizes: &[(String, usize)]) -> Result<Vec<Vec<Vec<f64>>>> {
        let lists: Vec<Vec<f64>> = if sizes.len() == 1 && self.lists.len() > 1 {
            vec![self.lists.concat()]
        } else {
            self.lists.clone()
        };
        if lists.len() != sizes.len() {
            return Err(self.err(format!(
                "has {} input lists, the model has {} inputs",
                lists.len(),
                sizes.len()
            )));
        }
        let mut count = None;
        for (i, (list, (name, size))) in lists.iter().zip(sizes).enumerate() {
            if *size == 0 || list.len() % size != 0 || list.is_empty() {
                return Err(self.err(format!(
                    "input {i} has {} values, not a multiple of the {size} values of '{name}'",
                    list.len()
                )));
            }
            let n = list.len() / size;
            if *count.get_or_insert(n) != n {
                return Err(self.err("inputs hold different numbers of samples".into()));
            }
        }
        let n = count.unwrap_or(0);
        Ok((0..n)
            .map(|s| {
                lists
                    .iter()
                    .zip(sizes)
                    .map(|(l, (_, size))| l[s * size..(s + 1) * size].to_vec())
                    .collect()
            })
            .collect())
    }

    fn err(&self, msg: String) -> ModelError {
        ModelError::Input {
            path: self.path.clone(),
            msg,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<InputData> {
        parse_input(json.as_bytes(), "input.json")
    }

    #[test]
    fn nested_lists_integers_and_booleans_are_read_row_major() {
        let flat = parse(r#"{"input_data": [[1, 2.5, 3, 4, 5, 6]]}"#).unwrap();
        let nested = parse(r#"{"input_data": [[[[1, 2.5, 3], [4, 5, 6]]]]}"#).unwrap();
        assert_eq!(nested.lists, flat.lists);
        assert_eq!(nested.shapes, vec![vec![1, 2, 3]]);
        let sizes = [("x".to_string(), 6)];
        assert_eq!(nested.single(&sizes).unwrap(), flat.single(&sizes).unwrap());
        let mixed = parse(r#"{"input_data": [[true, false, 3], [[0.5], [1]]]}"#).unwrap();
        assert_eq!(mixed.lists, vec![vec![1.0, 0.0, 3.0], vec![0.5, 1.0]]);
    }

    #[test]
    fn ragged_or_foreign_values_name_the_list() {
        for (json, needle) in [
            (
                r#"{"input_data": [[[1, 2], [3]]]}"#,
                "input_data[0]: ragged list",
            ),
            (
                r#"{"input_data": [[1], [1, "a"]]}"#,
                "input_data[1]: \"a\" is not a number",
            ),
            (r#"{"input_data": [[1, null]]}"#, "null is not a number"),
            (r#"{"input_data": [3]}"#, "expected a list of values"),
            (r#"{"input_data": []}"#, "input_data is empty"),
        ] {
            let msg = parse(json).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(msg.contains(needle), "{json}: {msg}");
        }
        let deep = format!(
            r#"{{"input_data": [{}1{}]}}"#,
            "[".repeat(40),
            "]".repeat(40)
        );
        let msg = parse(&deep)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(msg.contains("nested deeper"), "{msg}");
    }

    #[test]
    fn a_long_foreign_value_is_quoted_short() {
        let json = format!(r#"{{"input_data": [[1, "{}"]]}}"#, "x".repeat(10_000));
        let msg = parse(&json)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            msg.contains("...") && msg.len() < 200,
            "{} chars",
            msg.len()
        );
    }

    #[test]
    fn a_nested_list_in_another_layout_is_refused() {
        let graph = crate::load_onnx(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/zoo/tiny_linear/network.onnx"
        )))
        .unwrap()
        .graph;
        // tiny_linear's input is [1, 2, 4]: [2, 4] and [1, 1, 2, 4] are that shape, [4, 2] is not.
        let ok = parse(r#"{"input_data": [[[1, 2, 3, 4], [5, 6, 7, 8]]]}"#).unwrap();
        assert_eq!(ok.for_model(&graph).unwrap()[0].len(), 8);
        let deep = parse(r#"{"input_data": [[[[[1, 2, 3, 4], [5, 6, 7, 8]]]]]}"#).unwrap();
        assert!(deep.for_model(&graph).is_ok());
        let flat = parse(r#"{"input_data": [[1, 2, 3, 4, 5, 6, 7, 8]]}"#).unwrap();
        assert!(flat.for_model(&graph).is_ok());
        let permuted = parse(r#"{"input_data": [[[1, 2], [3, 4], [5, 6], [7, 8]]]}"#).unwrap();
        let msg = permuted.for_model(&graph).unwrap_err().to_string();
        assert!(
            msg.contains("written as [4, 2]") && msg.contains("[1, 2, 4]"),
            "{msg}"
        );
    }

    #[test]
    fn a_wrong_size_names_the_shape_it_was_written_in() {
        let data = parse(r#"{"input_data": [[[1, 2], [3, 4], [5, 6]]]}"#).unwrap();
        let msg = data
            .single(&[("x".to_string(), 8)])
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("6 values (written as [3, 2])") && msg.contains("'x' needs 8"),
            "{msg}"
        );
    }
}
