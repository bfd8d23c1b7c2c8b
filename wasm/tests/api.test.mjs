// The package's API as a JS developer uses it: every function and class, what is returned,
// what is thrown (a `CredgateError` with a stable `code`), and every error path.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readFileSync } from "node:fs";
import * as credgate from "../pkg/node.js";
import { AUDIENCE, HEADER, ISSUER, K1, K2, NOW, SPEC, claims, issue, makeCredential, signJws, thrown } from "./helpers.mjs";

const THROWN = new Set();

/** Asserts a thrown CredgateError with `code` (and returns it for more checks). */
function throwsCode(fn, code) {
  const e = thrown(fn);
  THROWN.add(e.code);
  assert.ok(e instanceof Error, "a JS Error");
  assert.equal(e.name, "CredgateError");
  assert.equal(e.code, code, `code (message: ${e.message})`);
  assert.ok(typeof e.message === "string" && e.message.length > 0, "a message");
  return e;
}

const JWKS = credgate.publicJwks([K1, K2]);
const verifyInput = (token, extra = {}) => ({ token, jwks: JWKS, now: NOW + 10, issuer: ISSUER, audience: AUDIENCE, ...extra });
const REQUEST = Object.freeze({ type: "balances", action: "read", vault: "vlt_1" });

describe("parsePermission", () => {
  test("text and JSON forms give the canonical text", () => {
    const text = credgate.parsePermission("balances:read:vault:vlt_01");
    assert.equal(text.canonical, "balances:read:vault:vlt_01");
    assert.deepEqual(text.permission, { type: "balances", action: "read", scope: "vault", resource: "vlt_01" });
    const json = credgate.parsePermission({ type: "transaction", action: "read", scope: "org" });
    assert.equal(json.canonical, "transaction:read:org");
    assert.equal(json.permission.resource, undefined);
  });

  for (const [text, code] of [
    ["balances:read", "permission.invalid"],
    ["balances: read:org", "permission.invalid"],
    ["wallet:read:org", "permission.unknown_type"],
    ["vault:list:org", "permission.unknown_action"],
    ["vault:read:team", "permission.unknown_scope"],
    ["vault:read:vault:a/b", "permission.invalid_resource"],
    ["vault:read:org:org_1", "permission.resource_with_org_scope"],
    ["webhook:read:vault", "permission.scope_not_applicable"],
  ]) {
    test(`\`${text}\` throws ${code}`, () => throwsCode(() => credgate.parsePermission(text), code));
  }

  test("a value of another kind is an invalid permission", () => {
    throwsCode(() => credgate.parsePermission(42), "permission.invalid");
  });
});

describe("validateSpec", () => {
  test("a valid spec", () => assert.deepEqual(credgate.validateSpec(SPEC), { outcome: "answer", ok: true }));

  test("every problem is returned at once, not thrown", () => {
    const out = credgate.validateSpec({ ...SPEC, name: "ab", permissions: [], ip_allowlist: ["10.0.0.1/24"], environment: "prod" });
    assert.equal(out.ok, false);
    const found = out.errors.map((e) => `${e.path} ${e.code}`).sort();
    assert.deepEqual(found, ["environment environment.unknown", "ip_allowlist[0] ip.host_bits_set", "name name.length", "permissions permissions.empty"]);
    for (const e of out.errors) assert.ok(e.message.length > 0);
  });

  test("something that is not a spec is reported too; no spec at all is invalid input", () => {
    const out = credgate.validateSpec(null);
    assert.deepEqual([out.outcome, out.ok, out.error], ["answer", false, "spec.invalid"]);
    assert.equal(out.errors[0].code, "spec.invalid");
    throwsCode(() => credgate.validateSpec(), "input.invalid");
  });
});

describe("ipAllowed", () => {
  test("decisions are returned", () => {
    assert.deepEqual(credgate.ipAllowed({ allowlist: ["198.51.100.0/24"], ip: "198.51.100.255" }), { outcome: "answer", ok: true, allowed: true, reason: "allow" });
    assert.equal(credgate.ipAllowed({ allowlist: ["198.51.100.0/24"], ip: "198.51.101.0" }).reason, "deny.ip_not_allowed");
    assert.equal(credgate.ipAllowed({ allowlist: ["0.0.0.0/0"], ip: "::ffff:203.0.113.7" }).allowed, true);
    assert.equal(credgate.ipAllowed({ allowlist: ["0.0.0.0/0"], ip: "2001:db8::1" }).reason, "deny.ip_not_allowed");
    assert.equal(credgate.ipAllowed({ allowlist: ["0.0.0.0/0"], ip: "not an ip" }).reason, "deny.ip_invalid");
  });

  for (const [allowlist, code] of [
    [[], "ip.empty"],
    [["1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5", "1.1.1.6", "1.1.1.7"], "ip.too_many"],
    [["010.0.0.1"], "ip.invalid"],
    [["2001:db8::/32"], "ip.ipv6_unsupported"],
    [["10.0.0.1/24"], "ip.host_bits_set"],
    [["10.0.0.1", "10.0.0.1/32"], "ip.duplicate"],
  ]) {
    test(`an invalid allowlist throws ${code}`, () => throwsCode(() => credgate.ipAllowed({ allowlist, ip: "10.0.0.1" }), code));
  }
});

describe("authorize", () => {
  test("allow names the first matching permission", () => {
    const out = credgate.authorize({ permissions: ["balances:read:vault:vlt_1", "balances:read:org"], request: REQUEST });
    assert.equal(out.allowed, true);
    assert.equal(out.reason, "allow");
    assert.equal(out.matched, "balances:read:vault:vlt_1");
  });

  test("deny is returned with near misses", () => {
    const out = credgate.authorize({ permissions: ["balances:read:vault:vlt_2", "key:read:org"], request: REQUEST });
    assert.deepEqual([out.allowed, out.reason, out.near_misses], [false, "deny.no_matching_permission", ["balances:read:vault:vlt_2"]]);
  });

  test("another organisation is denied", () => {
    const out = credgate.authorize({ permissions: ["balances:read:org"], request: { ...REQUEST, org: "org_2" }, org: "org_1" });
    assert.equal(out.reason, "deny.org_mismatch");
  });

  test("an invalid request throws request.invalid", () => {
    throwsCode(() => credgate.authorize({ permissions: ["key:read:org"], request: { type: "key", action: "read", key: "k1" } }), "request.invalid");
    throwsCode(() => credgate.authorize({ permissions: ["key:read:org"], request: { type: "wallet", action: "read" } }), "request.invalid");
  });

  test("an invalid permission throws its code and index", () => {
    const e = throwsCode(() => credgate.authorize({ permissions: ["key:read:org", "key:read"], request: REQUEST }), "permission.invalid");
    assert.equal(e.index, 1);
  });

  test("input that is not an object throws input.invalid", () => {
    throwsCode(() => credgate.authorize("balances:read:org"), "input.invalid");
    throwsCode(() => credgate.authorize({ request: REQUEST }), "input.invalid");
  });
});

describe("verifyToken", () => {
  test("a token issued by credgate verifies and its claims come back", () => {
    const token = issue(credgate);
    const out = credgate.verifyToken(verifyInput(token));
    assert.equal(out.ok, true);
    assert.equal(out.claims.org, "org_1");
    assert.equal(out.claims.exp, NOW + 3600);
    assert.deepEqual(out.claims.ips, ["203.0.113.0/24", "198.51.100.7/32"]);
  });

  test("now defaults to the current time", () => {
    const token = issue(credgate);
    // Issued in 2023: by the real clock it has long expired.
    throwsCode(() => credgate.verifyToken(verifyInput(token, { now: undefined })), "token.expired");
  });

  test("a token signed elsewhere (node:crypto) verifies", () => {
    const out = credgate.verifyToken(verifyInput(signJws(HEADER, claims())));
    assert.equal(out.claims.client_id, "cid_x");
  });

  const forged = (header, payload, seed) => signJws({ ...HEADER, ...header }, claims(payload), seed);
  const cases = [
    ["token.too_large", () => forged({}, { pad: "x".repeat(9000) })],
    ["token.malformed", () => "a.b"],
    ["token.malformed", () => forged({}, {}).replace(/^[^.]+/, "e30=")],
    ["token.unsupported_alg", () => forged({ alg: "none" }, {})],
    ["token.unsupported_alg", () => forged({ alg: "eddsa" }, {})],
    ["token.wrong_type", () => forged({ typ: "JWT" }, {})],
    ["token.forbidden_header", () => forged({ jku: "https://evil.test/jwks" }, {})],
    ["token.unknown_key", () => forged({ kid: "k9" }, {})],
    ["token.bad_signature", () => forged({ kid: "k2" }, {})],
    ["token.missing_claim", () => forged({}, { org: undefined })],
    ["token.invalid_claim", () => forged({}, { exp: "soon" })],
    ["token.expired", () => forged({}, { exp: NOW + 10 })],
    ["token.not_yet_valid", () => forged({}, { nbf: NOW + 100 })],
    ["token.wrong_issuer", () => forged({}, { iss: "https://other.test" })],
    ["token.wrong_audience", () => forged({}, { aud: ["https://other.test"] })],
  ];
  for (const [code, make] of cases) {
    test(`throws ${code}`, () => throwsCode(() => credgate.verifyToken(verifyInput(make())), code));
  }

  test("an unusable JWKS throws jwks.invalid", () => {
    throwsCode(() => credgate.verifyToken(verifyInput(issue(credgate), { jwks: { keys: "no" } })), "jwks.invalid");
    const twice = { keys: [...JWKS.keys, JWKS.keys[0]] };
    throwsCode(() => credgate.verifyToken(verifyInput(issue(credgate), { jwks: twice })), "jwks.invalid");
  });

  test("leeway keeps a just-expired token valid", () => {
    const token = issue(credgate);
    throwsCode(() => credgate.verifyToken(verifyInput(token, { now: NOW + 3600 })), "token.expired");
    assert.equal(credgate.verifyToken(verifyInput(token, { now: NOW + 3600, leeway: 5 })).ok, true);
  });

  test("a non-integer time is invalid input", () => {
    throwsCode(() => credgate.verifyToken(verifyInput(issue(credgate), { now: 1.5 })), "input.invalid");
  });
});

describe("check", () => {
  const token = issue(credgate);
  const input = (extra = {}) => ({ ...verifyInput(token), request: REQUEST, client_ip: "203.0.113.9", ...extra });

  test("allow: status 200, claims and an audit record", () => {
    const out = credgate.check(input());
    assert.deepEqual([out.allowed, out.status, out.reason, out.matched], [true, 200, "allow", "balances:read:vault:vlt_1"]);
    assert.equal(out.www_authenticate, undefined);
    assert.equal(out.claims.jti, "jti-0001");
    assert.deepEqual(
      [out.audit.time, out.audit.jti, out.audit.client_ip, out.audit.allowed, out.audit.reason],
      [NOW + 10, "jti-0001", "203.0.113.9", true, "allow"],
    );
  });

  test("denials are returned with status and WWW-Authenticate", () => {
    const ip = credgate.check(input({ client_ip: "192.0.2.1" }));
    assert.deepEqual([ip.allowed, ip.status, ip.reason], [false, 403, "deny.ip_not_allowed"]);
    assert.match(ip.www_authenticate, /^Bearer realm="credgate", error="insufficient_scope"/);

    const perm = credgate.check(input({ request: { type: "balances", action: "read", vault: "vlt_2" } }));
    assert.deepEqual([perm.status, perm.reason, perm.near_misses], [403, "deny.no_matching_permission", ["balances:read:vault:vlt_1"]]);

    const org = credgate.check(input({ request: { ...REQUEST, org: "org_2" } }));
    assert.deepEqual([org.status, org.reason], [403, "deny.org_mismatch"]);

    const expired = credgate.check(input({ now: NOW + 3600 }));
    assert.deepEqual([expired.status, expired.reason], [401, "token.expired"]);
    assert.match(expired.www_authenticate, /error="invalid_token"/);
    assert.equal(expired.claims, undefined);
    assert.equal(expired.audit.client_id, null);
  });

  test("an invalid request is a 400 decision", () => {
    const out = credgate.check(input({ request: { type: "balances", action: "read", vault: "v/1" } }));
    assert.deepEqual([out.allowed, out.status, out.reason], [false, 400, "request.invalid"]);
  });

  test("an unusable JWKS or missing member throws", () => {
    throwsCode(() => credgate.check(input({ jwks: {} })), "jwks.invalid");
    throwsCode(() => credgate.check(input({ client_ip: undefined })), "input.invalid");
  });
});

describe("Verifier", () => {
  const token = issue(credgate);

  test("verify and check reuse one parsed JWKS", () => {
    const verifier = new credgate.Verifier(JWKS, { issuer: ISSUER, audience: AUDIENCE });
    try {
      assert.equal(verifier.verify(token, NOW + 1).claims.org, "org_1");
      throwsCode(() => verifier.verify(token, NOW + 3600), "token.expired");
      throwsCode(() => verifier.verify(token), "token.expired"); // now = the real clock
      throwsCode(() => verifier.verify(token, 1.5), "input.invalid");
      const out = verifier.check({ token, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 1 });
      assert.deepEqual(out, credgate.check({ ...verifyInput(token, { now: NOW + 1 }), client_ip: "203.0.113.9", request: REQUEST }));
    } finally {
      verifier.free();
    }
  });

  test("check can read the Authorization header itself (RFC 6750)", () => {
    const verifier = new credgate.Verifier(JWKS, { issuer: ISSUER, audience: AUDIENCE });
    const at = (authorization) => verifier.check({ authorization, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 1 });
    assert.equal(at(`Bearer ${token}`).allowed, true);
    assert.equal(at(`bearer ${token}`).allowed, true);
    const missing = at(null);
    assert.deepEqual([missing.status, missing.reason, missing.www_authenticate], [401, "bearer.missing", 'Bearer realm="credgate"']);
    assert.deepEqual([at("Bearer a b").status, at("Bearer a b").reason], [400, "bearer.malformed"]);
    assert.equal(at("Basic dXNlcjpwdw==").reason, "bearer.missing");
    throwsCode(() => verifier.check({ token, authorization: `Bearer ${token}`, client_ip: "1.1.1.1", request: REQUEST }), "input.invalid");
    assert.equal(verifier.check({ client_ip: "1.1.1.1", request: REQUEST }).reason, "bearer.missing");
    assert.equal(verifier.check({ token, authorization: undefined, client_ip: "203.0.113.9", request: REQUEST, now: NOW }).allowed, true);
    verifier.free();
  });

  test("options: leeway and revoked token ids", () => {
    const verifier = new credgate.Verifier(JWKS, { issuer: ISSUER, audience: AUDIENCE, leeway: 30, revoked_jtis: ["jti-0001"] });
    const e = thrown(() => verifier.verify(token, NOW + 3610));
    assert.equal(e.name, "CredgateError");
    assert.notEqual(e.code, "token.expired");
    verifier.free();
  });

  test("construction errors", () => {
    throwsCode(() => new credgate.Verifier({ keys: 3 }, { issuer: ISSUER, audience: AUDIENCE }), "jwks.invalid");
    throwsCode(() => new credgate.Verifier(JWKS, { issuer: ISSUER }), "input.invalid");
    throwsCode(() => new credgate.Verifier(JWKS, null), "input.invalid");
  });

  test("an edge worker's long-lived Verifier serves many requests in constant memory", () => {
    // The module's allocator must reuse what each check frees: a worker lives for many requests.
    const { memory } = credgate.initSync({ module: readFileSync(new URL("../pkg/credgate_bg.wasm", import.meta.url)) });
    const verifier = new credgate.Verifier(JWKS, { issuer: ISSUER, audience: AUDIENCE });
    const run = (times) => {
      for (let i = 0; i < times; i += 1) {
        const allowed = verifier.check({ token, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 1 }).allowed;
        const denied = verifier.check({ token, client_ip: "192.0.2.1", request: REQUEST, now: NOW + 1 }).allowed;
        assert.deepEqual([allowed, denied], [true, false]);
      }
    };
    try {
      run(200);
      const settled = memory.buffer.byteLength;
      run(2000);
      assert.equal(memory.buffer.byteLength, settled);
    } finally {
      verifier.free();
    }
  });

  test("a freed verifier cannot be used", () => {
    const verifier = new credgate.Verifier(JWKS, { issuer: ISSUER, audience: AUDIENCE });
    verifier.free();
    assert.throws(() => verifier.verify(token, NOW));
  });
});

describe("PermissionSet", () => {
  test("compiled once, authorizes like authorize()", () => {
    const set = new credgate.PermissionSet(["vault:read:org", { type: "key", action: "read", scope: "vault", resource: "v1" }]);
    assert.deepEqual(set.permissions, ["vault:read:org", "key:read:vault:v1"]);
    const request = { type: "key", action: "read", vault: "v2", key: "k" };
    const decision = set.authorize(request);
    assert.deepEqual(decision, credgate.authorize({ permissions: set.permissions, request }));
    assert.equal(set.authorize({ type: "key", action: "read", vault: "v1", key: "k" }).matched, "key:read:vault:v1");
    assert.equal(set.authorize({ type: "vault", action: "read", org: "o2" }, "o1").reason, "deny.org_mismatch");
    assert.equal(set.authorize({ type: "vault", action: "read", org: "o1" }, "o1").allowed, true);
    throwsCode(() => set.authorize({ type: "vault", action: "read", vault: "" }), "request.invalid");
    set.free();
  });

  test("an invalid permission throws with its index", () => {
    const e = throwsCode(() => new credgate.PermissionSet(["vault:read:org", "vault:read:org:o1"]), "permission.resource_with_org_scope");
    assert.equal(e.index, 1);
    throwsCode(() => new credgate.PermissionSet("vault:read:org"), "input.invalid");
  });
});

describe("credentials", () => {
  test("createCredential: record and a secret shown once; deterministic from now + entropy", () => {
    const a = makeCredential(credgate);
    const b = makeCredential(credgate);
    assert.deepEqual(a, b);
    assert.equal(a.credential.status, "enabled");
    assert.equal(a.credential.created_at, NOW - 100);
    assert.equal(a.credential.secrets.length, 1);
    assert.match(a.credential.secrets[0].sha256, /^[0-9a-f]{64}$/);
    assert.equal(a.credential.secrets[0].created_at, NOW - 100);
    assert.ok(!JSON.stringify(a.credential).includes(a.client_secret), "the record never holds the secret");
    assert.deepEqual(credgate.verifySecret({ credential: a.credential, client_secret: a.client_secret }), { outcome: "answer", ok: true, valid: true, well_formed: true, secret: 0 });
    assert.equal(credgate.verifySecret({ credential: a.credential, client_secret: `${a.client_secret}x` }).valid, false);
  });

  test("createCredential defaults to the clock and crypto.getRandomValues", () => {
    const before = Math.floor(Date.now() / 1000);
    const a = credgate.createCredential({ spec: SPEC, org: "org_1" });
    const b = credgate.createCredential({ spec: SPEC, org: "org_1" });
    assert.notEqual(a.client_secret, b.client_secret);
    assert.notEqual(a.credential.client_id, b.credential.client_id);
    assert.ok(a.credential.created_at >= before && a.credential.created_at <= before + 5);
  });

  test("an invalid spec throws spec.invalid, with every problem in errors and the first one's path", () => {
    const e = throwsCode(() => credgate.createCredential({ spec: { ...SPEC, name: "ab", environment: "x" }, org: "o", now: NOW }), "spec.invalid");
    assert.equal(e.path, "name");
    assert.deepEqual(e.errors.map((p) => p.code).sort(), ["environment.unknown", "name.length"]);
  });

  test("bad entropy throws", () => {
    throwsCode(() => credgate.createCredential({ spec: SPEC, org: "o", now: NOW, entropy: "zz" }), "input.invalid");
    throwsCode(() => credgate.createCredential({ spec: SPEC, org: "o", now: NOW, entropy: "ab" }), "entropy.insufficient");
  });

  test("updateCredential: disable, enable, delete is final", () => {
    const { credential } = makeCredential(credgate);
    const disabled = credgate.updateCredential({ credential, action: "disable", now: NOW }).credential;
    assert.equal(disabled.status, "disabled");
    assert.equal(disabled.updated_at, NOW);
    const enabled = credgate.updateCredential({ credential: disabled, action: "enable", now: NOW + 1 }).credential;
    assert.equal(enabled.status, "enabled");
    const deleted = credgate.updateCredential({ credential: enabled, action: "delete" }).credential;
    assert.equal(deleted.status, "deleted");
    throwsCode(() => credgate.updateCredential({ credential: deleted, action: "enable", now: NOW }), "credential.deleted");
    throwsCode(() => credgate.updateCredential({ credential, action: "explode", now: NOW }), "input.invalid");
    throwsCode(() => credgate.updateCredential({ credential: { client_id: "x" }, action: "enable", now: NOW }), "credential.invalid");
  });

  test("setTypeDefaults for every set type", () => {
    assert.deepEqual(credgate.setTypeDefaults("monitoring").permissions, [
      "webhook:create:org", "webhook:read:org", "webhook:update:org", "webhook:delete:org", "audit:read:org", "transaction:read:org",
    ]);
    for (const t of ["wallets", "transactions", "controls"]) assert.ok(credgate.setTypeDefaults(t).permissions.length > 0);
    throwsCode(() => credgate.setTypeDefaults("admins"), "set_type.unknown");
  });

  test("vocabulary: the words a form offers agree with what the engine accepts", () => {
    const v = credgate.vocabulary();
    assert.equal(v.outcome, "result");
    assert.deepEqual(v.actions, ["create", "read", "update", "delete"]);
    assert.deepEqual(v.environments, ["sandbox", "production"]);
    assert.deepEqual(v.statuses, ["enabled", "disabled", "deleted"]);
    assert.deepEqual(v.limits.ip_allowlist, { min: 1, max: 6 });
    assert.equal(v.types.length, 8);
    // Every offered scope parses for its type; every withheld one is scope_not_applicable.
    for (const { type, scopes } of v.types) {
      for (const scope of v.scopes) {
        if (scopes.includes(scope)) assert.equal(credgate.parsePermission(`${type}:read:${scope}`).permission.scope, scope);
        else throwsCode(() => credgate.parsePermission(`${type}:read:${scope}`), "permission.scope_not_applicable");
      }
    }
    for (const { set_type, summary, permissions } of v.set_types) {
      assert.deepEqual(permissions, credgate.setTypeDefaults(set_type).permissions, set_type);
      assert.ok(summary.length > 10 && !summary.includes("`"), summary);
    }
    const name = "x".repeat(v.limits.text_chars.max + 1);
    const spec = { name, permission_set_type: "wallets", permissions: ["vault:read:org"], ip_allowlist: ["10.0.0.1"], environment: "sandbox" };
    assert.equal(credgate.validateSpec(spec).errors[0].code, "name.length");
    assert.equal(credgate.validateSpec({ ...spec, name: name.slice(1) }).ok, true);
  });
});

describe("the token endpoint", () => {
  const { credential, client_secret } = makeCredential(credgate);
  const base = { credential, client_secret, client_ip: "203.0.113.9", now: NOW, signing_key: K1, jti: "jti-1", issuer: ISSUER, audience: AUDIENCE };

  test("issueToken: the RFC 6749 response, deterministic", () => {
    const out = credgate.issueToken(base);
    assert.equal(out.ok, true);
    assert.equal(out.status, 200);
    assert.equal(out.headers["Cache-Control"], "no-store");
    assert.deepEqual(Object.keys(out.response).sort(), ["access_token", "expires_in", "scope", "token_type"]);
    assert.equal(out.response.token_type, "Bearer");
    assert.equal(out.response.expires_in, 3600);
    assert.equal(out.token, out.response.access_token);
    assert.equal(credgate.issueToken(base).token, out.token);
  });

  test("issueToken defaults now and a random jti", () => {
    const a = credgate.issueToken({ ...base, now: undefined, jti: undefined });
    const b = credgate.issueToken({ ...base, now: undefined, jti: undefined });
    const claimsOf = (t) => JSON.parse(Buffer.from(t.split(".")[1], "base64url"));
    assert.match(claimsOf(a.token).jti, /^[0-9a-f]{32}$/);
    assert.notEqual(claimsOf(a.token).jti, claimsOf(b.token).jti);
    assert.ok(Math.abs(claimsOf(a.token).iat - Date.now() / 1000) < 5);
  });

  test("scope narrows the token", () => {
    const out = credgate.issueToken({ ...base, scope: "balances:read:vault:vlt_1" });
    assert.equal(out.response.scope, "balances:read:vault:vlt_1");
  });

  for (const [name, change, reason, status] of [
    ["a wrong secret", { client_secret: "cgs_wrong" }, "client.bad_secret", 401],
    ["a blocked IP", { client_ip: "192.0.2.1" }, "client.ip_not_allowed", 401],
    ["a scope not covered", { scope: "vault:read:org" }, "scope.not_covered", 400],
    ["a disabled credential", { credential: credgate.updateCredential({ credential, action: "disable", now: NOW }).credential }, "client.disabled", 401],
    ["a deleted credential", { credential: credgate.updateCredential({ credential, action: "delete", now: NOW }).credential }, "client.deleted", 401],
  ]) {
    test(`issueToken returns the OAuth error for ${name}`, () => {
      const out = credgate.issueToken({ ...base, ...change });
      assert.deepEqual([out.ok, out.reason, out.status], [false, reason, status]);
      assert.ok(["invalid_client", "invalid_scope"].includes(out.error));
      assert.equal(out.headers["Cache-Control"], "no-store");
    });
  }

  test("issueToken throws on an unusable signing key or input", () => {
    throwsCode(() => credgate.issueToken({ ...base, signing_key: { kid: "k1", seed: "00" } }), "key.invalid");
    throwsCode(() => credgate.issueToken({ ...base, signing_key: undefined }), "input.invalid");
  });

  test("parseTokenRequest: Basic and body authentication; refusals returned", () => {
    const form = { "Content-Type": "application/x-www-form-urlencoded" };
    const basic = credgate.parseTokenRequest({
      method: "POST",
      headers: { ...form, authorization: `Basic ${Buffer.from("cid_1:s3cr3t").toString("base64")}` },
      body: "grant_type=client_credentials&scope=vault:read:org",
    });
    assert.deepEqual(basic, { outcome: "result", ok: true, client_id: "cid_1", client_secret: "s3cr3t", scope: "vault:read:org", auth_method: "client_secret_basic" });
    const post = credgate.parseTokenRequest({ method: "POST", headers: form, body: "grant_type=client_credentials&client_id=c&client_secret=s" });
    assert.equal(post.auth_method, "client_secret_post");
    const get = credgate.parseTokenRequest({ method: "GET", headers: form, body: "" });
    assert.deepEqual([get.ok, get.error, get.status, get.reason], [false, "invalid_request", 400, "request.invalid"]);
    const none = credgate.parseTokenRequest({ method: "POST", headers: form, body: "grant_type=client_credentials" });
    assert.deepEqual([none.error, none.status, none.reason], ["invalid_client", 401, "client.no_auth"]);
    throwsCode(() => credgate.parseTokenRequest({ headers: form }), "input.invalid");
  });

  test("publicJwks and parseBearer", () => {
    assert.deepEqual(JWKS.keys.map((k) => [k.kty, k.crv, k.kid]), [["OKP", "Ed25519", "k1"], ["OKP", "Ed25519", "k2"]]);
    throwsCode(() => credgate.publicJwks([{ kid: "k", seed: "zz" }]), "key.invalid");
    assert.deepEqual(credgate.parseBearer("Bearer abc.def"), { outcome: "result", ok: true, token: "abc.def" });
    const missing = credgate.parseBearer(undefined);
    assert.deepEqual([missing.outcome, missing.ok, missing.error, missing.status], ["answer", false, "bearer.missing", 401]);
    assert.equal(credgate.parseBearer("Bearer a\"b").error, "bearer.malformed");
  });
});

describe("preview and lint", () => {
  test("preview: grants and a view on concrete resources", () => {
    const out = credgate.preview({ permissions: ["balances:read:vault:v1", "key:read:org"], resources: { vaults: { v1: ["k1"], v2: [] } } });
    assert.deepEqual(out.permissions, ["balances:read:vault:v1", "key:read:org"]);
    const balances = out.grants.find((g) => g.type === "balances");
    assert.deepEqual([balances.org, balances.vaults], [false, ["v1"]]);
    assert.ok(out.resources.vaults.v1.includes("balances:read"));
    assert.ok(!out.resources.vaults.v2.includes("balances:read"));
    throwsCode(() => credgate.preview({ permissions: ["nope"] }), "permission.invalid");
  });

  test("lint: findings returned; without now no time-based finding", () => {
    const spec = { ...SPEC, ip_allowlist: ["0.0.0.0/0"], permissions: ["transaction:read:org", "transaction:read:vault:v1"] };
    const codes = (out) => out.findings.map((f) => f.code).sort();
    assert.deepEqual(codes(credgate.lint({ spec })), ["lint.all_addresses", "lint.redundant_permission"]);
    assert.ok(codes(credgate.lint({ spec, now: NOW + 200 * 86400, created_at: NOW })).includes("lint.stale_credential"));
    const invalid = credgate.lint({ spec: { ...spec, name: "x" } });
    assert.equal(invalid.ok, false);
    assert.equal(invalid.errors[0].code, "name.length");
  });
});

describe("no input crashes the module (SPEC §9)", () => {
  const deep = (n) => {
    let v = 1;
    for (let i = 0; i < n; i++) v = [v];
    return v;
  };
  const cyclic = { type: "vault", action: "read" };
  cyclic.self = cyclic;
  const odd = [
    ["a deeply nested request", () => credgate.authorize({ permissions: ["vault:read:org"], request: deep(100_000) })],
    ["a deeply nested spec", () => credgate.createCredential({ spec: { name: deep(5000) }, org: "o", now: NOW })],
    ["a cyclic request", () => credgate.authorize({ permissions: ["vault:read:org"], request: cyclic })],
    ["a cyclic JWKS", () => new credgate.Verifier({ keys: [cyclic] }, { issuer: ISSUER, audience: AUDIENCE })],
    ["a deep check input", () => new credgate.Verifier(JWKS, { issuer: ISSUER, audience: AUDIENCE }).check({ token: "a", client_ip: "1.1.1.1", request: deep(10_000) })],
    ["a BigInt time", () => credgate.verifyToken(verifyInput("a.b.c", { now: 10n ** 30n }))],
    ["NaN", () => credgate.verifyToken(verifyInput("a.b.c", { now: NaN }))],
    ["a function", () => credgate.parsePermission(() => "vault:read:org")],
    ["a symbol", () => credgate.setTypeDefaults(Symbol("wallets"))],
    ["a 1 MB token", () => credgate.verifyToken(verifyInput("e".repeat(1 << 20)))],
    ["a 1 MB header", () => credgate.parseBearer(`Bearer ${"a".repeat(1 << 20)}`)],
  ];
  for (const [name, call] of odd) {
    test(`${name}: a CredgateError or an answer, and the module keeps working`, () => {
      try {
        const out = call();
        assert.equal(typeof out, "object");
      } catch (e) {
        assert.equal(e.name, "CredgateError", `${e.name}: ${e.message}`);
        THROWN.add(e.code);
      }
      assert.equal(credgate.parsePermission("vault:read:org").canonical, "vault:read:org");
    });
  }
});

test("every code thrown above is one of credgate's stable codes", () => {
  const all = new Set(credgate.codes());
  assert.ok(THROWN.size >= 30, `${THROWN.size} distinct codes exercised`);
  for (const code of THROWN) assert.ok(all.has(code), `${code} is listed in codes()`);
});

test("operations lists the façade's ops, the same on every host", () => {
  const ops = credgate.operations();
  for (const op of ["parse_permission", "validate_spec", "ip_allowed", "authorize", "verify_token", "check", "parse_token_request", "issue_token", "preview", "lint"]) {
    assert.ok(ops.includes(op), op);
  }
});
