//! Running halo2's keygen, prover and verifier on a rayon worker thread.
//!
//! halo2's keygen and prover are thousands of short parallel loops (coset FFTs, MSM windows,
//! per-column maps). Started from a thread outside rayon's pool, each loop injects its job into the
//! pool and parks its caller on a lock until a worker, woken through a futex, has run it, so every
//! loop pays two thread hand-offs and the caller sits idle. Started from a worker, a loop splits in
//! place and its caller works on it too. perf on `zkinfer bench` of mlp_digits (k=10) put about 10%
//! of the CPU samples in the pool's sleep and wake paths before; running the whole proof on a worker
//! took its prove from 0.178-0.179 s to 0.146-0.155 s (medians of 11, alternating builds), cifar_cnn's
//! from 2.80-2.85 s to 2.53-2.61 s, and cifar_vgg's and dense_4m's by 1-7% (their loops are long).

/// `f()`, run on a worker of rayon's global pool (the calling thread waits for it once).
pub fn on_worker<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| f())
}
