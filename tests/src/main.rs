//! `conformance-native PATH...`: runs conformance vectors against credgate-core directly
//! and prints `native: N passed, M failed`. Exits 1 when any case fails, a file cannot be
//! read, or an operation is unknown.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: conformance-native PATH...  (vector files or folders)");
        return ExitCode::from(2);
    }
    let summary = credgate_conformance::run(&paths, |op, input| {
        let op = credgate_core::facade::Operation::from_name(op)?;
        Some(credgate_conformance::wire(credgate_core::facade::call(
            op.as_str(),
            input.clone(),
        )))
    });
    for failure in &summary.failures {
        println!("{failure}");
    }
    println!("native: {}", summary.line());
    if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
