//! The conformance vector format of CONFORMANCE.md: loading vector files and comparing a
//! host's output with a case's `expect` (a JSON subset, with the arrays named "as sets"
//! compared without order).
//!
//! Every Rust host (native, wasmtime) runs vectors through [`run`]; hosts in other
//! languages implement the same comparison once in their own runner.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Output members compared as sets (order-free) rather than as exact arrays.
pub const SET_MEMBERS: [&str; 3] = ["errors", "near_misses", "findings"];

/// One case of a vector file.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file it came from.
    pub file: String,
    /// Its name.
    pub name: String,
    /// The operation.
    pub op: String,
    /// The input.
    pub input: Value,
    /// The expected output (a subset).
    pub expect: Value,
}

/// The tally of a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Cases whose output matched.
    pub passed: usize,
    /// Cases that failed, files that could not be read, and unknown operations.
    pub failed: usize,
    /// One line per failure: `file: case name: expected … got …`.
    pub failures: Vec<String>,
}

impl Summary {
    /// `N passed, M failed`.
    pub fn line(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }
}

/// Collects `*.json` files under each path (a file, or a folder searched recursively), in
/// a stable order.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                let entries =
                    std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                for entry in entries {
                    let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
                    let p = entry.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|e| e == "json") {
                        files.push(p);
                    }
                }
            }
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(format!("{}: no such file or folder", path.display()));
        }
    }
    files.sort();
    Ok(files)
}

/// Reads the cases of one vector file.
pub fn load_file(path: &Path) -> Result<Vec<Case>, String> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: cannot read: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("{file}: not JSON: {e}"))?;
    let cases = doc
        .get("cases")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{file}: no `cases` array"))?;
    cases
        .iter()
        .enumerate()
        .map(|(i, case)| {
            let text = |name: &str| {
                case.get(name)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{file}: case {i} has no `{name}`"))
            };
            Ok(Case {
                file: file.clone(),
                name: text("name")?,
                op: text("op")?,
                input: case.get("input").cloned().unwrap_or(Value::Null),
                expect: case.get("expect").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// Compares `got` with `expect`; `Err` says where they differ.
pub fn compare(expect: &Value, got: &Value) -> Result<(), String> {
    compare_at("", expect, got, false)
}

fn compare_at(path: &str, expect: &Value, got: &Value, as_set: bool) -> Result<(), String> {
    match (expect, got) {
        (Value::Object(e), Value::Object(g)) => {
            for (name, e_value) in e {
                let here = format!("{path}.{name}");
                let g_value = g.get(name).ok_or_else(|| format!("{here} missing"))?;
                compare_at(
                    &here,
                    e_value,
                    g_value,
                    SET_MEMBERS.contains(&name.as_str()),
                )?;
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(g)) => {
            if e.len() != g.len() {
                return Err(format!(
                    "{path}: {} items expected, {} found",
                    e.len(),
                    g.len()
                ));
            }
            if as_set {
                let mut unused: Vec<&Value> = g.iter().collect();
                for item in e {
                    let found = unused
                        .iter()
                        .position(|g| compare_at(path, item, g, false).is_ok());
                    match found {
                        Some(i) => {
                            unused.remove(i);
                        }
                        None => return Err(format!("{path}: no item matches {item}")),
                    }
                }
                Ok(())
            } else {
                e.iter()
                    .zip(g)
                    .enumerate()
                    .try_for_each(|(i, (e, g))| compare_at(&format!("{path}[{i}]"), e, g, false))
            }
        }
        (Value::Number(e), Value::Number(g)) if e.as_f64() == g.as_f64() => Ok(()),
        (e, g) if e == g => Ok(()),
        (e, g) => Err(format!("{path}: expected {e}, got {g}")),
    }
}

/// The wire form of an outcome (its answer's members and `"outcome"`), which is what
/// `expect` is compared with.
pub fn wire<T: serde::Serialize>(outcome: credgate_core::facade::Outcome<T>) -> Value {
    serde_json::to_value(outcome).unwrap_or(Value::Null)
}

/// Runs every case of every file under `paths` through `call(op, input)`, which returns
/// `None` for an operation the host does not know.
pub fn run(paths: &[PathBuf], mut call: impl FnMut(&str, &Value) -> Option<Value>) -> Summary {
    let mut summary = Summary::default();
    let files = match collect_files(paths) {
        Ok(files) => files,
        Err(e) => {
            summary.failed += 1;
            summary.failures.push(e);
            return summary;
        }
    };
    for file in files {
        let cases = match load_file(&file) {
            Ok(cases) => cases,
            Err(e) => {
                summary.failed += 1;
                summary.failures.push(e);
                continue;
            }
        };
        for case in cases {
            let mut line = String::new();
            match call(&case.op, &case.input) {
                None => {
                    let _ = write!(
                        line,
                        "{}: {}: unknown op `{}`",
                        case.file, case.name, case.op
                    );
                }
                Some(got) => match compare(&case.expect, &got) {
                    Ok(()) => {
                        summary.passed += 1;
                        continue;
                    }
                    Err(diff) => {
                        let _ = write!(
                            line,
                            "{}: {}: expected {} got {} ({diff})",
                            case.file, case.name, case.expect, got
                        );
                    }
                },
            }
            summary.failed += 1;
            summary.failures.push(line);
        }
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_and_sets() {
        assert!(compare(&json!({"a": 1}), &json!({"a": 1, "b": 2})).is_ok());
        assert!(compare(&json!({"a": 1}), &json!({"a": 2})).is_err());
        assert!(compare(&json!({"a": [1, 2]}), &json!({"a": [2, 1]})).is_err());
        assert!(compare(
            &json!({"near_misses": [1, 2]}),
            &json!({"near_misses": [2, 1]})
        )
        .is_ok());
        assert!(compare(
            &json!({"near_misses": [1]}),
            &json!({"near_misses": [1, 1]})
        )
        .is_err());
        let errors = json!({"errors": [{"path": "b", "code": "y"}, {"path": "a", "code": "x"}]});
        let got = json!({"errors": [{"path": "a", "code": "x", "message": "m"}, {"path": "b", "code": "y", "message": "n"}]});
        assert!(compare(&errors, &got).is_ok());
        assert!(compare(&json!({"a": 200}), &json!({"a": 200.0})).is_ok());
        assert!(compare(&json!({"a": {"b": 1}}), &json!({"a": {}})).is_err());
    }
}
