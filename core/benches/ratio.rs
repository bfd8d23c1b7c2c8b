//! Full token verification vs. bare `verify_strict`, interleaved: rounds alternate between
//! them (in a rotating order), so load on a shared machine hits all alike and the ratio stays
//! honest. Prints the median time of each, the median of the per-round ratios, and the ratio
//! of the best rounds — noise only ever adds time, so the best round is the closest to the
//! cost of the work itself (`make bench-native`).

#![allow(missing_docs, reason = "a benchmark binary")]
#![expect(
    clippy::unwrap_used,
    reason = "fixtures are known-good; a failure must stop the benchmark"
)]

use std::hint::black_box;
use std::time::Instant;

use credgate_core::Request;
use ed25519_dalek::Signature;

mod shared;
use shared::{token_fixture, NOW};

const ROUNDS: usize = 61;
const PER_ROUND: u32 = 200;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn best(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

fn time_per_op(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..PER_ROUND {
        f();
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(PER_ROUND)
}

fn main() {
    let (verifier, token) = token_fixture();
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = credgate_core::encoding::b64url_decode(signature).unwrap();
    let signature = Signature::from_slice(&signature).unwrap();
    let public = *verifier.keys().get("k1").unwrap();
    let request = Request::new("balances", "read", Some("vlt_1"), None, None).unwrap();

    let (mut bare, mut full, mut check, mut ratios, mut check_ratios) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Each round runs the three in a rotated order, so no one of them always runs first
        // (caches, frequency scaling and the allocator's state then favour none).
        let mut times = [0.0; 3];
        for step in 0..3 {
            let which = (round + step) % 3;
            let t = match which {
                0 => time_per_op(|| {
                    let _ = black_box(
                        public.verify_strict(black_box(signing_input.as_bytes()), &signature),
                    );
                }),
                1 => time_per_op(|| {
                    let _ = black_box(verifier.verify(black_box(&token), NOW + 10));
                }),
                _ => time_per_op(|| {
                    let _ = black_box(verifier.check(
                        black_box(&token),
                        NOW + 10,
                        "203.0.113.9",
                        &request,
                    ));
                }),
            };
            if let Some(slot) = times.get_mut(which) {
                *slot = t;
            }
        }
        let [b, f, c] = times;
        bare.push(b);
        full.push(f);
        check.push(c);
        ratios.push(f / b);
        check_ratios.push(c / b);
    }
    println!(
        "token verification, interleaved ({ROUNDS} rounds x {PER_ROUND}, {}-byte token)",
        token.len()
    );
    let (best_bare, best_full, best_check) = (best(&bare), best(&full), best(&check));
    println!(
        "                                 median     best    ratio: median of rounds / of best"
    );
    println!(
        "  verify_strict alone          {:8.2} us {:8.2} us",
        median(&mut bare),
        best_bare
    );
    println!(
        "  full token verification      {:8.2} us {:8.2} us   {:.3}x / {:.3}x  (target <= 1.15x)",
        median(&mut full),
        best_full,
        median(&mut ratios),
        best_full / best_bare
    );
    println!(
        "  check (verify+ip+authorize)  {:8.2} us {:8.2} us   {:.3}x / {:.3}x",
        median(&mut check),
        best_check,
        median(&mut check_ratios),
        best_check / best_bare
    );
}
