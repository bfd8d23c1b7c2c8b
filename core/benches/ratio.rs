//! Full token verification vs. bare `verify_strict`, interleaved call by call: each sample
//! times one call of each of the three (in a rotating order), so a slow phase of a shared
//! machine hits all three alike and the ratio stays honest. Prints the median and the 10th
//! percentile of each (noise only ever adds time, so the low percentile is the closest to the
//! cost of the work itself) and their ratios to `verify_strict` (`make bench-native`).

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

const WARM_UP: usize = 300;
const SAMPLES: usize = 12_000;

/// The value at `fraction` of the sorted samples (0.5: the median).
fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let index = (sorted.len() as f64 * fraction) as usize;
    sorted.get(index).copied().unwrap_or(f64::NAN)
}

fn time_one(f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64() * 1e6
}

fn main() {
    let (verifier, token) = token_fixture();
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let signature = credgate_core::encoding::b64url_decode(signature).unwrap();
    let signature = Signature::from_slice(&signature).unwrap();
    let public = *verifier.keys().get("k1").unwrap();
    let request = Request::new("balances", "read", Some("vlt_1"), None, None).unwrap();

    let mut bare = || {
        let _ = black_box(public.verify_strict(black_box(signing_input.as_bytes()), &signature));
    };
    let mut full = || {
        let _ = black_box(verifier.verify(black_box(&token), NOW + 10));
    };
    let mut check = || {
        let _ = black_box(verifier.check(black_box(&token), NOW + 10, "203.0.113.9", &request));
    };
    let mut subjects: [&mut dyn FnMut(); 3] = [&mut bare, &mut full, &mut check];
    let mut samples: [Vec<f64>; 3] = Default::default();
    for sample in 0..WARM_UP + SAMPLES {
        for step in 0..3 {
            let which = (sample + step) % 3;
            let (Some(subject), Some(times)) = (subjects.get_mut(which), samples.get_mut(which))
            else {
                continue;
            };
            let t = time_one(*subject);
            if sample >= WARM_UP {
                times.push(t);
            }
        }
    }
    for times in &mut samples {
        times.sort_by(f64::total_cmp);
    }
    let [bare, full, check] = &samples;
    let (bare_median, bare_low) = (percentile(bare, 0.5), percentile(bare, 0.1));
    println!(
        "token verification, interleaved call by call ({SAMPLES} samples each, {}-byte token)",
        token.len()
    );
    println!(
        "                                 median      p10    ratio to verify_strict: median / p10"
    );
    println!("  verify_strict alone          {bare_median:8.2} us {bare_low:8.2} us");
    for (name, times, note) in [
        ("full token verification", full, "  (target <= 1.15x)"),
        ("check (verify+ip+authorize)", check, ""),
    ] {
        let (median, low) = (percentile(times, 0.5), percentile(times, 0.1));
        println!(
            "  {name:<28} {median:8.2} us {low:8.2} us   {:.3}x / {:.3}x{note}",
            median / bare_median,
            low / bare_low
        );
    }
}
