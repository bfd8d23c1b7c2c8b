//! Full token verification vs. bare `verify_strict`, interleaved: rounds alternate between
//! the two, so load on a shared machine hits both alike and the ratio stays honest. Prints
//! medians and the median of per-round ratios (`make bench-native`).

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

const ROUNDS: usize = 41;
const PER_ROUND: u32 = 200;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
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
    for _ in 0..ROUNDS {
        let b = time_per_op(|| {
            let _ =
                black_box(public.verify_strict(black_box(signing_input.as_bytes()), &signature));
        });
        let f = time_per_op(|| {
            let _ = black_box(verifier.verify(black_box(&token), NOW + 10));
        });
        let c = time_per_op(|| {
            let _ = black_box(verifier.check(black_box(&token), NOW + 10, "203.0.113.9", &request));
        });
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
    println!(
        "  verify_strict alone          {:8.2} us",
        median(&mut bare)
    );
    println!(
        "  full token verification      {:8.2} us   ratio {:.3}x  (target <= 1.15x)",
        median(&mut full),
        median(&mut ratios)
    );
    println!(
        "  check (verify+ip+authorize)  {:8.2} us   ratio {:.3}x",
        median(&mut check),
        median(&mut check_ratios)
    );
}
