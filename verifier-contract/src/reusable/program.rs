//! The quotient numerator as EVM bytecode.
//!
//! snark-verifier compiles a verifying key into one expression (gates, permutation and lookup
//! arguments, each term weighted by powers of the challenge `y`). This module lowers it to a stack
//! program ([`Fragment`]) and emits that as straight-line EVM code for the model's verifying-key
//! contract: the shared verifier `STATICCALL`s the key contract with its value table `V` (proof
//! evaluations, challenges, `z`, Lagrange and instance evaluations) as calldata and gets the numerator
//! back, so no interpreter loop runs on chain (about 15 gas per operation instead of about 250).
//!
//! Stack discipline: `V[i]` is `CALLDATALOAD(32 i)`; `r` sits in memory word 0; every value on the
//! stack is at most `r` (sums and products are reduced by ADDMOD/MULMOD, a negation is `r - x`).

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::PrimeField;

/// A scalar as the EVM reads it: 32 bytes, big-endian.
pub fn fr_word(value: &Fr) -> [u8; 32] {
    let mut bytes = value.to_repr();
    bytes.as_mut().reverse();
    bytes
}

/// One operation of the numerator's stack program; [`Fragment::encode`] emits its EVM code and
/// [`Fragment::eval`] runs it natively. Arithmetic is mod `r`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instr {
    /// Push `V[i]`.
    PushV(u16),
    /// Push a constant.
    PushC(Fr),
    /// Pop two values, push their sum.
    Add,
    /// Pop two values, push their product.
    Mul,
    /// Replace the top value `x` by `r - x`.
    Neg,
    /// Multiply the top value by a constant.
    MulC(Fr),
    /// Add `V[i]` to the top value (a fused `PushV`, `Add`).
    AddV(u16),
    /// Multiply the top value by `V[i]` (a fused `PushV`, `Mul`).
    MulV(u16),
    /// Add a constant to the top value (a fused `PushC`, `Add`).
    AddC(Fr),
}

/// A program fragment that leaves exactly one value on the stack.
#[derive(Clone, Debug, Default)]
pub struct Fragment {
    /// The operations, in execution order.
    pub code: Vec<Instr>,
    /// Stack slots the fragment needs at its deepest point (bounded by the EVM's 1024).
    pub depth: usize,
}

impl Fragment {
    /// The fragment pushing `V[index]`.
    pub fn value(index: u16) -> Self {
        Fragment {
            code: vec![Instr::PushV(index)],
            depth: 1,
        }
    }

    /// The fragment pushing the constant `value`.
    pub fn constant(value: Fr) -> Self {
        Fragment {
            code: vec![Instr::PushC(value)],
            depth: 1,
        }
    }

    /// This fragment's value negated (`r - x` on chain).
    pub fn negated(mut self) -> Self {
        self.code.push(Instr::Neg);
        self
    }

    /// This fragment's value times the constant `c`.
    pub fn scale(mut self, c: Fr) -> Self {
        self.code.push(Instr::MulC(c));
        self
    }

    /// `a + b` or `a · b`; a one-instruction right operand is fused into the operation.
    pub fn binary(mut self, rhs: Fragment, mul: bool) -> Self {
        match rhs.code.as_slice() {
            [Instr::PushV(i)] => self.code.push(if mul {
                Instr::MulV(*i)
            } else {
                Instr::AddV(*i)
            }),
            [Instr::PushC(c)] => self.code.push(if mul {
                Instr::MulC(*c)
            } else {
                Instr::AddC(*c)
            }),
            _ => {
                self.depth = self.depth.max(rhs.depth + 1);
                self.code.extend(rhs.code);
                self.code.push(if mul { Instr::Mul } else { Instr::Add });
            }
        }
        self
    }

    /// Straight-line EVM code leaving the value on the stack (see the module docs).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for instr in &self.code {
            match *instr {
                Instr::PushV(i) => push_value(&mut out, i),
                Instr::PushC(c) => push_scalar(&mut out, &c),
                Instr::Add => reduce(&mut out, ADDMOD),
                Instr::Mul => reduce(&mut out, MULMOD),
                Instr::Neg => out.extend_from_slice(&[PUSH1, 0, MLOAD, SUB]),
                Instr::AddV(i) => {
                    push_value(&mut out, i);
                    reduce(&mut out, ADDMOD);
                }
                Instr::MulV(i) => {
                    push_value(&mut out, i);
                    reduce(&mut out, MULMOD);
                }
                Instr::AddC(c) => {
                    push_scalar(&mut out, &c);
                    reduce(&mut out, ADDMOD);
                }
                Instr::MulC(c) => {
                    push_scalar(&mut out, &c);
                    reduce(&mut out, MULMOD);
                }
            }
        }
        out
    }

    /// Run the program natively (the reference the contract must agree with).
    pub fn eval(&self, values: &[Fr]) -> Option<Fr> {
        let mut stack: Vec<Fr> = Vec::with_capacity(self.depth);
        for instr in &self.code {
            match *instr {
                Instr::PushV(i) => stack.push(*values.get(i as usize)?),
                Instr::PushC(c) => stack.push(c),
                Instr::Add | Instr::Mul => {
                    let b = stack.pop()?;
                    let a = stack.last_mut()?;
                    *a = if *instr == Instr::Add { *a + b } else { *a * b };
                }
                Instr::Neg => *stack.last_mut()? = -*stack.last()?,
                Instr::MulC(c) => *stack.last_mut()? *= c,
                Instr::AddC(c) => *stack.last_mut()? += c,
                Instr::MulV(i) => *stack.last_mut()? *= values.get(i as usize)?,
                Instr::AddV(i) => *stack.last_mut()? += values.get(i as usize)?,
            }
        }
        (stack.len() == 1).then(|| stack[0])
    }
}

const PUSH1: u8 = 0x60;
const MLOAD: u8 = 0x51;
const SUB: u8 = 0x03;
const ADDMOD: u8 = 0x08;
const MULMOD: u8 = 0x09;
const CALLDATALOAD: u8 = 0x35;
const SWAP2: u8 = 0x91;

/// `V[i]`: PUSHn (32 i), CALLDATALOAD.
fn push_value(out: &mut Vec<u8>, index: u16) {
    push_bytes(out, &(index as u64 * 32).to_be_bytes());
    out.push(CALLDATALOAD);
}

fn push_scalar(out: &mut Vec<u8>, value: &Fr) {
    push_bytes(out, &fr_word(value));
}

/// The shortest PUSH of a big-endian number (PUSH1 0 for zero: no PUSH0, for older chains).
fn push_bytes(out: &mut Vec<u8>, be: &[u8]) {
    let first = be.iter().position(|&b| b != 0).unwrap_or(be.len() - 1);
    let bytes = &be[first..];
    out.push(PUSH1 + bytes.len() as u8 - 1);
    out.extend_from_slice(bytes);
}

/// `[a, b] -> [(a op b) mod r]`: PUSH1 0, MLOAD (r), SWAP2, ADDMOD/MULMOD.
fn reduce(out: &mut Vec<u8>, op: u8) {
    out.extend_from_slice(&[PUSH1, 0, MLOAD, SWAP2, op]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fused_program_evaluates_like_the_expression() {
        // (v0 + 3) · v1 - (v0 · v2), with fused operands
        let a = Fragment::value(0).binary(Fragment::constant(Fr::from(3)), false);
        let a = a.binary(Fragment::value(1), true);
        let b = Fragment::value(0)
            .binary(Fragment::value(2), true)
            .negated();
        let program = a.binary(b, false);
        let values = [Fr::from(5), Fr::from(7), Fr::from(11)];
        assert_eq!(program.eval(&values), Some(Fr::from(8 * 7) - Fr::from(55)));
        assert_eq!(program.depth, 2);
        let bytes = program.encode();
        // PUSH1 0, CALLDATALOAD (V[0]); PUSH1 3; PUSH1 0, MLOAD, SWAP2, ADDMOD; ...
        assert_eq!(&bytes[..9], &[0x60, 0, 0x35, 0x60, 3, 0x60, 0, 0x51, 0x91]);
        assert_eq!(bytes[9], ADDMOD);
        assert_eq!(*bytes.last().unwrap(), ADDMOD);
    }
}
