//! The conformance runner of the wasmtime host (`credgate conformance PATH...`).
//!
//! Vector loading and the JSON-subset comparison (with the "as sets" arrays) are the
//! shared ones of `credgate-conformance`, the same code the native runner uses; this module
//! only routes each case through a [`Host`], so through the WebAssembly module.

use std::path::PathBuf;

use serde_json::json;

pub use credgate_conformance::Summary;

use crate::runtime::Host;

/// The host name in the summary line: `wasmtime: N passed, M failed`.
pub const HOST_NAME: &str = "wasmtime";

/// Runs every case of every vector file or folder in `paths` through `host`.
///
/// An operation the engine does not list is reported as unknown (a failure); a host
/// failure (trap, limit, ABI) fails the case with `{"host_error": code, "message": …}` as
/// the output.
pub fn run(host: &mut Host, paths: &[PathBuf]) -> Summary {
    credgate_conformance::run(paths, |op, input| {
        if !credgate_core::facade::OPS.contains(&op) {
            return None;
        }
        Some(
            host.call_value(op, input)
                .unwrap_or_else(|e| json!({ "host_error": e.code(), "message": e.to_string() })),
        )
    })
}

/// The closing line for `summary`.
pub fn summary_line(summary: &Summary) -> String {
    format!("{HOST_NAME}: {}", summary.line())
}

/// Vector files under `paths` (files, or folders searched recursively), in a stable order.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    credgate_conformance::collect_files(paths)
}
