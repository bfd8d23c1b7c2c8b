// docs/OUTCOMES.md, walked through the package: for every operation of the core
// (`operations()`, the core's `Operation::ALL`), an input whose outcome is returned with its
// `outcome` ("result" or "answer") and one whose failure is thrown as a `CredgateError` with
// its code. And the codes: `codes()` equals the declared `Code` union, and every code an
// error carries is one of them.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as credgate from "../pkg/node.js";
import { OPS } from "./conformance.mjs";
import { AUDIENCE, ISSUER, K1, NOW, SPEC, issue, makeCredential } from "./helpers.mjs";

const { credential, client_secret } = makeCredential(credgate);
const jwks = credgate.publicJwks([K1]);
const token = issue(credgate);
const verifier = { jwks, issuer: ISSUER, audience: AUDIENCE };
const request = { type: "balances", action: "read", vault: "vlt_1" };
const issueInput = { credential, client_secret, client_ip: "203.0.113.9", now: NOW, signing_key: K1, jti: "j1", issuer: ISSUER, audience: AUDIENCE };
const rotateInput = { credential, now: NOW, entropy: "7c".repeat(32), grace_seconds: 3600 };
const signInput = { signing_key: K1, issuer: ISSUER, epoch: 2, now: NOW, entries: [{ client_id: credential.client_id, not_before: NOW + 1 }] };
const list = credgate.signRevocations(signInput).revocations;
const form = { "content-type": "application/x-www-form-urlencoded" };

/**
 * op: [[façade input, the outcome returned], ..., [façade input, the code thrown]]; inputs
 * are the core's (CONFORMANCE.md), called through the package's functions as the conformance
 * runner does.
 */
const TABLE = {
  parse_permission: [[{ text: "vault:read:org" }, "result"], [{ text: "vault:read" }, "permission.invalid"]],
  validate_spec: [[{ spec: SPEC }, "answer"], [{ spec: { ...SPEC, name: "ab" } }, "answer"], [{}, "input.invalid"]],
  ip_allowed: [[{ allowlist: ["10.0.0.0/8"], ip: "10.1.2.3" }, "answer"], [{ allowlist: ["10.0.0.0/8"], ip: "11.0.0.1" }, "answer"], [{ allowlist: ["10.0.0.1/8"], ip: "10.0.0.1" }, "ip.host_bits_set"]],
  authorize: [[{ permissions: ["balances:read:org"], request }, "answer"], [{ permissions: ["vault:read:org", "vault:read"], request }, "permission.invalid"]],
  verify_token: [[{ ...verifier, token, now: NOW }, "result"], [{ ...verifier, token, now: NOW + 86_400 }, "token.expired"], [{ ...verifier, revocations: list, token, now: NOW }, "token.revoked"], [{ ...verifier, revocations: "x", token, now: NOW }, "revocations.invalid"]],
  check: [[{ ...verifier, token, now: NOW, client_ip: "203.0.113.9", request }, "answer"], [{ ...verifier, token: "x", now: NOW, client_ip: "203.0.113.9", request: { type: "wallet" } }, "answer"], [{ ...verifier, jwks: { keys: 1 }, token, now: NOW, client_ip: "203.0.113.9", request }, "jwks.invalid"]],
  parse_token_request: [[{ method: "POST", headers: form, body: "grant_type=client_credentials&client_id=c&client_secret=s" }, "result"], [{ method: "GET", headers: [["content-type", "text/plain"]], body: "" }, "answer"], [{ headers: form }, "input.invalid"]],
  issue_token: [[issueInput, "result"], [{ ...issueInput, client_secret: "wrong" }, "answer"], [{ ...issueInput, signing_key: { kid: "k1", seed: "00" } }, "key.invalid"]],
  preview: [[{ permissions: ["vault:read:org"], resources: { vaults: { vlt_1: ["key_1"] } } }, "result"], [{ permissions: ["vault:read:org", "nope"] }, "permission.invalid"]],
  lint: [[{ spec: SPEC }, "answer"], [{ credential, now: NOW, usage: [] }, "answer"], [{ spec: { ...SPEC, environment: "x" } }, "answer"], [{ spec: SPEC, now: "today" }, "input.invalid"]],
  create_credential: [[{ spec: SPEC, org: "org_1", now: NOW, entropy: "5a".repeat(48) }, "result"], [{ spec: { ...SPEC, name: "ab" }, org: "org_1", now: NOW }, "spec.invalid"]],
  update_credential: [[{ credential, action: "disable", now: NOW }, "result"], [{ credential: credgate.updateCredential({ credential, action: "delete", now: NOW }).credential, action: "enable", now: NOW }, "credential.deleted"]],
  set_type_defaults: [[{ set_type: "wallets" }, "result"], [{ set_type: "wallet" }, "set_type.unknown"]],
  public_jwks: [[{ signing_keys: [K1] }, "result"], [{ signing_keys: [K1, K1] }, "jwks.invalid"]],
  parse_bearer: [[{ authorization: "Bearer abc" }, "result"], [{ authorization: null }, "answer"], [{ authorization: 7 }, "input.invalid"]],
  verify_secret: [[{ credential, client_secret }, "answer"], [{ credential, client_secret, now: NOW }, "answer"], [{ credential: { ...credential, org: 1 }, client_secret }, "credential.invalid"]],
  explain: [[{ permissions: ["balances:read:org"], request }, "answer"], [{ permissions: ["balances:read:org"], request, org: "org_2" }, "answer"], [{ permissions: ["nope"], request }, "permission.invalid"]],
  diff: [[{ before: SPEC, after: { ...SPEC, permissions: ["vault:read:org"] } }, "answer"], [{ before: SPEC, after: { ...SPEC, name: "ab" } }, "answer"], [{ before: SPEC }, "input.invalid"]],
  sign_revocations: [[signInput, "result"], [{ ...signInput, signing_key: { kid: "k1", seed: "00" } }, "key.invalid"], [{ ...signInput, epoch: -1 }, "input.invalid"]],
  load_revocations: [[{ revocations: list, jwks, issuer: ISSUER }, "result"], [{ revocations: list, jwks, issuer: ISSUER, held_epoch: 3 }, "revocations.stale"], [{ revocations: "x.y.z", jwks, issuer: ISSUER }, "revocations.invalid"]],
  suggest: [[{ spec: SPEC, usage: [{ request: { type: "transaction", action: "read", vault: "vlt_1" }, last_at: NOW }] }, "answer"], [{ spec: { ...SPEC, name: "ab" }, usage: [] }, "answer"], [{ spec: SPEC, usage: [{ request: {}, last_at: "today" }] }, "input.invalid"]],
  // Takes nothing, so nothing to refuse: the one operation without a thrown row.
  vocabulary: [[{}, "result"]],
  rotate_secret: [[rotateInput, "result"], [{ ...rotateInput, credential: credgate.rotateSecret(rotateInput).credential }, "credential.secret_limit"], [{ ...rotateInput, grace_seconds: -1 }, "input.invalid"]],
};

const CODES = new Set(credgate.codes());
const SEEN = new Set();

test("the table covers every operation of the core, and only those", () => {
  assert.deepEqual(Object.keys(TABLE).sort(), [...credgate.operations()].sort());
  assert.deepEqual(Object.keys(OPS).sort(), [...credgate.operations()].sort());
});

for (const [op, rows] of Object.entries(TABLE)) {
  test(`${op}: returned with its outcome, or thrown with its code`, () => {
    assert.ok(rows.some(([, want]) => want === "result" || want === "answer"), "a returned row");
    if (op !== "vocabulary") assert.ok(rows.some(([, want]) => want !== "result" && want !== "answer"), "a thrown row");
    for (const [input, want] of rows) {
      if (want === "result" || want === "answer") {
        const out = OPS[op](input);
        assert.equal(out.outcome, want, `${op} ${JSON.stringify(input).slice(0, 80)}`);
        assert.equal(typeof out.ok, "boolean");
      } else {
        let error;
        try {
          OPS[op](input);
        } catch (e) {
          error = e;
        }
        assert.ok(error instanceof Error && error.name === "CredgateError", `${op}: a CredgateError is thrown`);
        assert.equal(error.code, want, error.message);
        assert.ok(error.message.length > 0);
        assert.equal(error.outcome, undefined, "a thrown error has no outcome member");
        SEEN.add(error.code);
      }
    }
  });
}

test("an unknown operation is not callable: every operation is a function of the package", () => {
  for (const op of credgate.operations()) assert.equal(typeof OPS[op], "function", op);
});

test("codes() equals the Code union declared in credgate.d.ts", () => {
  const dts = readFileSync(new URL("../pkg/credgate.d.ts", import.meta.url), "utf8");
  const body = /export type Code =([^;]*);/.exec(dts);
  assert.ok(body, "credgate.d.ts declares `export type Code`");
  const declared = [...body[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(declared, credgate.codes());
  assert.equal(new Set(declared).size, declared.length, "no code declared twice");
});

test("every code a CredgateError carried here is one of codes()", () => {
  assert.ok(SEEN.size >= 10, [...SEEN].join(", "));
  for (const code of SEEN) assert.ok(CODES.has(code), code);
});

test("the codes a CredgateError can carry (the core's failure schema) are codes()", () => {
  const path = process.env.CREDGATE_SCHEMAS || new URL("../../target/wasm-schema/schemas.json", import.meta.url);
  const failure = JSON.parse(readFileSync(path, "utf8")).failure;
  assert.equal(failure.properties.error.$ref, "#/$defs/Code");
  assert.deepEqual(failure.$defs.Code.enum, credgate.codes());
});
