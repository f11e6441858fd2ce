//! [`QTensor`]: a dense row-major tensor of fixed-point integers with its scale.

use serde::{Deserialize, Serialize};

/// A fixed-point tensor: `data[i] / 2^scale` is the real value of element `i`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QTensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// The elements in row-major order (`shape`'s product of them, unless built without [`QTensor::new`]).
    pub data: Vec<i64>,
    /// Fractional bits: element `i` stands for `data[i] / 2^scale`.
    pub scale: u32,
}

impl QTensor {
    /// A tensor from parts; `data.len()` must equal the product of `shape`.
    pub fn new(shape: Vec<usize>, data: Vec<i64>, scale: u32) -> Option<Self> {
        (shape.iter().product::<usize>() == data.len()).then_some(Self { shape, data, scale })
    }

    /// Quantize real values at `2^scale`.
    pub fn from_f64(shape: Vec<usize>, values: &[f64], scale: u32) -> Option<Self> {
        let data = values
            .iter()
            .map(|v| crate::fixed_point::quantize(*v, scale))
            .collect();
        Self::new(shape, data, scale)
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The real values this tensor encodes.
    pub fn dequantize(&self) -> Vec<f64> {
        self.data
            .iter()
            .map(|v| crate::fixed_point::dequantize(*v, self.scale))
            .collect()
    }
}
