#!/usr/bin/env node
// The conformance runner for the WASM module under Node.js (host name `wasm-node`).
//
//   node wasm/tests/conformance.mjs PATH...
//
// Each PATH is a vector file or a folder of them (searched recursively for `*.json`), in the
// format of CONFORMANCE.md. Every case runs through the package's public API — the functions
// a JS developer calls — and the answer is compared with `expect` as a JSON subset. A returned
// object carries the core's `outcome` ("result" | "answer"); a thrown `CredgateError` counts
// as the wire's failure `{ outcome: "failure", ok: false, error: code, message, index?, errors? }`.
// Prints one line per failing case and `wasm-node: N passed, M failed`; exits non-zero when a
// case fails, a file cannot be read or parsed, or a case names an unknown op.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as credgate from "../pkg/node.js";

/** Each conformance op, called through the public API with the vector's input. */
export const OPS = {
  parse_permission: (input) => credgate.parsePermission("text" in input ? input.text : input.permission),
  validate_spec: (input) => credgate.validateSpec(input.spec),
  ip_allowed: (input) => credgate.ipAllowed(input),
  authorize: (input) => credgate.authorize(input),
  verify_token: (input) => credgate.verifyToken(input),
  check: (input) => credgate.check(input),
  parse_token_request: (input) => credgate.parseTokenRequest(input),
  issue_token: (input) => credgate.issueToken(input),
  preview: (input) => credgate.preview(input),
  lint: (input) => credgate.lint(input),
  create_credential: (input) => credgate.createCredential(input),
  update_credential: (input) => credgate.updateCredential(input),
  set_type_defaults: (input) => credgate.setTypeDefaults(input.set_type),
  public_jwks: (input) => credgate.publicJwks(input.signing_keys),
  parse_bearer: (input) => credgate.parseBearer(input.authorization),
  verify_secret: (input) => credgate.verifySecret(input),
  explain: (input) => credgate.explain(input),
  diff: (input) => credgate.diff(input),
  rotate_secret: (input) => credgate.rotateSecret(input),
  suggest: (input) => credgate.suggest(input),
  sign_revocations: (input) => credgate.signRevocations(input),
  load_revocations: (input) => credgate.loadRevocations(input),
  vocabulary: () => credgate.vocabulary(),
};

/** Arrays compared as sets (order-free) wherever they appear as these members. */
const SET_MEMBERS = new Set(["errors", "near_misses", "findings", "added", "removed", "new_access"]);

/**
 * Runs one case and returns its wire form (CONFORMANCE.md): a returned object as it is (it
 * carries the core's `outcome`), a thrown `CredgateError` as the failure
 * `{outcome: "failure", ok: false, error, message, index?, errors?}`.
 */
export function run(op, input) {
  const call = OPS[op];
  if (!call) throw new Error(`unknown op \`${op}\``);
  try {
    return call(input);
  } catch (e) {
    if (e?.name !== "CredgateError") throw e;
    return failure(e);
  }
}

/** A thrown `CredgateError` in the wire's shape of a failure. */
export function failure(e) {
  const wire = { outcome: "failure", ok: false, error: e.code, message: e.message };
  if (e.index !== undefined) wire.index = e.index;
  if (e.errors !== undefined) wire.errors = e.errors;
  return wire;
}

/**
 * Whether `expected` is a JSON subset of `actual` (CONFORMANCE.md): objects member by member,
 * arrays item by item, and the arrays named in SET_MEMBERS as sets. Numbers compare by value
 * (an exact `BigInt` beyond 2^53 equals the vector's number, as the Rust runner's `as_f64`).
 */
export function subset(expected, actual, asSet = false) {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    if (!asSet) return expected.every((e, i) => subset(e, actual[i]));
    return matchAsSet(expected, actual);
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    return Object.entries(expected).every(
      ([k, v]) => Object.hasOwn(actual, k) && subset(v, actual[k], SET_MEMBERS.has(k)),
    );
  }
  if (typeof expected === "number" && typeof actual === "bigint") return expected === Number(actual);
  return expected === actual;
}

/**
 * Whether every expected item pairs with its own actual item that it matches (a perfect
 * matching of the bipartite graph of matching pairs), found with augmenting paths (Kuhn's
 * algorithm), as the runner crate's `match_as_set` (tests/src/lib.rs). Same lengths.
 */
export function matchAsSet(expected, actual) {
  const edges = expected.map((e) => actual.flatMap((a, j) => (subset(e, a) ? [j] : [])));
  // partner[j]: the expected item paired with actual item j.
  const partner = new Array(actual.length).fill(-1);
  const augment = (i, seen) => {
    for (const j of edges[i]) {
      if (seen[j]) continue;
      seen[j] = true;
      if (partner[j] === -1 || augment(partner[j], seen)) {
        partner[j] = i;
        return true;
      }
    }
    return false;
  };
  return expected.every((_, i) => augment(i, new Array(actual.length).fill(false)));
}

function vectorFiles(path) {
  if (statSync(path).isDirectory()) {
    return readdirSync(path)
      .sort()
      .flatMap((name) => {
        const child = join(path, name);
        return statSync(child).isDirectory() || name.endsWith(".json") ? vectorFiles(child) : [];
      });
  }
  return [path];
}

export function main(paths, log = console.log) {
  if (paths.length === 0) {
    log("usage: conformance.mjs PATH... (vector files or folders)");
    return 2;
  }
  let passed = 0;
  let failed = 0;
  let broken = false;
  for (const file of paths.flatMap((p) => {
    try {
      return vectorFiles(p);
    } catch (e) {
      log(`${p}: cannot read: ${e.message}`);
      broken = true;
      return [];
    }
  })) {
    let suite;
    try {
      suite = JSON.parse(readFileSync(file, "utf8"));
      if (!Array.isArray(suite?.cases)) throw new Error("no `cases` array");
    } catch (e) {
      log(`${file}: cannot read: ${e.message}`);
      broken = true;
      continue;
    }
    for (const c of suite.cases) {
      if (!Object.hasOwn(OPS, c.op)) {
        log(`${file}: ${c.name}: unknown op \`${c.op}\``);
        broken = true;
        failed++;
        continue;
      }
      let got;
      try {
        got = run(c.op, c.input);
      } catch (e) {
        got = { thrown: String(e?.stack ?? e) };
      }
      if (subset(c.expect, got)) {
        passed++;
      } else {
        failed++;
        log(`${file}: ${c.name}: expected ${JSON.stringify(c.expect)} got ${JSON.stringify(got)}`);
      }
    }
  }
  log(`wasm-node: ${passed} passed, ${failed} failed`);
  return failed > 0 || broken ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
