//! In-circuit Poseidon (circom's parameters, [`crate::poseidon`]): one row per round.
//!
//! Columns: the state `x_0..x_t` and the squares `q_i = (x_i + c_i)^2` in advice columns, the round
//! constants `c_i` in fixed columns. A round row's gates (degree 4 with the selector):
//! full rounds `q_i = (x_i + c_i)^2` and `x'_i = Σ_j M_ij · q_j^2 · (x_j + c_j)` for every `i`;
//! partial rounds the same S-box on `x_0` only and the plain `x_j + c_j` for `j > 0`. `x'` is the
//! next row's state. A permutation takes `rounds + 1` rows; its first row holds `[0, h, inputs...]`
//! where the 0 (domain tag and padding) cells are copies of one cell the `zero` gate pins to 0, `h`
//! is a copy of the previous permutation's output (or of that zero) and the inputs are copies of the
//! caller's cells.

use crate::poseidon::PoseidonParams;
use crate::Fr;
use halo2_proofs::circuit::{Cell, Region, Value};
use halo2_proofs::plonk::{
    Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector, VirtualCells,
};
use halo2_proofs::poly::Rotation;

/// The Poseidon chip's columns, selectors and parameters (see the module docs for the gates).
#[derive(Clone, Debug)]
pub struct PoseidonConfig {
    /// `width` advice columns holding the state `x_i` (equality-enabled); a round's output is the next row.
    pub state: Vec<Column<Advice>>,
    /// `width` advice columns holding `q_i = (x_i + c_i)^2` for the S-boxed elements (only `q_0` in a
    /// partial round).
    pub squares: Vec<Column<Advice>>,
    /// `width` fixed columns holding the round's constants `c_i` (`ark[r·width + i]`).
    pub constants: Vec<Column<Fixed>>,
    /// Turns on the full-round gate (S-box on every element) between this row and the next.
    pub full: Selector,
    /// Turns on the partial-round gate (S-box on `x_0` only) between this row and the next.
    pub partial: Selector,
    /// Turns on `x_0 = 0` (the `poseidon zero` gate): pins the shared zero cell of the first permutation.
    pub zero: Selector,
    /// The permutation's parameters (width, round counts, round constants, MDS matrix).
    pub params: PoseidonParams,
}

/// A witness corruption for soundness tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoseidonTamper {
    /// Add 1 to the square of state element `i` at `round` of the first permutation.
    Square {
        /// The round (0-based) whose square is corrupted.
        round: usize,
        /// The state element's index (`< width`; `0` in a partial round, the only S-box there).
        i: usize,
    },
    /// Add 1 to state element `i` after `round` of the first permutation.
    State {
        /// The round (0-based) whose output is corrupted.
        round: usize,
        /// The state element's index (`< width`).
        i: usize,
    },
    /// A non-zero domain tag in the first permutation.
    DomainTag,
    /// The first absorbed element differs from the caller's cell.
    Input,
}

fn tweak(v: Value<Fr>, on: bool) -> Value<Fr> {
    if on {
        v.map(|x| x + Fr::one())
    } else {
        v
    }
}

impl PoseidonConfig {
    /// Gates over `2 · width` of the given advice columns (equality enabled on the state ones) and
    /// `width` new fixed columns.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        advice: &[Column<Advice>],
        params: PoseidonParams,
    ) -> Self {
        let t = params.width;
        assert!(
            advice.len() >= 2 * t,
            "Poseidon needs {} advice columns",
            2 * t
        );
        let state = advice[..t].to_vec();
        let squares = advice[t..2 * t].to_vec();
        let constants: Vec<Column<Fixed>> = (0..t).map(|_| meta.fixed_column()).collect();
        state.iter().for_each(|c| meta.enable_equality(*c));
        let (full, partial, zero) = (meta.selector(), meta.selector(), meta.selector());
        let mds = params.mds.clone();
        let round_gate = |meta: &mut VirtualCells<Fr>, sel: Selector, sboxes: usize| {
            let s = meta.query_selector(sel);
            let x: Vec<Expression<Fr>> = (0..t)
                .map(|i| {
                    meta.query_advice(state[i], Rotation::cur())
                        + meta.query_fixed(constants[i], Rotation::cur())
                })
                .collect();
            let q: Vec<Expression<Fr>> = (0..sboxes)
                .map(|i| meta.query_advice(squares[i], Rotation::cur()))
                .collect();
            let next: Vec<Expression<Fr>> = (0..t)
                .map(|i| meta.query_advice(state[i], Rotation::next()))
                .collect();
            let out: Vec<Expression<Fr>> = (0..t)
                .map(|j| {
                    if j < sboxes {
                        q[j].clone() * q[j].clone() * x[j].clone()
                    } else {
                        x[j].clone()
                    }
                })
                .collect();
            let mut constraints: Vec<Expression<Fr>> = (0..sboxes)
                .map(|i| s.clone() * (q[i].clone() - x[i].clone() * x[i].clone()))
                .collect();
            for i in 0..t {
                let mixed = (0..t)
                    .map(|j| out[j].clone() * Expression::Constant(mds[i][j]))
                    .reduce(|a, b| a + b)
                    .expect("width >= 2");
                constraints.push(s.clone() * (next[i].clone() - mixed));
            }
            constraints
        };
        meta.create_gate("poseidon full round", |meta| round_gate(meta, full, t));
        meta.create_gate("poseidon partial round", |meta| {
            round_gate(meta, partial, 1)
        });
        meta.create_gate("poseidon zero", |meta| {
            let s = meta.query_selector(zero);
            vec![s * meta.query_advice(state[0], Rotation::cur())]
        });
        PoseidonConfig {
            state,
            squares,
            constants,
            full,
            partial,
            zero,
            params,
        }
    }

    /// Rows [`Self::commit`] uses for `n` inputs.
    pub fn rows(params: &PoseidonParams, n: usize) -> usize {
        n.div_ceil(params.rate()).max(1) * (params.rounds() + 1)
    }

    /// Assign the chained commitment ([`PoseidonParams::commit_salted`]) to `inputs` (cells and values)
    /// from `offset`; returns the cell holding it and its value. The salt is the first permutation's
    /// running hash, a private witness copied from nowhere: the commitment binds it like the inputs.
    pub fn commit(
        &self,
        region: &mut Region<'_, Fr>,
        offset: usize,
        salt: Value<Fr>,
        inputs: &[(Cell, Value<Fr>)],
        tamper: Option<PoseidonTamper>,
    ) -> Result<(Cell, Value<Fr>), Error> {
        let p = &self.params;
        let t = p.width;
        let rows = p.rounds() + 1;
        let chunks: Vec<&[(Cell, Value<Fr>)]> = if inputs.is_empty() {
            vec![&[]]
        } else {
            inputs.chunks(p.rate()).collect()
        };
        let mut zero: Option<Cell> = None;
        let mut hash: Option<(Cell, Value<Fr>)> = None;
        for (n, chunk) in chunks.iter().enumerate() {
            let first = n == 0;
            let row = offset + n * rows;
            // Row 0: [0, h, chunk..., zero padding]; h is the salt, then the previous hash.
            let tag = region.assign_advice(
                self.state[0],
                row,
                tweak(
                    Value::known(Fr::zero()),
                    first && tamper == Some(PoseidonTamper::DomainTag),
                ),
            );
            match zero {
                None => {
                    self.zero.enable(region, row)?;
                    zero = Some(tag.cell());
                }
                Some(z) => region.constrain_equal(tag.cell(), z),
            }
            let zero_cell = zero.expect("set on the first permutation");
            let mut state: Vec<Value<Fr>> = vec![Value::known(Fr::zero()); t];
            let h_value = hash.map_or(salt, |h| h.1);
            let h = region.assign_advice(self.state[1], row, h_value);
            if let Some((previous, _)) = hash {
                region.constrain_equal(h.cell(), previous);
            }
            state[1] = h_value;
            for (i, slot) in state.iter_mut().enumerate().skip(2) {
                let (cell, value) = match chunk.get(i - 2) {
                    Some((cell, value)) => (*cell, *value),
                    None => (zero_cell, Value::known(Fr::zero())),
                };
                let assigned = tweak(
                    value,
                    first && i == 2 && tamper == Some(PoseidonTamper::Input),
                );
                let c = region.assign_advice(self.state[i], row, assigned);
                region.constrain_equal(c.cell(), cell);
                *slot = assigned;
            }
            // The rounds.
            let mut out = None;
            for r in 0..p.rounds() {
                let at = row + r;
                let full = p.is_full(r);
                if full {
                    self.full.enable(region, at)?;
                } else {
                    self.partial.enable(region, at)?;
                }
                for i in 0..t {
                    region.assign_fixed(self.constants[i], at, p.ark[r * t + i]);
                }
                let sboxes = if full { t } else { 1 };
                for (i, x) in state.iter().enumerate().take(sboxes) {
                    let q = x.map(|x| (x + p.ark[r * t + i]).square());
                    let bad = first && tamper == Some(PoseidonTamper::Square { round: r, i });
                    region.assign_advice(self.squares[i], at, tweak(q, bad));
                }
                let next = Value::from_iter(state.iter().copied()).map(|s: Vec<Fr>| {
                    let mut s = s;
                    p.round(r, &mut s);
                    s
                });
                for i in 0..t {
                    let v = next.as_ref().map(|s| s[i]);
                    let bad = first && tamper == Some(PoseidonTamper::State { round: r, i });
                    let v = tweak(v, bad);
                    let cell = region.assign_advice(self.state[i], at + 1, v);
                    state[i] = v;
                    if i == 0 {
                        out = Some((cell.cell(), v));
                    }
                }
            }
            hash = out;
        }
        hash.ok_or(Error::Synthesis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_proofs::circuit::{Layouter, SimpleFloorPlanner};
    use halo2_proofs::dev::MockProver;
    use halo2_proofs::plonk::{Circuit, Instance};

    const WIDTH: usize = 5;

    #[derive(Clone)]
    struct Commit {
        salt: Fr,
        inputs: Vec<Fr>,
        tamper: Option<PoseidonTamper>,
    }

    #[derive(Clone)]
    struct Config {
        input: Column<Advice>,
        instance: Column<Instance>,
        poseidon: PoseidonConfig,
    }

    impl Circuit<Fr> for Commit {
        type Config = Config;
        type FloorPlanner = SimpleFloorPlanner;
        type Params = ();

        fn without_witnesses(&self) -> Self {
            self.clone()
        }

        fn configure(meta: &mut ConstraintSystem<Fr>) -> Config {
            let advice: Vec<Column<Advice>> =
                (0..2 * WIDTH).map(|_| meta.advice_column()).collect();
            let input = meta.advice_column();
            meta.enable_equality(input);
            let instance = meta.instance_column();
            meta.enable_equality(instance);
            let params = PoseidonParams::circom(WIDTH).expect("width 5");
            Config {
                input,
                instance,
                poseidon: PoseidonConfig::configure(meta, &advice, params),
            }
        }

        fn synthesize(&self, config: Config, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
            let out = layouter.assign_region(
                || "commit",
                |mut region| {
                    let cells: Vec<(Cell, Value<Fr>)> = self
                        .inputs
                        .iter()
                        .enumerate()
                        .map(|(row, x)| {
                            let c = region.assign_advice(config.input, row, Value::known(*x));
                            (c.cell(), Value::known(*x))
                        })
                        .collect();
                    config.poseidon.commit(
                        &mut region,
                        0,
                        Value::known(self.salt),
                        &cells,
                        self.tamper,
                    )
                },
            )?;
            layouter.constrain_instance(out.0, config.instance, 0);
            Ok(())
        }
    }

    fn inputs(n: usize) -> Vec<Fr> {
        (0..n as u64)
            .map(|i| Fr::from(i * i + 3) - Fr::from(40))
            .collect()
    }

    fn run(inputs: Vec<Fr>, tamper: Option<PoseidonTamper>, public: Fr) -> Result<(), String> {
        run_salted(Fr::zero(), inputs, tamper, public)
    }

    fn run_salted(
        salt: Fr,
        inputs: Vec<Fr>,
        tamper: Option<PoseidonTamper>,
        public: Fr,
    ) -> Result<(), String> {
        let params = PoseidonParams::circom(WIDTH).unwrap();
        let rows = PoseidonConfig::rows(&params, inputs.len());
        let k = (rows + 10).next_power_of_two().trailing_zeros();
        let circuit = Commit {
            salt,
            inputs,
            tamper,
        };
        let prover =
            MockProver::run(k, &circuit, vec![vec![public]]).map_err(|e| format!("{e:?}"))?;
        prover.verify().map_err(|e| format!("{e:?}"))
    }

    #[test]
    fn no_inputs_commit_like_the_native_hash_not_to_the_salt() {
        let params = PoseidonParams::circom(WIDTH).unwrap();
        let salt = Fr::from(99);
        run_salted(salt, vec![], None, params.commit_salted(salt, &[])).unwrap();
        assert!(
            run_salted(salt, vec![], None, salt).is_err(),
            "the salt itself accepted"
        );
    }

    #[test]
    fn commits_like_the_native_hash() {
        let params = PoseidonParams::circom(WIDTH).unwrap();
        for n in [1, 3, 7] {
            let x = inputs(n);
            run(x.clone(), None, params.commit(&x)).unwrap();
        }
    }

    #[test]
    fn rejects_a_wrong_commitment_and_every_corruption() {
        let params = PoseidonParams::circom(WIDTH).unwrap();
        let x = inputs(7);
        let h = params.commit(&x);
        assert!(
            run(x.clone(), None, h + Fr::one()).is_err(),
            "wrong public commitment"
        );
        let full_round = 0;
        let partial_round = params.full_rounds / 2 + 3;
        let last = params.rounds() - 1;
        for tamper in [
            PoseidonTamper::Square {
                round: full_round,
                i: 2,
            },
            PoseidonTamper::Square {
                round: partial_round,
                i: 0,
            },
            PoseidonTamper::State {
                round: full_round,
                i: 1,
            },
            PoseidonTamper::State {
                round: partial_round,
                i: 4,
            },
            PoseidonTamper::State { round: last, i: 0 },
            PoseidonTamper::DomainTag,
            PoseidonTamper::Input,
        ] {
            let err = run(x.clone(), Some(tamper), h).expect_err(&format!("{tamper:?} accepted"));
            let expected = match tamper {
                PoseidonTamper::DomainTag => "poseidon zero",
                PoseidonTamper::Input => "Equality constraint not satisfied",
                _ => "poseidon",
            };
            assert!(err.contains(expected), "{tamper:?}: {err}");
        }
    }

    #[test]
    fn a_salted_commitment_binds_the_salt() {
        let params = PoseidonParams::circom(WIDTH).unwrap();
        let x = inputs(7);
        let salt = Fr::from(0x5a17) * Fr::from(u64::MAX);
        let h = params.commit_salted(salt, &x);
        run_salted(salt, x.clone(), None, h).unwrap();
        // The salt is the first step's running hash: Poseidon(salt, x0, x1, x2).
        assert_eq!(
            params.commit_salted(salt, &x[..3]),
            params.hash(&[salt, x[0], x[1], x[2]])
        );
        // The unsalted commitment, another salt, or the salt claimed as an input: all rejected.
        assert!(run_salted(salt, x.clone(), None, params.commit(&x)).is_err());
        assert!(run_salted(salt + Fr::one(), x.clone(), None, h).is_err());
        assert!(run_salted(Fr::zero(), x.clone(), None, h).is_err());
        let mut shifted = vec![salt];
        shifted.extend_from_slice(&x);
        assert_ne!(params.commit(&shifted), h);
    }
}
