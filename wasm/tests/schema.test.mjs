// The package's TypeScript declarations, checked against the Rust types (issue 8): the core
// prints the JSON Schema of every operation's input (as read) and answer (as written) and of a
// failure (`make test-wasm` writes it: $CREDGATE_SCHEMAS); schema-ts.mjs turns each into
// TypeScript; this test writes a .ts file asserting, with the `Equals<X, Y>` conditional-type
// trick, that each declared type of credgate.d.ts equals the type built from Rust, and runs
// `tsc --noEmit --strict` on it. Any field or variant that differs fails, except the
// deliberate differences of the JS API, each spelled out once in DIFFERENCES and in the
// expressions of CHECKS below.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { namespace } from "./schema-ts.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const tsc = join(root, "node_modules/.bin/tsc");
const dts = join(root, "wasm/pkg/credgate.js");
const errorsDts = join(root, "wasm/pkg/errors.js");
const schemasPath = process.env.CREDGATE_SCHEMAS || join(root, "target/wasm-schema/schemas.json");
const tmp = mkdtempSync(join(tmpdir(), "credgate-schema-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Where the JS API deliberately differs from the Rust types, and why. Every difference used
 * in CHECKS is one of these helpers; anything else must be equal.
 *
 * - `Out<T, K>`: a returned object carries the wire's `outcome` member (K: "result" or
 *   "answer", the core's decision), beside the answer's own members.
 * - `With<T, R>`: members the declarations narrow, each a subtype of the Rust member (checked:
 *   a widening or an unknown member fails): `ok: true` / `false` where the core always writes
 *   that value; an HTTP `status` the core only gives from a fixed set; a `reason` or `error`
 *   an operation only gives from part of its enum; and input members the core reads as any
 *   JSON (`serde_json::Value`) and judges itself with its own codes (`spec`, `request`,
 *   `jwks`, `credential`, permission and allowlist entries), which are declared with their
 *   documented shape, itself checked below where a Rust type describes it.
 * - `Opt<T, K>`: input members the JS host defaults (`now` from Date.now, `jti` and `entropy`
 *   from crypto.getRandomValues) are optional.
 * - `Dated<T>` (in `Opt` too): an input's `now` also takes a `Date` (the host reads it as
 *   Unix seconds, docs/JS.md).
 * - `Readable<T>`: an input reads `null` for an absent optional member (serde's `Option`), as
 *   the declared `AccessRequest` allows; the core writes it back without them (`RequestRecord`).
 * - A union narrowed variant by variant (`SpecValidation`, `LintReport`, `VerifierCheckInput`:
 *   which members are present goes with `ok`, or with `token`), each a `With` of the Rust type.
 * - One-argument functions (`parsePermission`, `validateSpec`, `setTypeDefaults`,
 *   `publicJwks`, `parseBearer`) take the core input's one member as the argument.
 * - The thrown error (`CredgateErrorShape`) is the failure with `error` as `code` (an Error's
 *   member name), without `ok` (a thrown error is the failure), and with `path`, the first
 *   problem's path, added.
 */
const HELPERS = `
type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;
type Assert<T extends true> = T;
/** Flattens intersections, deeply, so equal shapes compare equal. */
type N<T> = unknown extends T ? T
  : T extends string | number | bigint | boolean | null | undefined ? T
  : { [K in keyof T]: N<T[K]> };
type Out<T, K extends "result" | "answer"> = N<T & { outcome: K }>;
type IsNarrowing<T, R> = [R] extends [{ [K in keyof R]: K extends keyof T ? T[K] : never }] ? true : false;
type With<T, R> = IsNarrowing<T, R> extends true ? N<Omit<T, keyof R> & R> : { "not a narrowing of the Rust type": R };
type Dated<T> = { [K in keyof T]: K extends "now" ? T[K] | Date : T[K] };
type Opt<T, K extends keyof T> = N<Dated<Omit<T, K> & Partial<Pick<T, K>>>>;
type Readable<T> = { [K in keyof T]: undefined extends T[K] ? T[K] | null : T[K] };
`;

/** [what, declared (from the package's .d.ts: P), expected (from Rust: R)]. */
const CHECKS = [
  // the vocabulary
  ["Code", "P.Code", "R.failure.Code"],
  ["Reason", "P.Reason", "R.check_answer.Reason"],
  ["ResourceType", "P.ResourceType", "R.check_answer.ResourceType"],
  ["Action", "P.Action", "R.check_answer.Action"],
  ["Scope", "P.Scope", "R.parse_permission_answer.Scope"],
  ["SetType", "P.SetType", "R.create_credential_answer.PermissionSetType"],
  ["Environment", "P.Environment", "R.create_credential_answer.Environment"],
  ["Permission", "P.Permission", "R.parse_permission_answer.Permission"],
  ["RequestRecord", "P.RequestRecord", "R.check_answer.Request"],
  ["AccessRequest", "P.AccessRequest", "Readable<R.check_answer.Request>"],
  ["ValidationProblem", "P.ValidationProblem", "R.failure.Problem"],
  ["Credential", "P.Credential", "R.create_credential_answer.Credential"],
  ["Credential (update)", "P.Credential", "R.update_credential_answer.Credential"],
  ["Claims", "P.Claims", "R.verify_token_answer.Claims"],
  ["Claims (check)", "P.Claims", "R.check_answer.Claims"],
  ["Claims (issue)", "P.Claims", "R.issue_token_answer.Claims"],
  ["SigningKey", "P.SigningKey", "R.public_jwks_input.SigningKeyInput"],
  ["PublishedJwk", "P.PublishedJwk", "R.public_jwks_answer.Jwk"],
  ["AuditRecord", "P.AuditRecord", "R.check_answer.DecisionRecord"],
  ["Grant", "P.Grant", "R.preview_answer.Grant"],
  ["TokenResponse", "P.TokenResponse", "R.issue_token_answer.TokenResponse"],
  ["LintFinding", "P.LintFinding", "R.lint_answer.Finding"],
  ["CredentialSecret", "P.CredentialSecret", "R.create_credential_answer.Secret"],
  ["Credential (rotate)", "P.Credential", "R.rotate_secret_answer.Credential"],
  ["CredentialAction", "P.CredentialAction", "R.update_credential_input.CredentialAction"],
  ["Changes", "P.Changes", "R.diff_answer.Changes"],
  ["RevocationEntry", "P.RevocationEntry", "R.sign_revocations_answer.RevocationEntry"],
  ["SuggestedSpec", "P.SuggestedSpec", "R.suggest_answer.SpecDocument"],
  ["Narrowing", "P.Narrowing", "R.suggest_answer.Narrowing"],
  ["SpecComparison", "P.SpecComparison", "With<R.diff_answer.SpecDiff, { ok: true; new_access: P.NewAccess[] }>"],
  ["NewAccess", "P.NewAccess",
    "With<R.diff_answer.NewAccess, { code: 'diff.permission_not_covered' | 'diff.ip_not_covered' | 'diff.environment_changed' }>"],

  // every operation's answer, as each function (and prepared method) returns it
  ["parse_permission answer", "ReturnType<typeof P.parsePermission>", "Out<With<R.parse_permission_answer.Root, { ok: true }>, 'result'>"],
  ["validate_spec answer", "ReturnType<typeof P.validateSpec>",
    "Out<With<R.validate_spec_answer.Root, { ok: true; error?: undefined; errors?: undefined }>, 'answer'>" +
    " | Out<With<R.validate_spec_answer.Root, { ok: false; error: 'spec.invalid'; errors: R.validate_spec_answer.Problem[] }>, 'answer'>"],
  ["ip_allowed answer", "ReturnType<typeof P.ipAllowed>",
    "Out<With<R.ip_allowed_answer.Root, { ok: true; reason: 'allow' | 'deny.ip_not_allowed' | 'deny.ip_invalid' }>, 'answer'>"],
  ["authorize answer", "ReturnType<typeof P.authorize>", "DECISION"],
  ["PermissionSet.authorize answer", "ReturnType<P.PermissionSet['authorize']>", "DECISION"],
  ["verify_token answer", "ReturnType<typeof P.verifyToken>", "Out<With<R.verify_token_answer.Root, { ok: true }>, 'result'>"],
  ["Verifier.verify answer", "ReturnType<P.Verifier['verify']>", "Out<With<R.verify_token_answer.Root, { ok: true }>, 'result'>"],
  ["check answer", "ReturnType<typeof P.check>", "CHECKED"],
  ["Verifier.check answer", "ReturnType<P.Verifier['check']>", "CHECKED"],
  ["parse_token_request variants", "R.parse_token_request_answer.Root", "R.parse_token_request_answer.ParsedTokenRequest | R.parse_token_request_answer.TokenRefusal"],
  ["parse_token_request answer", "ReturnType<typeof P.parseTokenRequest>",
    "Out<With<R.parse_token_request_answer.ParsedTokenRequest, { ok: true }>, 'result'> | REFUSAL<R.parse_token_request_answer.TokenRefusal>"],
  ["issue_token variants", "R.issue_token_answer.Root", "R.issue_token_answer.IssuedToken | R.issue_token_answer.TokenRefusal"],
  ["issue_token answer", "ReturnType<typeof P.issueToken>",
    "Out<With<R.issue_token_answer.IssuedToken, { ok: true; status: 200 }>, 'result'> | REFUSAL<R.issue_token_answer.TokenRefusal>"],
  ["preview answer", "ReturnType<typeof P.preview>", "Out<With<R.preview_answer.Root, { ok: true }>, 'result'>"],
  ["lint answer", "ReturnType<typeof P.lint>",
    "Out<With<R.lint_answer.Root, { ok: true; error?: undefined; errors?: undefined }>, 'answer'>" +
    " | Out<With<R.lint_answer.Root, { ok: false; error: 'spec.invalid'; errors: R.lint_answer.Problem[]; findings: [] }>, 'answer'>"],
  ["create_credential answer", "ReturnType<typeof P.createCredential>", "Out<With<R.create_credential_answer.Root, { ok: true }>, 'result'>"],
  ["update_credential answer", "ReturnType<typeof P.updateCredential>", "Out<With<R.update_credential_answer.Root, { ok: true }>, 'result'>"],
  ["set_type_defaults answer", "ReturnType<typeof P.setTypeDefaults>", "Out<With<R.set_type_defaults_answer.Root, { ok: true }>, 'result'>"],
  ["vocabulary answer", "ReturnType<typeof P.vocabulary>", "Out<With<R.vocabulary_answer.Root, { ok: true }>, 'result'>"],
  ["public_jwks answer", "ReturnType<typeof P.publicJwks>", "Out<With<R.public_jwks_answer.Root, { ok: true }>, 'result'>"],
  ["parse_bearer variants", "R.parse_bearer_answer.Root", "R.parse_bearer_answer.BearerToken | R.parse_bearer_answer.BearerRefusal"],
  ["parse_bearer answer", "ReturnType<typeof P.parseBearer>",
    "Out<With<R.parse_bearer_answer.BearerToken, { ok: true }>, 'result'>" +
    " | Out<With<R.parse_bearer_answer.BearerRefusal, { ok: false; error: 'bearer.missing' | 'bearer.malformed'; status: 400 | 401 }>, 'answer'>"],
  ["verify_secret answer", "ReturnType<typeof P.verifySecret>", "Out<With<R.verify_secret_answer.Root, { ok: true }>, 'answer'>"],
  ["rotate_secret answer", "ReturnType<typeof P.rotateSecret>", "Out<With<R.rotate_secret_answer.Root, { ok: true }>, 'result'>"],
  ["explain answer", "ReturnType<typeof P.explain>",
    "Out<With<R.explain_answer.Root, { ok: true; reason: 'allow' | 'deny.no_matching_permission' | 'deny.ip_not_allowed' | 'deny.ip_invalid' | 'deny.org_mismatch' }>, 'answer'>"],
  ["diff variants", "R.diff_answer.Root", "R.diff_answer.SpecDiff | R.diff_answer.SpecReport"],
  ["diff answer", "ReturnType<typeof P.diff>",
    "Out<With<R.diff_answer.SpecDiff, { ok: true; new_access: P.NewAccess[]; error?: undefined; errors?: undefined }>, 'answer'>" +
    " | Out<With<R.diff_answer.SpecReport, { ok: false; error: 'spec.invalid'; errors: R.diff_answer.Problem[] }>, 'answer'>"],
  ["sign_revocations answer", "ReturnType<typeof P.signRevocations>", "Out<With<R.sign_revocations_answer.Root, { ok: true }>, 'result'>"],
  ["load_revocations answer", "ReturnType<typeof P.loadRevocations>", "Out<With<R.load_revocations_answer.Root, { ok: true }>, 'result'>"],
  ["Verifier.loadRevocations answer", "ReturnType<P.Verifier['loadRevocations']>", "Out<With<R.load_revocations_answer.Root, { ok: true }>, 'result'>"],
  ["suggest variants", "R.suggest_answer.Root", "R.suggest_answer.Suggestion | R.suggest_answer.SpecReport"],
  ["suggest answer", "ReturnType<typeof P.suggest>",
    "Out<With<R.suggest_answer.Suggestion, { ok: true; diff?: P.SpecComparison; error?: undefined; errors?: undefined }>, 'answer'>" +
    " | Out<With<R.suggest_answer.SpecReport, { ok: false; error: 'spec.invalid'; errors: R.suggest_answer.Problem[] }>, 'answer'>"],

  // every operation's input, as each function (and prepared object) takes it
  ["parse_permission input", "Parameters<typeof P.parsePermission>[0]",
    "Exclude<R.parse_permission_input.Root['text'], null | undefined> | R.parse_permission_answer.Permission"],
  ["validate_spec input", "{ spec: Parameters<typeof P.validateSpec>[0] }", "With<R.validate_spec_input.Root, { spec: P.CredentialSpec }>"],
  ["ip_allowed input", "Parameters<typeof P.ipAllowed>[0]", "With<R.ip_allowed_input.Root, { allowlist: string[] }>"],
  ["authorize input", "Parameters<typeof P.authorize>[0]",
    "With<R.authorize_input.Root, { permissions: P.PermissionInput[]; request: P.AccessRequest }>"],
  ["PermissionSet input", "ConstructorParameters<typeof P.PermissionSet>[0]", "P.PermissionInput[]"],
  ["PermissionSet.authorize input", "{ request: Parameters<P.PermissionSet['authorize']>[0]; org?: Parameters<P.PermissionSet['authorize']>[1] }",
    "With<Omit<R.authorize_input.Root, 'permissions'>, { request: P.AccessRequest }>"],
  ["verify_token input", "Parameters<typeof P.verifyToken>[0]", "Opt<With<R.verify_token_input.Root, { jwks: P.Jwks }>, 'now'>"],
  ["Verifier input", "ConstructorParameters<typeof P.Verifier>[1]", "Omit<R.verify_token_input.Root, 'token' | 'now' | 'jwks'>"],
  ["Verifier.verify input", "{ token: Parameters<P.Verifier['verify']>[0]; now?: Parameters<P.Verifier['verify']>[1] }",
    "Readable<Opt<Pick<R.verify_token_input.Root, 'token' | 'now'>, 'now'>>"],
  ["check input", "Parameters<typeof P.check>[0]", "Opt<With<R.check_input.Root, { jwks: P.Jwks; request: P.AccessRequest }>, 'now'>"],
  ["Verifier.check input", "Parameters<P.Verifier['check']>[0]",
    "With<PREPARED_CHECK, { token: string; authorization?: undefined }> | With<PREPARED_CHECK, { authorization?: string | null; token?: undefined }>"],
  ["parse_token_request input", "Parameters<typeof P.parseTokenRequest>[0]", "R.parse_token_request_input.Root"],
  ["issue_token input", "Parameters<typeof P.issueToken>[0]",
    "Opt<With<R.issue_token_input.Root, { credential?: P.Credential | null }>, 'now' | 'jti'>"],
  ["preview input", "Parameters<typeof P.preview>[0]", "With<R.preview_input.Root, { permissions: P.PermissionInput[] }>"],
  ["lint input", "Parameters<typeof P.lint>[0]",
    "Dated<With<R.lint_input.Root, { spec?: P.CredentialSpec; credential?: P.Credential | null; usage?: P.UsageEntry[] | null }>>"],
  ["UsageEntry", "P.UsageEntry", "With<R.lint_input.UsageEntry, { request: P.AccessRequest }>"],
  ["suggest input", "Parameters<typeof P.suggest>[0]",
    "Dated<With<R.suggest_input.Root, { spec: P.CredentialSpec; usage: P.UsageEntry[] }>>"],
  ["create_credential input", "Parameters<typeof P.createCredential>[0]",
    "Opt<With<R.create_credential_input.Root, { spec: P.CredentialSpec }>, 'now' | 'entropy'>"],
  ["update_credential input", "Parameters<typeof P.updateCredential>[0]",
    "Opt<With<R.update_credential_input.Root, { credential: P.Credential; spec?: P.CredentialSpec | null }>, 'now'>"],
  ["rotate_secret input", "Parameters<typeof P.rotateSecret>[0]",
    "Opt<With<R.rotate_secret_input.Root, { credential: P.Credential }>, 'now' | 'entropy'>"],
  ["explain input", "Parameters<typeof P.explain>[0]",
    "With<R.explain_input.Root, { permissions: P.PermissionInput[]; request: P.AccessRequest }>"],
  ["sign_revocations input", "Parameters<typeof P.signRevocations>[0]", "Opt<R.sign_revocations_input.Root, 'now'>"],
  ["load_revocations input", "Parameters<typeof P.loadRevocations>[0]", "With<R.load_revocations_input.Root, { jwks: P.Jwks }>"],
  ["Verifier.loadRevocations input", "Parameters<P.Verifier['loadRevocations']>[0]", "R.load_revocations_input.Root['revocations']"],
  ["diff input", "Parameters<typeof P.diff>[0]", "With<R.diff_input.Root, { before: P.CredentialSpec; after: P.CredentialSpec }>"],
  ["set_type_defaults input", "{ set_type: Parameters<typeof P.setTypeDefaults>[0] }", "With<R.set_type_defaults_input.Root, { set_type: P.SetType }>"],
  // The core reads an object with no members; the function takes no arguments.
  ["vocabulary input", "keyof R.vocabulary_input.Root", "never"],
  ["vocabulary arguments", "Parameters<typeof P.vocabulary>", "[]"],
  ["public_jwks input", "{ signing_keys: Parameters<typeof P.publicJwks>[0] }", "R.public_jwks_input.Root"],
  ["parse_bearer input", "{ authorization?: Parameters<typeof P.parseBearer>[0] }", "R.parse_bearer_input.Root"],
  ["verify_secret input", "Parameters<typeof P.verifySecret>[0]", "Dated<With<R.verify_secret_input.Root, { credential: P.Credential }>>"],

  // what is thrown
  ["CredgateErrorShape", "P.CredgateErrorShape",
    "N<Omit<R.failure.Root, 'ok' | 'error'> & { code: R.failure.Root['error']; path?: string }>"],
  ["CredgateError", "Pick<E.CredgateError, keyof P.CredgateErrorShape>", "P.CredgateErrorShape"],
  ["codes()", "ReturnType<typeof P.codes>", "R.failure.Code[]"],
];

const MACROS = {
  DECISION: "Out<With<R.authorize_answer.Root, { ok: true; reason: 'allow' | 'deny.no_matching_permission' | 'deny.ip_not_allowed' | 'deny.ip_invalid' | 'deny.org_mismatch' }>, 'answer'>",
  CHECKED: "Out<With<R.check_answer.Root, { ok: true; status: 200 | 400 | 401 | 403 }>, 'answer'>",
  PREPARED_CHECK: "Opt<With<Omit<R.check_input.Root, 'jwks' | 'issuer' | 'audience' | 'leeway' | 'revoked_jtis' | 'revocations' | 'cache'>, { request: P.AccessRequest }>, 'now'>",
};
const REFUSAL = (t) => `Out<With<${t}, { ok: false; status: 400 | 401 }>, 'answer'>`;

function expand(expr) {
  return expr
    .replace(/REFUSAL<([^>]+)>/g, (_, t) => REFUSAL(t))
    .replace(/\b(DECISION|CHECKED|PREPARED_CHECK)\b/g, (m) => MACROS[m]);
}

/** The TypeScript of every Rust schema, one namespace per operation and direction. */
export function rustTypes(schemas) {
  const parts = [];
  for (const [op, { input, answer }] of Object.entries(schemas.operations)) {
    parts.push(namespace(`${op}_input`, input, "input"), namespace(`${op}_answer`, answer, "answer"));
  }
  parts.push(namespace("failure", schemas.failure, "answer"));
  return `${parts.join("\n")}\n`;
}

/** The assertions: one line per check, named in a comment. */
export function checks() {
  const lines = [
    `import type * as P from ${JSON.stringify(dts)};`,
    `import type * as R from "./rust.js";`,
    `import type * as E from ${JSON.stringify(errorsDts)};`,
    HELPERS,
  ];
  CHECKS.forEach(([what, declared, expected], i) => {
    lines.push(`export type Check${i} = Assert<Equals<N<${declared}>, N<${expand(expected)}>>>; // ${what}`);
  });
  return `${lines.join("\n")}\n`;
}

/** Writes the two files into `dir` and runs tsc; returns the failing checks' names and output. */
export function typecheck(schemas, dir) {
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(dir, "rust.ts"), rustTypes(schemas));
  writeFileSync(join(dir, "check.ts"), checks());
  const r = spawnSync(
    tsc,
    ["--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "--lib", "es2022,esnext.disposable,dom", join(dir, "check.ts")],
    { cwd: dir, encoding: "utf8" },
  );
  const output = `${r.stdout}${r.stderr}`;
  const source = checks().split("\n");
  const failing = [...output.matchAll(/check\.ts\((\d+),\d+\)/g)].map((m) => source[Number(m[1]) - 1]?.split("// ")[1] ?? `line ${m[1]}`);
  return { status: r.status, output, failing: [...new Set(failing)] };
}

function loadSchemas() {
  assert.ok(existsSync(schemasPath), `${schemasPath} is missing: run \`make test-wasm\` (it writes it)`);
  return JSON.parse(readFileSync(schemasPath, "utf8"));
}

test("every declared type equals the type built from the Rust schema (tsc --noEmit --strict)", () => {
  const schemas = loadSchemas();
  const dir = mkdtempSync(join(tmp, "ok-"));
  const { status, output, failing } = typecheck(schemas, dir);
  assert.equal(status, 0, `declared types that differ from Rust: ${failing.join("; ")}\n${output}`);
});

test("every operation's input and answer is checked", () => {
  const schemas = loadSchemas();
  const names = new Set(CHECKS.map(([what]) => what));
  for (const op of Object.keys(schemas.operations)) {
    assert.ok(names.has(`${op} answer`), `${op}: no check of its answer`);
    assert.ok(names.has(`${op} input`), `${op}: no check of its input`);
  }
});

test("a member renamed in the Rust schema fails the check (the test can fail)", () => {
  const schemas = loadSchemas();
  const claims = schemas.operations.verify_token.answer.$defs.Claims;
  claims.properties.issuer = claims.properties.iss;
  delete claims.properties.iss;
  claims.required = claims.required.map((n) => (n === "iss" ? "issuer" : n));
  const answer = schemas.operations.check.answer;
  answer.$defs.Reason.enum.push("deny.something_new");
  const dir = mkdtempSync(join(tmp, "bad-"));
  const { status, failing } = typecheck(schemas, dir);
  assert.notEqual(status, 0);
  assert.ok(failing.includes("Claims"), failing.join("; "));
  assert.ok(failing.includes("verify_token answer"), failing.join("; "));
  assert.ok(failing.includes("Reason"), failing.join("; "));
  assert.ok(failing.includes("check answer"), failing.join("; "));
});
