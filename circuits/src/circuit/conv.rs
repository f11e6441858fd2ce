//! Laying out a Conv on the convolution check ([`crate::chips::conv_check`]) instead of the MAC chip:
//! the check commits and proves every output's exact sum, then one requant row per output rescales it
//! with the channel's bias and applies the activation (none for a raw convolution, whose sums are its
//! outputs).

use super::{ModelCircuit, ModelConfig};
use crate::chips::conv_check::{ConvRows, ConvTamper};
use crate::chips::requant::Tamper;
use crate::chips::requant_rows::RequantRows;
use crate::chips::Wire;
use crate::error::{CircuitError, Result};
use crate::ops::Conv;
use crate::Fr;
use halo2_proofs::circuit::Region;

impl ModelCircuit {
    /// Node `n`, the convolution `op` over the input wires `x` of `shape`: returns the output wires.
    pub(super) fn lay_out_conv(
        &self,
        config: &ModelConfig,
        region: &mut Region<'_, Fr>,
        (n, op): (usize, &Conv),
        (x, shape): (&[Wire], &[usize]),
        (conv_rows, requant): (&mut ConvRows, &mut RequantRows),
    ) -> Result<Vec<Wire>> {
        let node = &self.graph.nodes[n];
        let chip = config.conv.as_ref().ok_or_else(|| {
            CircuitError::Graph(format!("node '{}': no convolution check", node.name))
        })?;
        let conv = op.check_shape(shape).ok_or_else(|| {
            CircuitError::Graph(format!("node '{}': input shape {shape:?}", node.name))
        })?;
        let tamper = self.tamper.filter(|t| t.node == n);
        let chip_tamper = tamper.and_then(|t| match t.tamper {
            Tamper::Accumulator => Some(ConvTamper::Output(t.index)),
            Tamper::Conv(c) => Some(c),
            _ => None,
        });
        // The `Input` corruption: the check runs on an input whose first chain's first element is one
        // too high (its cell unchanged), so only the chip's copy of that element can catch it.
        let tampered: Vec<Wire>;
        let x = match chip_tamper {
            Some(ConvTamper::Input) => {
                let last = conv.hw[0] * conv.hw[1] - 1;
                let mut t = x.to_vec();
                t[last].value = t[last].value.map(|v| v + 1);
                tampered = t;
                &tampered[..]
            }
            _ => x,
        };
        let values: Option<Vec<i64>> = x.iter().map(|w| w.value).collect();
        let coeffs = values
            .map(|v| {
                conv.coefficients(&op.weights, &v)
                    .ok_or_else(|| CircuitError::Overflow {
                        layer: node.name.clone(),
                    })
            })
            .transpose()?;
        let sums = chip
            .assign(
                region,
                conv_rows,
                (&conv, &op.weights),
                (x, coeffs.as_deref()),
                chip_tamper,
            )
            .map_err(|e| CircuitError::Synthesis(e.to_string()))?;
        if op.raw {
            // The exact sums are the outputs ([`Conv::raw`]).
            return Ok(sums);
        }
        let fn_tag = self.fn_tag(op.act, &self.graph.tables(), &node.name)?;
        let per_channel = sums.len() / (conv.batch * op.c_out).max(1);
        let mut out = Vec::with_capacity(sums.len());
        for (i, sum) in sums.iter().enumerate() {
            let channel = i / per_channel.max(1) % op.c_out;
            let t = tamper.filter(|t| t.index == i).map(|t| t.tamper);
            let neuron = (op.bias[channel], op.act, (0, op.weight_bits), fn_tag);
            out.push(self.rescale(config, region, (sum, t), neuron, requant, &node.name)?);
        }
        Ok(out)
    }
}
