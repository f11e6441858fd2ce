//! Poseidon over BN254 with circom's parameters (x^5 S-box, 8 full rounds, circom's partial rounds,
//! round constants and MDS matrices), natively; the in-circuit chip is [`crate::chips::poseidon`].
//!
//! The constants come from the `light-poseidon` crate (the circom-compatible reference in Rust),
//! converted once; the permutation itself is ours, so the native hash and the chip share one
//! definition and `light-poseidon`'s own hasher stays an independent reference in the tests.
//!
//! Commitment to a vector (the hashed-input visibility): `h_0 = salt`, then for each chunk of
//! `width - 2` elements (the last one padded with zeros) `h_{i+1} = Poseidon(h_i, chunk)`, i.e. circom's
//! `Poseidon(width - 1)` with domain tag 0; the first step is `Poseidon(salt, x_0, x_1, x_2)`. Any circom
//! or light-poseidon user can recompute it. Without a salt (`salt = 0`) a low-entropy input (a vote, an
//! age, a label) is found by hashing every candidate; a uniformly random salt (a private witness the
//! prover must know) hides it. The commitment does not encode the input's length: `commit_salted(s, x‖y)`
//! equals `commit_salted(h, y)` with `h = commit_salted(s, x)` when `|x|` is a multiple of 3, so a
//! commitment names an input only together with the model (the key) it is proven for, as a market job
//! does.

use crate::Fr;
use ark_ff::{BigInteger, PrimeField as _};
use halo2_proofs::halo2curves::ff::PrimeField;

/// Widths (state sizes) circom's constants exist for.
pub const MAX_WIDTH: usize = 13;

/// One width's parameters.
#[derive(Clone, Debug)]
pub struct PoseidonParams {
    /// State size `t` in field elements (`2..=MAX_WIDTH`): one capacity slot plus `t - 1` inputs.
    pub width: usize,
    /// Full rounds (S-box on every element), half before and half after the partial rounds.
    pub full_rounds: usize,
    /// Partial rounds (S-box on `state[0]` only), in the middle.
    pub partial_rounds: usize,
    /// Round constants, `width` per round.
    pub ark: Vec<Fr>,
    /// MDS matrix, row-major.
    pub mds: Vec<Vec<Fr>>,
}

fn convert(value: &ark_bn254::Fr) -> Fr {
    let mut repr = [0u8; 32];
    repr.copy_from_slice(&value.into_bigint().to_bytes_le());
    Fr::from_repr(repr).expect("a BN254 scalar is below the modulus")
}

impl PoseidonParams {
    /// circom's parameters for a state of `width` field elements (`2..=13`).
    pub fn circom(width: usize) -> Option<Self> {
        if !(2..=MAX_WIDTH).contains(&width) {
            return None;
        }
        let p = light_poseidon::parameters::bn254_x5::get_poseidon_parameters::<ark_bn254::Fr>(
            width as u8,
        )
        .ok()?;
        (p.alpha == 5).then(|| PoseidonParams {
            width,
            full_rounds: p.full_rounds,
            partial_rounds: p.partial_rounds,
            ark: p.ark.iter().map(convert).collect(),
            mds: p
                .mds
                .iter()
                .map(|row| row.iter().map(convert).collect())
                .collect(),
        })
    }

    /// Rounds per permutation, full and partial.
    pub fn rounds(&self) -> usize {
        self.full_rounds + self.partial_rounds
    }

    /// Whether round `r` applies the S-box to the whole state.
    pub fn is_full(&self, r: usize) -> bool {
        r < self.full_rounds / 2 || r >= self.full_rounds / 2 + self.partial_rounds
    }

    /// Input elements absorbed per permutation by [`Self::commit`] (one slot is the domain tag, one the
    /// running hash).
    pub fn rate(&self) -> usize {
        self.width - 2
    }

    /// One round on `state` in place.
    pub fn round(&self, r: usize, state: &mut [Fr]) {
        let t = self.width;
        let sbox = |x: Fr| x.square().square() * x;
        for (i, s) in state.iter_mut().enumerate() {
            *s += self.ark[r * t + i];
        }
        if self.is_full(r) {
            state.iter_mut().for_each(|s| *s = sbox(*s));
        } else {
            state[0] = sbox(state[0]);
        }
        let mixed: Vec<Fr> = self
            .mds
            .iter()
            .map(|row| row.iter().zip(state.iter()).map(|(m, s)| *m * s).sum())
            .collect();
        state.copy_from_slice(&mixed);
    }

    /// The whole permutation (every round in order) on `state` (`width` elements) in place.
    pub fn permute(&self, state: &mut [Fr]) {
        for r in 0..self.rounds() {
            self.round(r, state);
        }
    }

    /// circom's `Poseidon(width - 1)` of `inputs` (domain tag 0): `state[0]` after the permutation of
    /// `[0, inputs...]`.
    pub fn hash(&self, inputs: &[Fr]) -> Fr {
        let mut state = vec![Fr::zero(); self.width];
        state[1..1 + inputs.len()].copy_from_slice(inputs);
        self.permute(&mut state);
        state[0]
    }

    /// The unsalted chained commitment to `inputs` ([`Self::commit_salted`] with salt 0).
    pub fn commit(&self, inputs: &[Fr]) -> Fr {
        self.commit_salted(Fr::zero(), inputs)
    }

    /// The chained commitment to `inputs` starting from `salt` (module docs).
    pub fn commit_salted(&self, salt: Fr, inputs: &[Fr]) -> Fr {
        // No inputs is one empty block, as the chip lays it out (never the salt itself).
        if inputs.is_empty() {
            return self.hash(&[salt]);
        }
        inputs.chunks(self.rate()).fold(salt, |h, chunk| {
            let mut block = vec![h];
            block.extend_from_slice(chunk);
            block.resize(self.width - 1, Fr::zero());
            self.hash(&block)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use light_poseidon::{Poseidon, PoseidonHasher};
    use rand::{Rng, SeedableRng};

    fn to_ark(x: &Fr) -> ark_bn254::Fr {
        ark_bn254::Fr::from_le_bytes_mod_order(x.to_repr().as_ref())
    }

    fn random(rng: &mut impl Rng, n: usize) -> Vec<Fr> {
        (0..n)
            .map(|_| Fr::from(rng.gen::<u64>()) * Fr::from(rng.gen::<u64>()))
            .collect()
    }

    #[test]
    fn no_inputs_is_one_empty_block_not_the_salt() {
        let p = PoseidonParams::circom(5).unwrap();
        let salt = Fr::from(1234);
        assert_eq!(p.commit_salted(salt, &[]), p.hash(&[salt, Fr::zero()]));
        assert_ne!(p.commit_salted(salt, &[]), salt);
    }

    #[test]
    fn hash_matches_light_poseidon_for_every_width() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for width in 2..=MAX_WIDTH {
            let params = PoseidonParams::circom(width).unwrap();
            let inputs = random(&mut rng, width - 1);
            let ours = params.hash(&inputs);
            let mut reference = Poseidon::<ark_bn254::Fr>::new_circom(width - 1).unwrap();
            let theirs = reference
                .hash(&inputs.iter().map(to_ark).collect::<Vec<_>>())
                .unwrap();
            assert_eq!(to_ark(&ours), theirs, "width {width}");
        }
        assert!(PoseidonParams::circom(1).is_none() && PoseidonParams::circom(14).is_none());
    }

    #[test]
    fn known_answer_for_circom_poseidon_of_1_and_2() {
        // circomlibjs: poseidon([1, 2]) =
        // 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a
        let params = PoseidonParams::circom(3).unwrap();
        let h = params.hash(&[Fr::from(1), Fr::from(2)]);
        let mut expected = [0u8; 32];
        let hex = "115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a";
        for (i, b) in expected.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        }
        expected.reverse();
        assert_eq!(h.to_repr(), expected);
    }

    #[test]
    fn commitment_chains_circom_hashes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let params = PoseidonParams::circom(5).unwrap();
        let inputs = random(&mut rng, 7); // chunks of 3: [3, 3, 1 + 2 zeros]
        let reference = |block: &[Fr]| {
            Poseidon::<ark_bn254::Fr>::new_circom(4)
                .unwrap()
                .hash(&block.iter().map(to_ark).collect::<Vec<_>>())
                .unwrap()
        };
        let h1 = reference(&[Fr::zero(), inputs[0], inputs[1], inputs[2]]);
        let h1 = Fr::from_repr(h1.into_bigint().to_bytes_le().try_into().unwrap()).unwrap();
        let h2 = reference(&[h1, inputs[3], inputs[4], inputs[5]]);
        let h2 = Fr::from_repr(h2.into_bigint().to_bytes_le().try_into().unwrap()).unwrap();
        let h3 = reference(&[h2, inputs[6], Fr::zero(), Fr::zero()]);
        assert_eq!(to_ark(&params.commit(&inputs)), h3);
        // Any change of an input changes the commitment.
        let mut other = inputs.clone();
        other[6] += Fr::one();
        assert_ne!(params.commit(&other), params.commit(&inputs));
    }
}
