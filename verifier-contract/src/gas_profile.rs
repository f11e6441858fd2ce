//! Where the gas of one EVM call goes: the transaction's intrinsic cost (base and calldata), and every
//! precompile call (count and gas, metered by a revm inspector), the rest being the contracts' own code.
//! `zkinfer verify-evm` prints it; it is the profile behind the verifier's gas figures.

use revm::inspector::Inspector;
use revm::interpreter::{CallInputs, CallOutcome};
use revm::primitives::Address;
use std::fmt;

/// Precompiles by their address byte, with the names used in reports.
const PRECOMPILES: [(u8, &str); 10] = [
    (1, "ecrecover"),
    (2, "sha256"),
    (3, "ripemd160"),
    (4, "identity"),
    (5, "modexp"),
    (6, "ecAdd"),
    (7, "ecMul"),
    (8, "ecPairing"),
    (9, "blake2f"),
    (10, "pointEvaluation"),
];

/// The base cost of every transaction.
pub const TX_BASE_GAS: u64 = 21_000;

/// Counts calls into the precompiles, and the gas each consumed (revm inspector).
#[derive(Clone, Debug, Default)]
pub struct PrecompileMeter {
    /// `(calls, gas)` per precompile address byte `1..=10`, at index `byte - 1`.
    calls: [(u64, u64); 10],
}

fn precompile_index(address: &Address) -> Option<usize> {
    let bytes = address.as_slice();
    let (zeros, last) = bytes.split_at(19);
    (zeros.iter().all(|b| *b == 0) && (1..=10).contains(&last[0])).then(|| usize::from(last[0]) - 1)
}

impl<CTX> Inspector<CTX> for PrecompileMeter {
    fn call_end(&mut self, _context: &mut CTX, inputs: &CallInputs, outcome: &mut CallOutcome) {
        if let Some(i) = precompile_index(&inputs.bytecode_address) {
            self.calls[i].0 += 1;
            self.calls[i].1 += outcome.result.gas.total_gas_spent();
        }
    }
}

/// The gas of one call, by where it went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GasProfile {
    /// All the gas the transaction used; the parts below and [`Self::code`] add up to it.
    pub total: u64,
    /// The transaction's base cost, [`TX_BASE_GAS`].
    pub base: u64,
    /// Calldata: 4 gas per zero byte, 16 per other byte (EIP-2028).
    pub calldata: u64,
    /// `(name, calls, gas)` of every precompile called at least once.
    pub precompiles: Vec<(&'static str, u64, u64)>,
}

impl GasProfile {
    pub(crate) fn new(total: u64, calldata: &[u8], meter: &PrecompileMeter) -> Self {
        let zeros = calldata.iter().filter(|b| **b == 0).count() as u64;
        let others = calldata.len() as u64 - zeros;
        let precompiles = PRECOMPILES
            .iter()
            .zip(meter.calls)
            .filter(|(_, (calls, _))| *calls > 0)
            .map(|((_, name), (calls, gas))| (*name, calls, gas))
            .collect();
        Self {
            total,
            base: TX_BASE_GAS,
            calldata: 4 * zeros + 16 * others,
            precompiles,
        }
    }

    /// `(calls, gas)` of the precompile called `name` (zero when it was not called).
    pub fn precompile(&self, name: &str) -> (u64, u64) {
        self.precompiles
            .iter()
            .find(|(n, _, _)| *n == name)
            .map_or((0, 0), |(_, calls, gas)| (*calls, *gas))
    }

    /// Gas spent in the contracts' own code: the total less the base, the calldata and the precompiles.
    pub fn code(&self) -> u64 {
        let precompiles: u64 = self.precompiles.iter().map(|(_, _, gas)| gas).sum();
        self.total
            .saturating_sub(self.base + self.calldata + precompiles)
    }
}

impl fmt::Display for GasProfile {
    /// One line per part, with its share of the total.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let share = |gas: u64| 100.0 * gas as f64 / self.total.max(1) as f64;
        writeln!(f, "  {:<22} {:>9} gas", "total", self.total)?;
        writeln!(
            f,
            "  {:<22} {:>9} gas  {:>5.1}%",
            "transaction base",
            self.base,
            share(self.base)
        )?;
        writeln!(
            f,
            "  {:<22} {:>9} gas  {:>5.1}%",
            "calldata",
            self.calldata,
            share(self.calldata)
        )?;
        for (name, calls, gas) in &self.precompiles {
            let label = format!("{name} x{calls}");
            writeln!(f, "  {label:<22} {gas:>9} gas  {:>5.1}%", share(*gas))?;
        }
        write!(
            f,
            "  {:<22} {:>9} gas  {:>5.1}%",
            "contract code",
            self.code(),
            share(self.code())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_precompile_addresses_are_metered() {
        assert_eq!(precompile_index(&Address::with_last_byte(7)), Some(6));
        assert_eq!(precompile_index(&Address::with_last_byte(10)), Some(9));
        assert_eq!(precompile_index(&Address::with_last_byte(0)), None);
        assert_eq!(precompile_index(&Address::with_last_byte(11)), None);
        let mut high = [0u8; 20];
        high[0] = 1;
        high[19] = 7;
        assert_eq!(precompile_index(&Address::from(high)), None);
    }

    #[test]
    fn calldata_is_priced_per_byte_and_the_rest_is_code() {
        let mut meter = PrecompileMeter::default();
        meter.calls[6] = (2, 12_000);
        let profile = GasProfile::new(60_000, &[0, 0, 1, 0xff], &meter);
        assert_eq!(profile.calldata, 4 + 4 + 16 + 16);
        assert_eq!(profile.precompile("ecMul"), (2, 12_000));
        assert_eq!(profile.precompile("ecAdd"), (0, 0));
        assert_eq!(profile.code(), 60_000 - 21_000 - 40 - 12_000);
        let text = profile.to_string();
        assert!(text.contains("ecMul x2"), "{text}");
        assert!(!text.contains("ecAdd"), "{text}");
    }
}
