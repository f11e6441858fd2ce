// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title ZkinferVerifier: one EVM verifier for every zkinfer model.
/// @notice Proofs are halo2 (PLONKish, KZG on BN254) with GWC multi-opening and a Keccak transcript.
/// Do not call this contract directly: call a model's verifying-key contract with the public instances
/// as 32-byte big-endian words followed by the proof bytes; it forwards here with its own address
/// prepended. A valid proof returns abi-encoded `true`; anything else reverts.
/// @dev The circuit is data: the verifying-key contract's code holds, after a 128-byte forwarder, the
/// domain, the SRS's G2 points, the preprocessed commitments, the proof layout and the multi-open query
/// sets (layout: `verifier-contract/src/reusable`), then straight-line code that evaluates the quotient
/// numerator, which this contract calls back.
/// Points are checked to be on the curve and scalars to be reduced before any precompile sees them, so a
/// bad proof reverts after bounded work instead of burning the caller's gas.
contract ZkinferVerifier {
    /// Byte offset of the VK data in a verifying-key contract's code (after its forwarder).
    uint256 internal constant DATA_OFFSET = 128;
    uint256 internal constant HEADER_WORDS = 40;
    /// Header word indices of the VK data (`Header` in verifier-contract/src/reusable/mod.rs).
    uint256 internal constant H_MAGIC = 0;
    uint256 internal constant H_K = 1;
    uint256 internal constant H_N_INV = 2;
    uint256 internal constant H_NUM_INSTANCES = 3;
    uint256 internal constant H_INIT_STATE = 4;
    uint256 internal constant H_G1 = 5;
    uint256 internal constant H_G2 = 7;
    uint256 internal constant H_S_G2 = 11;
    uint256 internal constant H_PREPROCESSED = 15;
    uint256 internal constant H_PHASES = 16;
    uint256 internal constant H_WITNESSES = 17;
    uint256 internal constant H_QUOTIENT_CHUNKS = 18;
    uint256 internal constant H_EVALUATIONS = 19;
    uint256 internal constant H_SETS = 20;
    uint256 internal constant H_POLYS = 21;
    uint256 internal constant H_LAGRANGES = 22;
    uint256 internal constant H_INSTANCE_QUERIES = 23;
    uint256 internal constant H_VALUES = 24;
    uint256 internal constant H_CHUNK_DEGREE = 25;
    uint256 internal constant H_OFF_PREPROCESSED = 26;
    uint256 internal constant H_OFF_PHASES = 27;
    uint256 internal constant H_OFF_LAGRANGES = 28;
    uint256 internal constant H_OFF_INSTANCE_QUERIES = 29;
    uint256 internal constant H_OFF_SETS = 30;
    uint256 internal constant H_V_CHALLENGES = 31;
    uint256 internal constant H_V_Z = 32;
    uint256 internal constant H_V_QUOTIENT = 33;
    uint256 internal constant H_V_LAGRANGES = 34;
    uint256 internal constant H_V_INSTANCES = 35;
    uint256 internal constant H_PROOF_BYTES = 36;
    uint256 internal constant H_LAGRANGE_RUNS = 37;
    uint256 internal constant H_OMEGA = 38;

    fallback() external {
        assembly {
            // Scalar field order (r) and base field order (q) of BN254.
            let R := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001

            // Memory: 0x000-0x1ff precompile scratch; 0x200 accumulator L (x, y); 0x240 accumulator R;
            // 0x280.. state words (below); 0x480 the key contract's code from DATA_OFFSET (the VK data),
            // then the value table V, the per-polynomial MSM scalars and the transcript buffer (last, it
            // grows).
            // State: 0x280 V base, 0x2a0 scalars base, 0x2e0 transcript base,
            // 0x300 transcript length, 0x320 calldata cursor, 0x340 proof start, 0x360 z^n,
            // 0x380 quotient chunks offset, 0x3a0 opening witnesses offset, 0x3c0 v, 0x3e0 u,
            // 0x400 sum of weighted evaluations, 0x420 the verifying-key contract.

            function fail() {
                revert(0, 0)
            }

            // Header word i of the VK data.
            function hw(i) -> v {
                v := mload(add(0x480, shl(5, i)))
            }

            function onCurve(x, y) -> ok {
                let q := 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47
                ok := and(
                    and(lt(x, q), lt(y, q)),
                    eq(mulmod(y, y, q), addmod(mulmod(x, mulmod(x, x, q), q), 3, q))
                )
            }

            // Keccak of the transcript buffer; a buffer holding only the previous challenge gets a 0x01
            // byte appended, as snark-verifier's EvmTranscript does.
            function squeeze() -> ch {
                let tb := mload(0x2e0)
                let len := mload(0x300)
                if eq(len, 32) {
                    mstore8(add(tb, 32), 1)
                    len := 33
                }
                let h := keccak256(tb, len)
                mstore(tb, h)
                mstore(0x300, 32)
                ch := mod(h, 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001)
            }

            // Append the next n points (64 bytes each) of the proof to the transcript, each checked to be
            // on the curve (which also rules out the point at infinity's (0, 0) encoding).
            function readPoints(n) {
                let cp := mload(0x320)
                let len := mload(0x300)
                let dst := add(mload(0x2e0), len)
                let size := shl(6, n)
                calldatacopy(dst, cp, size)
                for { let end := add(dst, size) } lt(dst, end) { dst := add(dst, 64) } {
                    if iszero(onCurve(mload(dst), mload(add(dst, 32)))) { fail() }
                }
                mstore(0x320, add(cp, size))
                mstore(0x300, add(len, size))
            }

            // Append the next n scalars of the calldata to the transcript, each below r.
            function readScalars(n) {
                let cp := mload(0x320)
                let len := mload(0x300)
                let dst := add(mload(0x2e0), len)
                let size := shl(5, n)
                calldatacopy(dst, cp, size)
                for { let end := add(dst, size) } lt(dst, end) { dst := add(dst, 32) } {
                    if iszero(lt(mload(dst), 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001)) {
                        fail()
                    }
                }
                mstore(0x320, add(cp, size))
                mstore(0x300, add(len, size))
            }

            // acc += s * (x, y) with the precompiles; (x, y) is on the curve, so they cannot fail.
            function ecMulAdd(acc, x, y, s) {
                if iszero(s) { leave }
                mstore(0x00, x)
                mstore(0x20, y)
                if iszero(eq(s, 1)) {
                    mstore(0x40, s)
                    if iszero(staticcall(gas(), 7, 0x00, 0x60, 0x00, 0x40)) { fail() }
                }
                mstore(0x40, mload(acc))
                mstore(0x60, mload(add(acc, 32)))
                if iszero(staticcall(gas(), 6, 0x00, 0x80, acc, 0x40)) { fail() }
            }

            function modInverse(a) -> inv {
                let r := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                mstore(0x00, 32)
                mstore(0x20, 32)
                mstore(0x40, 32)
                mstore(0x60, a)
                mstore(0x80, sub(r, 2))
                mstore(0xa0, r)
                if iszero(staticcall(gas(), 5, 0x00, 0xc0, 0x00, 0x20)) { fail() }
                inv := mload(0x00)
            }

            // Invert n consecutive words at ptr in place with one exponentiation.
            function batchInvert(ptr, n, scratch) {
                let r := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let acc := 1
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    mstore(add(scratch, shl(5, i)), acc)
                    acc := mulmod(acc, mload(add(ptr, shl(5, i))), r)
                }
                let inv := modInverse(acc)
                for { let i := n } gt(i, 0) {} {
                    i := sub(i, 1)
                    let p := add(ptr, shl(5, i))
                    let a := mload(p)
                    mstore(p, mulmod(inv, mload(add(scratch, shl(5, i))), r))
                    inv := mulmod(inv, a, r)
                }
            }

            function setup() {
                let vk := calldataload(0)
                if shr(160, vk) { fail() }
                mstore(0x420, vk)
                let size := extcodesize(vk)
                if lt(size, add(DATA_OFFSET, shl(5, HEADER_WORDS))) { fail() }
                let dataLen := sub(size, DATA_OFFSET)
                extcodecopy(vk, 0x480, DATA_OFFSET, dataLen)
                if iszero(eq(hw(H_MAGIC), 0x7a6b696e6665722d766b32)) { fail() } // "zkinfer-vk2"
                let ps := add(32, shl(5, hw(H_NUM_INSTANCES)))
                mstore(0x340, ps)
                if iszero(eq(calldatasize(), add(ps, hw(H_PROOF_BYTES)))) { fail() }
                let vb := add(0x480, and(add(dataLen, 31), not(31)))
                mstore(0x280, vb)
                let sb := add(vb, shl(5, hw(H_VALUES)))
                mstore(0x2a0, sb)
                mstore(0x2e0, add(sb, shl(5, hw(H_POLYS))))
            }

            // Replay the prover's transcript: instances, witness commitments and challenges per phase,
            // quotient chunks, z, evaluations, v, opening witnesses, u.
            function transcript() {
                mstore(mload(0x2e0), hw(H_INIT_STATE))
                mstore(0x300, 32)
                mstore(0x320, 32)
                readScalars(hw(H_NUM_INSTANCES))
                let ph := add(0x480, hw(H_OFF_PHASES))
                let vch := add(mload(0x280), shl(5, hw(H_V_CHALLENGES)))
                for { let p := 0 let p_end := hw(H_PHASES) } lt(p, p_end) { p := add(p, 1) } {
                    readPoints(mload(ph))
                    for { let c := 0 } lt(c, mload(add(ph, 32))) { c := add(c, 1) } {
                        mstore(vch, squeeze())
                        vch := add(vch, 32)
                    }
                    ph := add(ph, 64)
                }
                mstore(0x380, mload(0x320))
                readPoints(hw(H_QUOTIENT_CHUNKS))
                mstore(add(mload(0x280), shl(5, hw(H_V_Z))), squeeze())
                calldatacopy(mload(0x280), mload(0x320), shl(5, hw(H_EVALUATIONS)))
                readScalars(hw(H_EVALUATIONS))
                mstore(0x3c0, squeeze())
                mstore(0x3a0, mload(0x320))
                readPoints(hw(H_SETS))
                mstore(0x3e0, squeeze())
            }

            // z^n, the Lagrange evaluations, 1/(z^n - 1) and the instance evaluations.
            function commonValues() {
                let r := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let vb := mload(0x280)
                let z := mload(add(vb, shl(5, hw(H_V_Z))))
                let zn := z
                for { let i := 0 let i_end := hw(H_K) } lt(i, i_end) { i := add(i, 1) } { zn := mulmod(zn, zn, r) }
                mstore(0x360, zn)
                let zn1 := addmod(zn, sub(r, 1), r)
                let vq := add(vb, shl(5, hw(H_V_QUOTIENT)))
                mstore(vq, zn1)
                let vl := add(vb, shl(5, hw(H_V_LAGRANGES)))
                // ω^i of every Lagrange polynomial, expanded from runs of consecutive i into the
                // transcript buffer (free now), then the batch inversion's scratch after it.
                let om := mload(0x2e0)
                let lg := hw(H_LAGRANGES)
                {
                    let w := hw(H_OMEGA)
                    let run := add(0x480, hw(H_OFF_LAGRANGES))
                    let at := om
                    for { let k := 0 let k_end := hw(H_LAGRANGE_RUNS) } lt(k, k_end) { k := add(k, 1) } {
                        let x := mload(run)
                        for { let end := add(at, shl(5, mload(add(run, 32)))) } lt(at, end) { at := add(at, 32) } {
                            mstore(at, x)
                            x := mulmod(x, w, r)
                        }
                        run := add(run, 64)
                    }
                    if iszero(eq(at, add(om, shl(5, lg)))) { fail() }
                }
                for { let i := 0 } lt(i, lg) { i := add(i, 1) } {
                    mstore(add(vl, shl(5, i)), addmod(z, sub(r, mload(add(om, shl(5, i)))), r))
                }
                batchInvert(vq, add(lg, 1), add(om, shl(5, lg))) // V: quotient slot, then the Lagranges
                let c := mulmod(zn1, hw(H_N_INV), r)
                for { let i := 0 } lt(i, lg) { i := add(i, 1) } {
                    let p := add(vl, shl(5, i))
                    mstore(p, mulmod(mulmod(c, mload(add(om, shl(5, i))), r), mload(p), r))
                }
                let bases := add(0x480, hw(H_OFF_INSTANCE_QUERIES))
                let vi := add(vb, shl(5, hw(H_V_INSTANCES)))
                for { let q := 0 let q_end := hw(H_INSTANCE_QUERIES) } lt(q, q_end) { q := add(q, 1) } {
                    let base := add(vb, shl(5, mload(add(bases, shl(5, q)))))
                    let acc := 0
                    for { let j := 0 let j_end := hw(H_NUM_INSTANCES) } lt(j, j_end) { j := add(j, 1) } {
                        acc := addmod(acc, mulmod(calldataload(add(32, shl(5, j))), mload(add(base, shl(5, j))), r), r)
                    }
                    mstore(add(vi, shl(5, q)), acc)
                }
            }

            // The quotient numerator (gates, permutation and lookup arguments folded with y): straight-line
            // code in the verifying-key contract, called with the value table V as calldata.
            function numerator() -> result {
                let size := shl(5, hw(H_VALUES))
                if iszero(staticcall(gas(), mload(0x420), mload(0x280), size, 0x00, 0x20)) { fail() }
                if iszero(eq(returndatasize(), 0x20)) { fail() }
                result := mload(0x00)
            }

            // One GWC query set: add u^s v^e to each opened polynomial's scalar and to the evaluations sum.
            function querySet(p, up) -> next {
                let r := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let m := mload(add(p, 32))
                let v := mload(0x3c0)
                let vp := up
                next := add(p, 64)
                for { let e := 0 } lt(e, m) { e := add(e, 1) } {
                    let entry := mload(next)
                    let sc := add(mload(0x2a0), shl(5, shr(16, entry)))
                    mstore(sc, addmod(mload(sc), vp, r))
                    let eval := mload(add(mload(0x280), shl(5, and(entry, 0xffff))))
                    mstore(0x400, addmod(mload(0x400), mulmod(vp, eval, r), r))
                    vp := mulmod(vp, v, r)
                    next := add(next, 32)
                }
            }

            // L += sum_s u^s (z w_s) W_s and R = sum_s u^s W_s for the opening witnesses W_s.
            function openings() {
                let r := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let z := mload(add(mload(0x280), shl(5, hw(H_V_Z))))
                let u := mload(0x3e0)
                let p := add(0x480, hw(H_OFF_SETS))
                let wp := mload(0x3a0)
                let up := 1
                for { let s := 0 let s_end := hw(H_SETS) } lt(s, s_end) { s := add(s, 1) } {
                    let zw := mulmod(z, mload(p), r)
                    p := querySet(p, up)
                    let wx := calldataload(wp)
                    let wy := calldataload(add(wp, 32))
                    ecMulAdd(0x200, wx, wy, mulmod(up, zw, r))
                    ecMulAdd(0x240, wx, wy, up)
                    wp := add(wp, 64)
                    up := mulmod(up, u, r)
                }
            }

            function quotientChunks(s) {
                let r := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let step := 1
                let zn := mload(0x360)
                for { let i := 0 let i_end := hw(H_CHUNK_DEGREE) } lt(i, i_end) { i := add(i, 1) } { step := mulmod(step, zn, r) }
                let c := mload(0x380)
                for { let j := 0 let j_end := hw(H_QUOTIENT_CHUNKS) } lt(j, j_end) { j := add(j, 1) } {
                    ecMulAdd(0x200, calldataload(c), calldataload(add(c, 32)), s)
                    s := mulmod(s, step, r)
                    c := add(c, 64)
                }
            }

            // L += sum_i scalar_i C_i - (sum of weighted evaluations) G.
            function commitments() {
                let sb := mload(0x2a0)
                let pre := hw(H_PREPROCESSED)
                let wit := add(pre, 1)
                let quo := add(wit, hw(H_WITNESSES))
                let preBase := add(0x480, hw(H_OFF_PREPROCESSED))
                for { let i := 0 let i_end := hw(H_POLYS) } lt(i, i_end) { i := add(i, 1) } {
                    let s := mload(add(sb, shl(5, i)))
                    if iszero(s) { continue }
                    if lt(i, pre) {
                        let p := add(preBase, shl(6, i))
                        ecMulAdd(0x200, mload(p), mload(add(p, 32)), s)
                        continue
                    }
                    if lt(i, wit) { fail() } // the instance polynomial is never opened
                    if lt(i, quo) {
                        let c := add(mload(0x340), shl(6, sub(i, wit)))
                        ecMulAdd(0x200, calldataload(c), calldataload(add(c, 32)), s)
                        continue
                    }
                    quotientChunks(s)
                }
                let r := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                ecMulAdd(0x200, hw(H_G1), hw(add(H_G1, 1)), mod(sub(r, mload(0x400)), r))
            }

            // e(L, [1]_2) * e(-R, [s]_2) == 1
            function pairing() {
                let q := 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47
                mstore(0x00, mload(0x200))
                mstore(0x20, mload(0x220))
                mstore(0x40, hw(H_G2))
                mstore(0x60, hw(add(H_G2, 1)))
                mstore(0x80, hw(add(H_G2, 2)))
                mstore(0xa0, hw(add(H_G2, 3)))
                mstore(0xc0, mload(0x240))
                mstore(0xe0, mod(sub(q, mload(0x260)), q))
                mstore(0x100, hw(H_S_G2))
                mstore(0x120, hw(add(H_S_G2, 1)))
                mstore(0x140, hw(add(H_S_G2, 2)))
                mstore(0x160, hw(add(H_S_G2, 3)))
                if iszero(staticcall(gas(), 8, 0x00, 0x180, 0x00, 0x20)) { fail() }
                if iszero(mload(0x00)) { fail() }
            }

            setup()
            transcript()
            commonValues()
            let vq := add(mload(0x280), shl(5, hw(H_V_QUOTIENT)))
            mstore(vq, mulmod(numerator(), mload(vq), R)) // quotient evaluation = numerator / (z^n - 1)
            openings()
            commitments()
            pairing()
            mstore(0x00, 1)
            return(0x00, 0x20)
        }
    }
}
