//! Side-by-side timing: every subject of a group is timed in turn, one sample each per round,
//! in an order that rotates from round to round, so that a slow phase of a shared machine
//! hits every subject alike and the ratios between them stay honest. The result of a group
//! is, per subject, the median and the 10th percentile of the per-call times (noise only
//! ever adds time, so the low percentile is the closest to the cost of the work itself).
//!
//! A sample is one call, or for subjects far below a microsecond a small batch of calls
//! sized to about [`SAMPLE_TARGET_NS`], so that reading the clock does not dominate.

use std::hint::black_box;
use std::time::Instant;

use serde_json::{json, Value};

/// About how long one sample of a fast subject lasts (the batch is sized to it).
const SAMPLE_TARGET_NS: f64 = 2_000.0;

/// One thing to time: a name for people, a key for the JSON file, and the call.
pub struct Subject<'a> {
    /// Shown in the human output and in BENCHMARKS.md.
    pub name: String,
    /// Stable identifier in `target/bench/<host>.json` (the report looks rows up by it).
    pub key: &'static str,
    /// One call of the subject.
    pub call: Box<dyn FnMut() + 'a>,
}

impl<'a> Subject<'a> {
    /// A subject from a closure whose result is kept from the optimiser.
    pub fn new<T>(
        key: &'static str,
        name: impl Into<String>,
        mut f: impl FnMut() -> T + 'a,
    ) -> Self {
        Self {
            name: name.into(),
            key,
            call: Box::new(move || {
                black_box(f());
            }),
        }
    }
}

/// What a group measured of one subject.
pub struct Stats {
    pub name: String,
    pub key: &'static str,
    /// Median time per call, in nanoseconds.
    pub median_ns: f64,
    /// 10th percentile of the time per call, in nanoseconds.
    pub p10_ns: f64,
    /// Calls per sample.
    pub batch: u32,
    /// Samples kept (after the warm-up).
    pub samples: usize,
}

impl Stats {
    /// The calls timed in all.
    pub fn iterations(&self) -> u64 {
        self.samples as u64 * u64::from(self.batch)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "key": self.key,
            "name": self.name,
            "median_ns": self.median_ns,
            "p10_ns": self.p10_ns,
            "batch": self.batch,
            "samples": self.samples,
            "iterations": self.iterations(),
        })
    }
}

/// The value at `fraction` of sorted samples (0.5: the median).
fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let index = ((sorted.len() as f64 * fraction) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(index).copied().unwrap_or(f64::NAN)
}

fn time_batch(call: &mut dyn FnMut(), batch: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..batch {
        call();
    }
    start.elapsed().as_nanos() as f64 / f64::from(batch)
}

/// Times `subjects` side by side: `warm_up` rounds dropped, then `samples` rounds kept.
pub fn interleave(subjects: &mut [Subject<'_>], warm_up: usize, samples: usize) -> Vec<Stats> {
    // Size each subject's batch from a short first measurement (best of a few calls).
    let batches: Vec<u32> = subjects
        .iter_mut()
        .map(|s| {
            let one = (0..20)
                .map(|_| time_batch(&mut s.call, 1))
                .fold(f64::INFINITY, f64::min);
            ((SAMPLE_TARGET_NS / one.max(1.0)).ceil() as u32).clamp(1, 1_000)
        })
        .collect();
    let count = subjects.len();
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(samples); count];
    for round in 0..warm_up + samples {
        for step in 0..count {
            let which = (round + step) % count;
            let (Some(subject), Some(&batch)) = (subjects.get_mut(which), batches.get(which))
            else {
                continue;
            };
            let t = time_batch(&mut subject.call, batch);
            if round >= warm_up {
                if let Some(list) = times.get_mut(which) {
                    list.push(t);
                }
            }
        }
    }
    subjects
        .iter()
        .zip(times)
        .zip(batches)
        .map(|((subject, mut list), batch)| {
            list.sort_by(f64::total_cmp);
            Stats {
                name: subject.name.clone(),
                key: subject.key,
                median_ns: percentile(&list, 0.5),
                p10_ns: percentile(&list, 0.1),
                batch,
                samples: list.len(),
            }
        })
        .collect()
}

/// A time in nanoseconds in the unit that suits it.
pub fn human(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// Prints a group's table: median, p10 and, when `base` names a subject, each one's ratio
/// to it (median / p10).
pub fn print_group(title: &str, stats: &[Stats], base: Option<&str>) {
    println!("{title}");
    println!(
        "  {:<58} {:>11} {:>11} {:>9}{}",
        "",
        "median",
        "p10",
        "calls",
        if base.is_some() {
            "   ratio median / p10"
        } else {
            ""
        }
    );
    let base = base.and_then(|key| stats.iter().find(|s| s.key == key));
    for s in stats {
        let ratio = base
            .filter(|b| b.key != s.key)
            .map(|b| {
                format!(
                    "   {:.3}x / {:.3}x",
                    s.median_ns / b.median_ns,
                    s.p10_ns / b.p10_ns
                )
            })
            .unwrap_or_default();
        println!(
            "  {:<58} {:>11} {:>11} {:>9}{ratio}",
            s.name,
            human(s.median_ns),
            human(s.p10_ns),
            s.iterations()
        );
    }
    println!();
}
