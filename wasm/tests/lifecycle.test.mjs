// The credential lifecycle through the package (issue 10, docs/LIFECYCLE.md): explain, diff,
// suggest, rotateSecret, the new updateCredential actions, lint of stored records and usage,
// signed revocation lists (signRevocations, loadRevocations, a Verifier that holds a list).
// Each function also gets hostile input (a throwing getter, a revoked Proxy): a CredgateError
// `input.invalid`, and the module keeps working.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as credgate from "../pkg/node.js";
import * as edge from "../pkg/edge-node.js";
import { AUDIENCE, ISSUER, K1, K2, NOW, SPEC, issue, makeCredential, thrown } from "./helpers.mjs";

const REQUEST = Object.freeze({ type: "balances", action: "read", vault: "vlt_1" });

/** `fn` throws a CredgateError with `code`. */
function throwsCode(fn, code) {
  const e = thrown(fn);
  assert.equal(e.name, "CredgateError", String(e));
  assert.equal(e.code, code, e.message);
  return e;
}

/** An object whose `member` getter throws, and a revoked Proxy. */
function hostile(base, member) {
  const getter = { ...base };
  Object.defineProperty(getter, member, { enumerable: true, get() { throw new Error("boom"); } });
  const { proxy, revoke } = Proxy.revocable({ ...base }, {});
  revoke();
  return [getter, proxy];
}

/** Hostile inputs to `fn` are input.invalid, and the module still explains a request. */
function survivesHostile(fn, base, member) {
  for (const input of hostile(base, member)) throwsCode(() => fn(input), "input.invalid");
  assert.equal(credgate.explain({ permissions: ["balances:read:org"], request: REQUEST }).allowed, true, "the module keeps working");
}

describe("explain (SPEC §10)", () => {
  test("allow through a wider permission: the narrowest one, and wider_than_needed", () => {
    const out = credgate.explain({ permissions: ["balances:read:org"], request: REQUEST });
    assert.deepEqual(out, {
      outcome: "answer", ok: true, allowed: true, reason: "allow", matched: "balances:read:org",
      narrowest: "balances:read:vault:vlt_1", wider_than_needed: true,
    });
    const exact = credgate.explain({ permissions: ["balances:read:vault:vlt_1"], request: REQUEST });
    assert.equal(exact.wider_than_needed, false);
  });

  test("a deny names what would allow it; an org mismatch has no narrowest", () => {
    const deny = credgate.explain({ permissions: ["vault:read:org"], request: { type: "key", action: "read", vault: "v1", key: "k1" } });
    assert.equal(deny.allowed, false);
    assert.equal(deny.narrowest, "key:read:key:k1");
    assert.equal(deny.wider_than_needed, undefined);
    const org = credgate.explain({ permissions: ["balances:read:org"], request: { ...REQUEST, org: "org_2" }, org: "org_1" });
    assert.equal(org.reason, "deny.org_mismatch");
    assert.equal("narrowest" in org, false);
  });

  test("authorize's failures are thrown", () => {
    assert.equal(throwsCode(() => credgate.explain({ permissions: ["balances:read:org", "nope"], request: REQUEST }), "permission.invalid").index, 1);
    throwsCode(() => credgate.explain({ permissions: [], request: { type: "balances" } }), "request.invalid");
  });

  test("hostile input", () => survivesHostile(credgate.explain, { permissions: ["balances:read:org"], request: REQUEST }, "request"));
});

describe("diff (SPEC §11)", () => {
  test("a narrowing grants nothing new", () => {
    const out = credgate.diff({ before: SPEC, after: { ...SPEC, permissions: ["transaction:read:vault:vlt_1"] } });
    assert.equal(out.ok, true);
    assert.equal(out.grants_new_access, false);
    assert.deepEqual(out.new_access, []);
    assert.deepEqual(out.permissions.added, ["transaction:read:vault:vlt_1"]);
    assert.equal(out.permissions.removed.length, 3);
    assert.equal(out.environment, undefined);
  });

  test("a widening: each cause at its path in `after`", () => {
    const out = credgate.diff({
      before: SPEC,
      after: { ...SPEC, permissions: [...SPEC.permissions, "vault:delete:org"], ip_allowlist: ["10.0.0.0/24"], environment: "sandbox" },
    });
    assert.equal(out.grants_new_access, true);
    assert.deepEqual(out.new_access.map((f) => [f.code, f.path]).sort(), [
      ["diff.environment_changed", "after.environment"],
      ["diff.ip_not_covered", "after.ip_allowlist[0]"],
      ["diff.permission_not_covered", "after.permissions[3]"],
    ]);
    assert.ok(out.new_access.every((f) => f.message.length > 0));
    assert.deepEqual(out.environment, { before: "production", after: "sandbox" });
    assert.deepEqual(out.ip_allowlist.added, ["10.0.0.0/24"]);
  });

  test("an invalid spec is an answer with prefixed paths; a missing version is input.invalid", () => {
    const out = credgate.diff({ before: { ...SPEC, name: "ab" }, after: { ...SPEC, environment: "x" } });
    assert.equal(out.ok, false);
    assert.equal(out.error, "spec.invalid");
    assert.deepEqual(out.errors.map((e) => e.path).sort(), ["after.environment", "before.name"]);
    throwsCode(() => credgate.diff({ after: SPEC }), "input.invalid");
  });

  test("hostile input", () => survivesHostile(credgate.diff, { before: SPEC, after: SPEC }, "after"));
});

describe("rotateSecret and the secret actions", () => {
  const { credential, client_secret } = makeCredential(credgate);
  const rotate = (extra = {}) => credgate.rotateSecret({ credential, now: NOW, entropy: "7c".repeat(32), grace_seconds: 600, ...extra });

  test("both secrets work during the grace period, the old one not after it", () => {
    const rotated = rotate();
    assert.equal(rotated.outcome, "result");
    assert.equal(rotated.credential.secrets.length, 2);
    assert.equal(rotated.credential.secrets[0].expires_at, NOW + 600);
    assert.notEqual(rotated.client_secret, client_secret);
    assert.ok(!JSON.stringify(rotated.credential).includes(rotated.client_secret));
    const check = (secret, now) => credgate.verifySecret({ credential: rotated.credential, client_secret: secret, now });
    assert.deepEqual([check(client_secret, NOW + 1).secret, check(rotated.client_secret, NOW + 1).secret], [0, 1]);
    assert.equal(check(client_secret, NOW + 600).valid, false);
    assert.equal(check(rotated.client_secret, NOW + 600).valid, true);
    assert.equal(check(client_secret).valid, true, "without now, every secret on the record counts");
  });

  test("a third live secret is refused; revoke_secret and secret_used", () => {
    const rotated = rotate().credential;
    throwsCode(() => rotate({ credential: rotated }), "credential.secret_limit");
    const revoked = credgate.updateCredential({ credential: rotated, action: "revoke_secret", secret: 0, now: NOW + 5 }).credential;
    assert.equal(revoked.secrets.length, 1);
    throwsCode(() => credgate.updateCredential({ credential: revoked, action: "revoke_secret", secret: 0, now: NOW + 6 }), "credential.secret_required");
    const used = credgate.updateCredential({ credential: revoked, action: "secret_used", secret: 0, now: NOW + 7 }).credential;
    assert.equal(used.secrets[0].last_used_at, NOW + 7);
    throwsCode(() => credgate.updateCredential({ credential: revoked, action: "secret_used", now: NOW }), "input.invalid");
  });

  test("entropy and now default to crypto.getRandomValues and the clock", () => {
    const a = credgate.rotateSecret({ credential, grace_seconds: 0 });
    const b = credgate.rotateSecret({ credential, grace_seconds: 0 });
    assert.notEqual(a.client_secret, b.client_secret);
    assert.ok(a.credential.updated_at >= Math.floor(Date.now() / 1000) - 5);
  });

  test("issueToken tells which secret was used", () => {
    const rotated = rotate();
    const issued = credgate.issueToken({
      credential: rotated.credential, client_secret: rotated.client_secret, client_ip: "203.0.113.9", now: NOW + 1,
      signing_key: { kid: "k1", seed: "11".repeat(32) }, jti: "j", issuer: "i", audience: "a",
    });
    assert.equal(issued.ok, true);
    assert.equal(issued.secret, 1);
  });

  test("hostile input", () => survivesHostile(credgate.rotateSecret, { credential, now: NOW, grace_seconds: 0 }, "credential"));
});

describe("set_spec, set_expiry, createCredential expires_at", () => {
  const { credential } = makeCredential(credgate);

  test("set_spec replaces the spec; an invalid one throws every problem", () => {
    const updated = credgate.updateCredential({ credential, action: "set_spec", spec: { ...SPEC, permissions: ["vault:read:org"] }, now: NOW }).credential;
    assert.deepEqual(updated.permissions, ["vault:read:org"]);
    assert.equal(updated.client_id, credential.client_id);
    const e = throwsCode(() => credgate.updateCredential({ credential, action: "set_spec", spec: { ...SPEC, name: "ab", environment: "x" }, now: NOW }), "spec.invalid");
    assert.equal(e.errors.length, 2);
  });

  test("set_expiry sets and clears; createCredential takes expires_at", () => {
    const expiring = credgate.updateCredential({ credential, action: "set_expiry", expires_at: NOW + 86_400, now: NOW }).credential;
    assert.equal(expiring.expires_at, NOW + 86_400);
    const never = credgate.updateCredential({ credential: expiring, action: "set_expiry", expires_at: null, now: NOW }).credential;
    assert.equal("expires_at" in never, false);
    const created = credgate.createCredential({ spec: SPEC, org: "org_1", now: NOW, entropy: "5a".repeat(48), expires_at: NOW + 60 });
    assert.equal(created.credential.expires_at, NOW + 60);
  });

  test("hostile input", () => survivesHostile(credgate.updateCredential, { credential, action: "set_expiry", expires_at: null, now: NOW }, "expires_at"));
});

describe("lint of records and usage, and suggest", () => {
  const { credential } = makeCredential(credgate);
  const usage = [{ request: { type: "transaction", action: "read", vault: "vlt_1" }, last_at: NOW - 10, count: 3 }];

  test("lint takes a stored record: no expiry on a production credential", () => {
    const out = credgate.lint({ credential, now: NOW });
    assert.equal(out.ok, true);
    assert.ok(out.findings.some((f) => f.code === "lint.no_expiry" && f.path === "expires_at"), JSON.stringify(out.findings));
  });

  test("lint with usage flags the permissions never used", () => {
    const out = credgate.lint({ spec: SPEC, usage, now: NOW });
    const unused = out.findings.filter((f) => f.code === "lint.unused_permission").map((f) => f.path).sort();
    assert.deepEqual(unused, ["permissions[1]", "permissions[2]"]);
  });

  test("suggest narrows to what was used, and its diff grants nothing new", () => {
    const out = credgate.suggest({ spec: SPEC, usage, now: NOW });
    assert.equal(out.outcome, "answer");
    assert.equal(out.ok, true);
    assert.equal(out.unused_credential, false);
    assert.deepEqual(out.spec.permissions, ["transaction:read:vault:vlt_1"]);
    assert.deepEqual(out.narrowed, [{ from: "transaction:read:org", to: ["transaction:read:vault:vlt_1"] }]);
    assert.deepEqual([...out.removed].sort(), ["balances:read:vault:vlt_1", "key:update:key:key_9"]);
    assert.equal(out.diff.grants_new_access, false);
  });

  test("nothing used: no spec, unused_credential", () => {
    const out = credgate.suggest({ spec: SPEC, usage: [] });
    assert.equal(out.unused_credential, true);
    assert.equal(out.spec, undefined);
  });

  test("more than 10,000 usage entries is input.invalid", () => {
    const many = Array.from({ length: 10_001 }, () => usage[0]);
    throwsCode(() => credgate.suggest({ spec: SPEC, usage: many }), "input.invalid");
  });

  test("hostile input", () => {
    survivesHostile(credgate.suggest, { spec: SPEC, usage }, "usage");
    survivesHostile(credgate.lint, { credential, now: NOW }, "credential");
  });
});

describe("revocation lists", () => {
  const { credential } = makeCredential(credgate);
  const token = issue(credgate);
  const jwks = credgate.publicJwks([K1]);
  const sign = (epoch, entries = [{ client_id: credential.client_id, not_before: NOW + 1 }], extra = {}) =>
    credgate.signRevocations({ signing_key: K1, issuer: ISSUER, epoch, now: NOW, entries, ...extra });
  const CHECK = Object.freeze({ client_ip: "203.0.113.9", request: REQUEST, now: NOW + 10 });

  test("signRevocations drops spent entries; loadRevocations verifies", () => {
    const signed = sign(1, [{ client_id: credential.client_id, not_before: NOW - 3600 }, { jti: "j-1", revoked_at: NOW - 5 }]);
    assert.equal(signed.outcome, "result");
    assert.deepEqual(signed.entries, [{ jti: "j-1", revoked_at: NOW - 5 }]);
    assert.equal(JSON.parse(Buffer.from(signed.revocations.split(".")[0], "base64url")).typ, "revocations+jwt");
    const loaded = credgate.loadRevocations({ revocations: signed.revocations, jwks, issuer: ISSUER });
    assert.deepEqual(loaded, { outcome: "result", ok: true, epoch: 1, issued_at: NOW, entries: signed.entries });
    throwsCode(() => credgate.loadRevocations({ revocations: signed.revocations, jwks, issuer: ISSUER, held_epoch: 2 }), "revocations.stale");
    throwsCode(() => credgate.loadRevocations({ revocations: signed.revocations, jwks, issuer: "https://other.test" }), "revocations.invalid");
    const foreign = credgate.signRevocations({ signing_key: K2, issuer: ISSUER, epoch: 1, now: NOW, entries: [] }).revocations;
    throwsCode(() => credgate.loadRevocations({ revocations: foreign, jwks, issuer: ISSUER }), "revocations.invalid");
    throwsCode(() => credgate.loadRevocations({ revocations: token, jwks, issuer: ISSUER }), "revocations.invalid");
  });

  test("check and verifyToken with a list refuse a revoked token (401 token.revoked); without one, SPEC §5", () => {
    const { revocations } = sign(1);
    const input = { token, jwks, issuer: ISSUER, audience: AUDIENCE, ...CHECK };
    const refused = credgate.check({ ...input, revocations });
    assert.deepEqual([refused.allowed, refused.status, refused.reason], [false, 401, "token.revoked"]);
    assert.equal(credgate.check(input).status, 200);
    // verifyToken takes no client_ip or request (unknown options are refused: issue 12).
    const { client_ip: _ip, request: _request, ...verifyInput } = input;
    throwsCode(() => credgate.verifyToken({ ...verifyInput, revocations }), "token.revoked");
    throwsCode(() => credgate.check({ ...input, revocations: "x" }), "revocations.invalid");
  });

  for (const [name, build] of [["full", credgate], ["edge", edge]]) {
    test(`${name} build: a Verifier holds one list; the epoch never goes down`, () => {
      const verifier = new build.Verifier(jwks, { issuer: ISSUER, audience: AUDIENCE });
      assert.equal(verifier.revocationsEpoch, undefined);
      assert.equal(verifier.check({ token, ...CHECK }).status, 200);
      const loaded = verifier.loadRevocations(sign(2).revocations);
      assert.deepEqual([loaded.outcome, loaded.epoch, loaded.issued_at], ["result", 2, NOW]);
      assert.equal(verifier.revocationsEpoch, 2);
      const refused = verifier.check({ token, ...CHECK });
      assert.deepEqual([refused.status, refused.reason], [401, "token.revoked"]);
      // A lower epoch is stale, an invalid list invalid: the held list stays either way.
      throwsCode(() => verifier.loadRevocations(sign(1, []).revocations), "revocations.stale");
      throwsCode(() => verifier.loadRevocations("not a list"), "revocations.invalid");
      throwsCode(() => verifier.loadRevocations(42), "input.invalid");
      assert.equal(verifier.revocationsEpoch, 2);
      assert.equal(verifier.check({ token, ...CHECK }).reason, "token.revoked");
      // An equal epoch is a re-fetch; a newer list without the entry lets the token through.
      verifier.loadRevocations(sign(2).revocations);
      verifier.loadRevocations(sign(3, []).revocations);
      assert.equal(verifier.check({ token, ...CHECK }).status, 200);
      verifier.free();
    });

    test(`${name} build: a list in the Verifier's options`, () => {
      const verifier = new build.Verifier(jwks, { issuer: ISSUER, audience: AUDIENCE, revocations: sign(1).revocations });
      assert.equal(verifier.revocationsEpoch, 1);
      assert.equal(verifier.check({ token, ...CHECK }).reason, "token.revoked");
      verifier.free();
      throwsCode(() => new build.Verifier(jwks, { issuer: ISSUER, audience: AUDIENCE, revocations: "x" }), "revocations.invalid");
    });
  }

  test("hostile input", () => {
    survivesHostile(credgate.signRevocations, { signing_key: K1, issuer: ISSUER, epoch: 1, now: NOW, entries: [] }, "entries");
    survivesHostile(credgate.loadRevocations, { revocations: sign(1).revocations, jwks, issuer: ISSUER }, "jwks");
    for (const options of hostile({ issuer: ISSUER, audience: AUDIENCE }, "revocations")) {
      throwsCode(() => new edge.Verifier(jwks, options), "input.invalid");
    }
    const verifier = new edge.Verifier(jwks, { issuer: ISSUER, audience: AUDIENCE });
    throwsCode(() => verifier.loadRevocations({ toString() { throw new Error("boom"); } }), "input.invalid");
    assert.equal(verifier.loadRevocations(sign(1).revocations).epoch, 1, "the Verifier keeps working");
    verifier.free();
  });
});
