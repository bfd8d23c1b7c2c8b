//! The conformance vector format of CONFORMANCE.md: loading vector files and comparing a
//! host's output with a case's `expect`.
//!
//! # The format
//!
//! A vector file is a JSON object `{"comment"?, "suite", "cases": [...]}`; each case is
//! `{"name", "op", "input", "expect", "comment"?}` ([`Case`]; any other member is an error,
//! so a misspelt `expect` cannot silently make a case pass).
//!
//! # The comparison (every runner, in every language, implements exactly this)
//!
//! `expect` is a JSON subset of the host's output:
//! - objects: every member of `expect` is present in the output and matches; extra output
//!   members are ignored;
//! - arrays: the same length, item `i` matching item `i`; except the arrays under the
//!   members named in [`SET_MEMBERS`], which are matched **as sets** (below);
//! - numbers: equal as numbers (`200` matches `200.0`); everything else: equal.
//!
//! **As sets.** An expected array `E` matches an output array `G` of the same length when
//! there is a one-to-one pairing of `E`'s items with `G`'s items such that each expected item
//! matches (recursively, as a subset) the output item it is paired with: a perfect matching
//! in the bipartite graph whose edges are the pairs that match. Runners find it with
//! augmenting paths (Kuhn's algorithm, [`match_as_set`]), never greedily: with subset
//! matching, a greedy first-fit can pair an expected item with an output item another
//! expected item needed, and fail a case that another runner passes.
//!
//! Every Rust host (native, wasmtime) runs vectors through [`run`]; hosts in other
//! languages implement the same comparison once in their own runner.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// Output members compared as sets (order-free) rather than as exact arrays: CONFORMANCE.md's
/// `errors`, `near_misses`, `findings`, and `diff`'s `added`, `removed` and `new_access`.
pub const SET_MEMBERS: [&str; 6] = [
    "errors",
    "near_misses",
    "findings",
    "added",
    "removed",
    "new_access",
];

/// One case of a vector file, as written (unknown members are errors).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Its name.
    pub name: String,
    /// The operation.
    pub op: String,
    /// The input.
    pub input: Value,
    /// The expected output (a subset).
    pub expect: Value,
    /// What the case is about, for a person.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A vector file, as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// What the file covers.
    #[serde(default)]
    pub comment: Option<String>,
    /// The suite's name.
    pub suite: String,
    /// The cases.
    pub cases: Vec<Case>,
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
    let doc: VectorFile =
        serde_json::from_str(&text).map_err(|e| format!("{file}: not a vector file: {e}"))?;
    Ok(doc.cases)
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
                match_as_set(e, g).map_err(|item| format!("{path}: no pairing matches {item}"))
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

/// Pairs every expected item with its own output item (a perfect matching, found with
/// augmenting paths); `Err` names an expected item left without a partner. Both arrays have
/// the same length.
pub fn match_as_set<'a>(expect: &'a [Value], got: &[Value]) -> Result<(), &'a Value> {
    let edges: Vec<Vec<usize>> = expect
        .iter()
        .map(|e| {
            got.iter()
                .enumerate()
                .filter(|(_, g)| compare_at("", e, g, false).is_ok())
                .map(|(j, _)| j)
                .collect()
        })
        .collect();
    // partner[j] is the expected item paired with output item j.
    let mut partner: Vec<Option<usize>> = vec![None; got.len()];
    for (i, item) in expect.iter().enumerate() {
        let mut seen = vec![false; got.len()];
        if !augment(i, &edges, &mut partner, &mut seen) {
            return Err(item);
        }
    }
    Ok(())
}

/// Kuhn's step: finds a partner for expected item `i`, moving earlier pairings if needed.
fn augment(
    i: usize,
    edges: &[Vec<usize>],
    partner: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    for &j in edges.get(i).map(Vec::as_slice).unwrap_or_default() {
        if seen.get(j).copied().unwrap_or(true) {
            continue;
        }
        if let Some(slot) = seen.get_mut(j) {
            *slot = true;
        }
        let current = partner.get(j).copied().flatten();
        let free = match current {
            None => true,
            Some(other) => augment(other, edges, partner, seen),
        };
        if free {
            if let Some(slot) = partner.get_mut(j) {
                *slot = Some(i);
            }
            return true;
        }
    }
    false
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
        let file_name = file.display().to_string();
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
                        file_name, case.name, case.op
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
                            file_name, case.name, case.expect, got
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

    #[test]
    fn sets_are_matched_by_a_perfect_matching_not_first_fit() {
        // First fit pairs {"code": "x"} with the first output item, which is the only one
        // {"code": "x", "path": "b"} can match; a maximum matching finds the pairing.
        let expect = json!({"errors": [{"code": "x"}, {"code": "x", "path": "b"}]});
        let got = json!({"errors": [{"code": "x", "path": "b"}, {"code": "x", "path": "a"}]});
        assert!(compare(&expect, &got).is_ok());
        let none = json!({"errors": [{"code": "x", "path": "b"}, {"code": "x", "path": "b"}]});
        assert!(compare(&none, &got).is_err());
    }

    #[test]
    fn cases_reject_unknown_members() {
        let bad = r#"{"suite": "s", "cases": [{"name": "n", "op": "authorize", "input": {}, "expects": {}}]}"#;
        assert!(serde_json::from_str::<VectorFile>(bad).is_err());
        let good = r#"{"suite": "s", "cases": [{"name": "n", "op": "authorize", "input": {}, "expect": {}}]}"#;
        assert!(serde_json::from_str::<VectorFile>(good).is_ok());
    }
}
