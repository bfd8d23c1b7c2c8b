// Issue 12 (part 2): what a jose / Workers user hits, each through the package's public API.
// Every test here fails on the package before the change:
// - a `CredgateError` class to `instanceof` (it was only a type), from both builds and the JS layer;
// - Fetch inputs: `Verifier.checkRequest(request, { clientIp, access })`, `parseTokenRequest`
//   taking a Fetch `Request` (body read with the SPEC limit) or `Headers`;
// - `now` as a `Date` or Unix seconds, and milliseconds refused with a hint (not `token.expired`);
// - unknown options refused (jose's `clockTolerance` was accepted and ignored).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as full from "../pkg/node.js";
import * as edge from "../pkg/edge-node.js";
import { AUDIENCE, ISSUER, K1, NOW, issue, makeCredential } from "./helpers.mjs";

const jwks = full.publicJwks([K1]);
const OPTIONS = Object.freeze({ issuer: ISSUER, audience: AUDIENCE });
const ACCESS = Object.freeze({ type: "balances", action: "read", vault: "vlt_1" });
const token = issue(full);
const issueInput = () => {
  const { credential, client_secret } = makeCredential(full);
  return { credential, client_secret, client_ip: "203.0.113.9", signing_key: K1, jti: "jti-e", issuer: ISSUER, audience: AUDIENCE };
};

/** The thrown error of `fn`: a CredgateError of the package with `code`. */
function refused(fn, code, message) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `expected a CredgateError ${code}, nothing was thrown`);
  assert.ok(error instanceof full.CredgateError, `an instance of CredgateError, not ${error?.constructor?.name}: ${error?.message}`);
  assert.ok(error instanceof Error);
  assert.equal(error.code, code, error.message);
  if (message !== undefined) assert.match(error.message, message);
  return error;
}

/** Like `refused`, for a promise. */
async function rejected(promise, code, message) {
  const error = await promise.then(
    () => assert.fail(`expected a rejection with ${code}`),
    (e) => e,
  );
  assert.ok(error instanceof full.CredgateError, `an instance of CredgateError: ${error?.message}`);
  assert.equal(error.code, code, error.message);
  if (message !== undefined) assert.match(error.message, message);
  return error;
}

describe("CredgateError is a class: instanceof holds for everything thrown", () => {
  test("a runtime value, the same class from every entry", () => {
    assert.equal(typeof full.CredgateError, "function");
    assert.equal(edge.CredgateError, full.CredgateError);
    const made = new full.CredgateError("input.invalid", "made by hand");
    assert.equal(made.name, "CredgateError");
    assert.equal(made.code, "input.invalid");
    assert.ok(made instanceof Error);
  });

  test("the code constants are the core's codes, in both builds", () => {
    const { codes } = full.CredgateError;
    assert.equal(codes.TOKEN_EXPIRED, "token.expired");
    assert.equal(codes.INPUT_INVALID, "input.invalid");
    assert.equal(codes.DENY_NO_MATCHING_PERMISSION, "deny.no_matching_permission");
    assert.deepEqual(Object.values(codes).sort(), [...full.codes()].sort());
    assert.ok(Object.isFrozen(codes));
    assert.equal(edge.CredgateError.codes, codes);
    const e = refused(() => new full.Verifier(jwks, OPTIONS).verify(token, NOW + 7200), "token.expired");
    assert.equal(e.code, full.CredgateError.codes.TOKEN_EXPIRED);
  });

  test("errors from the full module, the edge module and the JS layer", () => {
    const permission = refused(() => full.parsePermission("nope"), "permission.invalid");
    assert.equal(permission.name, "CredgateError");
    const spec = refused(() => full.createCredential({ spec: {}, org: "org_1", now: NOW }), "spec.invalid");
    assert.ok(Array.isArray(spec.errors) && spec.errors.length > 0);
    assert.equal(typeof spec.path, "string");
    refused(() => new edge.Verifier({ keys: 1 }, OPTIONS), "jwks.invalid");
    refused(() => new edge.PermissionSet(["vault:read:org", "x"]), "permission.invalid");
    refused(() => new full.RemoteKeySet("ftp://example.test/jwks"), "input.invalid");
    refused(() => new edge.Verifier(new edge.RemoteKeySet("http://127.0.0.1:9/jwks"), OPTIONS).check({ token, client_ip: "203.0.113.9", request: ACCESS }), "jwks.invalid");
    const verifier = new full.Verifier(jwks, OPTIONS);
    refused(() => verifier.verify(`${token}x`, NOW), "token.malformed");
    verifier.free();
  });
});

describe("Verifier.checkRequest reads a Fetch Request", () => {
  const verifier = new full.Verifier(jwks, OPTIONS);
  const request = (headers = {}) => new Request("https://api.example.test/v1/vaults/vlt_1/balances", { headers });

  test("the Authorization header of a Request, with clientIp and access", () => {
    const out = verifier.checkRequest(request({ authorization: `Bearer ${token}` }), { clientIp: "203.0.113.9", access: ACCESS, now: NOW });
    assert.equal(out.allowed, true, out.message);
    assert.equal(out.status, 200);
    assert.equal(out.claims.client_id, out.audit.client_id);
    // The same answer as `check` with the header copied by hand.
    const byHand = verifier.check({ authorization: `Bearer ${token}`, client_ip: "203.0.113.9", request: ACCESS, now: NOW });
    assert.deepEqual(out, byHand);
  });

  test("no header: 401 bearer.missing, with its challenge", () => {
    const missing = verifier.checkRequest(request(), { clientIp: "203.0.113.9", access: ACCESS, now: NOW });
    assert.equal(missing.status, 401);
    assert.equal(missing.reason, "bearer.missing");
    assert.match(missing.www_authenticate, /^Bearer/);
  });

  test("anything with headers.get, and a Headers-carrying object; the async form", async () => {
    const like = { headers: { get: (name) => (name === "authorization" ? `Bearer ${token}` : null) } };
    assert.equal(verifier.checkRequest(like, { clientIp: "203.0.113.9", access: ACCESS, now: NOW }).allowed, true);
    const out = await verifier.checkRequestAsync(request({ authorization: `Bearer ${token}` }), { clientIp: "203.0.113.9", access: ACCESS, now: NOW });
    assert.equal(out.allowed, true);
  });

  test("the edge build has it too", () => {
    const edgeVerifier = new edge.Verifier(jwks, OPTIONS);
    const out = edgeVerifier.checkRequest(request({ authorization: `Bearer ${token}` }), { clientIp: "203.0.113.9", access: ACCESS, now: NOW });
    assert.equal(out.allowed, true, out.message);
    edgeVerifier.free();
  });

  test("bad requests and options are input.invalid, never a TypeError", () => {
    refused(() => verifier.checkRequest({}, { clientIp: "203.0.113.9", access: ACCESS }), "input.invalid", /headers\.get/);
    refused(() => verifier.checkRequest(null, { clientIp: "203.0.113.9", access: ACCESS }), "input.invalid");
    const throwing = { headers: { get() { throw new Error("boom"); } } };
    refused(() => verifier.checkRequest(throwing, { clientIp: "203.0.113.9", access: ACCESS }), "input.invalid", /boom/);
    refused(() => verifier.checkRequest(request(), { access: ACCESS }), "input.invalid", /clientIp/);
    refused(() => verifier.checkRequest(request(), { client_ip: "203.0.113.9", access: ACCESS }), "input.invalid", /unknown checkRequest option `client_ip`: use `clientIp`/);
    refused(() => verifier.checkRequest(request(), "203.0.113.9"), "input.invalid");
  });
});

describe("parseTokenRequest takes a Fetch Request or Headers", () => {
  const basic = `Basic ${Buffer.from("cid_1:s3cret").toString("base64")}`;
  const FORM = "application/x-www-form-urlencoded";

  test("a Request: a promise of the same answer as the parts by hand", async () => {
    const request = new Request("https://auth.example.test/oauth/token", {
      method: "POST",
      headers: { authorization: basic, "content-type": FORM },
      body: "grant_type=client_credentials&scope=vault%3Aread%3Aorg",
    });
    const promise = full.parseTokenRequest(request);
    assert.ok(promise instanceof Promise);
    const out = await promise;
    assert.equal(out.ok, true, out.message);
    assert.equal(out.client_id, "cid_1");
    assert.equal(out.client_secret, "s3cret");
    assert.equal(out.scope, "vault:read:org");
    assert.equal(out.auth_method, "client_secret_basic");
  });

  test("Headers where headers are taken (sync), and the old forms still", () => {
    const headers = new Headers({ authorization: basic, "content-type": FORM });
    const out = full.parseTokenRequest({ method: "POST", headers, body: "grant_type=client_credentials" });
    assert.equal(out.ok, true, out.message);
    assert.equal(out.client_id, "cid_1");
    const plain = full.parseTokenRequest({ method: "POST", headers: { authorization: basic, "content-type": FORM }, body: "grant_type=client_credentials" });
    assert.deepEqual(plain, out);
  });

  test("Headers or an input that throws while read is input.invalid", () => {
    const throwing = { get() { throw new Error("boom"); }, entries() { throw new Error("boom"); } };
    refused(() => full.parseTokenRequest({ method: "POST", headers: throwing, body: "" }), "input.invalid", /boom/);
    const getter = { method: "POST", headers: new Headers(), get body() { throw new Error("bang"); } };
    refused(() => full.parseTokenRequest(getter), "input.invalid", /bang/);
  });

  test("a refusal is returned, as for the parts (a GET)", async () => {
    const out = await full.parseTokenRequest(new Request("https://auth.example.test/oauth/token", { headers: { authorization: basic } }));
    assert.equal(out.ok, false);
    assert.equal(out.error, "invalid_request");
  });

  test("a huge body is read no further than the limit, and refused by the core", async () => {
    const limit = full.limits().token_request_body_bytes;
    assert.equal(limit, 16 * 1024);
    let pulled = 0;
    const chunk = new TextEncoder().encode("a".repeat(4096));
    const body = new ReadableStream({
      pull(controller) {
        pulled += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const request = new Request("https://auth.example.test/oauth/token", { method: "POST", headers: { "content-type": FORM }, body, duplex: "half" });
    const out = await full.parseTokenRequest(request);
    assert.equal(out.ok, false);
    assert.equal(out.reason, "request.invalid");
    assert.ok(pulled <= limit + 2 * chunk.length, `read ${pulled} bytes of an endless body`);
  });
});

describe("now: a Date or Unix seconds; milliseconds are refused with a hint", () => {
  const MS = /`now` \d+ looks like milliseconds: give Unix seconds \(Math\.floor\(Date\.now\(\) \/ 1000\)\) or a Date/;
  const verifier = new full.Verifier(jwks, OPTIONS);
  const input = (now) => ({ token, client_ip: "203.0.113.9", request: ACCESS, now });

  test("a Date gives the answer of its seconds, on every path", () => {
    const date = new Date(NOW * 1000 + 999);
    assert.deepEqual(verifier.check(input(date)), verifier.check(input(NOW)));
    assert.deepEqual(verifier.verify(token, date), verifier.verify(token, NOW));
    assert.deepEqual(full.verifyToken({ token, jwks, ...OPTIONS, now: date }), full.verifyToken({ token, jwks, ...OPTIONS, now: NOW }));
    const oneOff = full.check({ ...input(date), jwks, ...OPTIONS });
    assert.equal(oneOff.allowed, true, oneOff.message);
    const request = new Request("https://x.test/", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(verifier.checkRequest(request, { clientIp: "203.0.113.9", access: ACCESS, now: date }).allowed, true);
    const created = full.createCredential({ spec: { name: "Dated credential", permission_set_type: "wallets", permissions: ["vault:read:org"], ip_allowlist: ["0.0.0.0/0"], environment: "sandbox" }, org: "org_1", now: date });
    assert.equal(created.credential.created_at, NOW);
  });

  test("milliseconds are input.invalid everywhere a now is taken (not token.expired)", () => {
    const ms = NOW * 1000;
    refused(() => verifier.check(input(ms)), "input.invalid", MS);
    refused(() => verifier.check(input(BigInt(ms))), "input.invalid", MS);
    refused(() => verifier.verify(token, ms), "input.invalid", MS);
    refused(() => full.verifyToken({ token, jwks, ...OPTIONS, now: ms }), "input.invalid", MS);
    refused(() => full.check({ ...input(ms), jwks, ...OPTIONS }), "input.invalid", MS);
    const request = new Request("https://x.test/", { headers: { authorization: `Bearer ${token}` } });
    refused(() => verifier.checkRequest(request, { clientIp: "203.0.113.9", access: ACCESS, now: ms }), "input.invalid", MS);
    refused(() => new edge.Verifier(jwks, OPTIONS).check(input(ms)), "input.invalid", MS);
  });

  test("a time that is recorded (issuance, credentials) is not judged: far-future seconds stay valid", () => {
    // The conformance vectors issue a token at 9999-12-31T23:59:59Z (253402297199 s), past the
    // milliseconds threshold: only a verification time is refused (docs/JS.md, Decisions).
    const issued = full.issueToken({ ...issueInput(), now: 253_402_297_199 });
    assert.equal(issued.ok, true, issued.message);
    const dated = full.issueToken({ ...issueInput(), now: new Date(NOW * 1000) });
    assert.equal(dated.ok, true, dated.message);
    assert.equal(JSON.parse(Buffer.from(dated.token.split(".")[1], "base64url")).iat, NOW);
  });

  test("the threshold is the core's (Limits.milliseconds_from), not a copy", () => {
    const from = full.limits().milliseconds_from;
    assert.equal(from, 100_000_000_000);
    assert.equal(verifier.check(input(from - 1)).reason, "token.expired");
    refused(() => verifier.check(input(from)), "input.invalid", MS);
  });

  test("an invalid Date is input.invalid", () => {
    refused(() => verifier.check(input(new Date("nope"))), "input.invalid", /invalid Date/);
    refused(() => verifier.verify(token, new Date(NaN)), "input.invalid", /invalid Date/);
  });

  test("a RemoteKeySet's clock may give a Date; one in milliseconds is refused", () => {
    const dated = new full.RemoteKeySet("http://127.0.0.1:9/jwks", { now: () => new Date(NOW * 1000), fetch: () => new Promise(() => {}) });
    assert.equal(dated.status().state, "empty");
    const millis = new full.RemoteKeySet("http://127.0.0.1:9/jwks", { now: () => Date.now(), fetch: () => new Promise(() => {}) });
    refused(() => millis.status(), "input.invalid", MS);
  });
});

describe("unknown options are refused, not ignored", () => {
  test("Verifier options: jose's clockTolerance, with a hint", () => {
    refused(() => new full.Verifier(jwks, { ...OPTIONS, clockTolerance: 30 }), "input.invalid", /unknown option `clockTolerance`: use `leeway` \(seconds\)$/);
    refused(() => new edge.Verifier(jwks, { ...OPTIONS, clockTolerance: 30 }), "input.invalid", /clockTolerance/);
    refused(() => new full.Verifier(jwks, { ...OPTIONS, levay: 5 }), "input.invalid", /unknown option `levay`/);
    // Every known option still works.
    const known = new full.Verifier(jwks, { ...OPTIONS, leeway: 5, revoked_jtis: [], revocations: null, cache: { max_entries: 4 } });
    known.free();
  });

  test("check inputs, on the prepared and the one-off path", () => {
    const verifier = new full.Verifier(jwks, OPTIONS);
    const input = { token, client_ip: "203.0.113.9", request: ACCESS, now: NOW };
    refused(() => verifier.check({ ...input, clockTolerance: 30 }), "input.invalid", /unknown check input member `clockTolerance`: use `leeway`/);
    refused(() => verifier.check({ ...input, clientIp: "203.0.113.9" }), "input.invalid", /`clientIp`: use `client_ip`/);
    refused(() => full.check({ ...input, jwks, ...OPTIONS, clockTolerance: 30 }), "input.invalid", /unknown option `clockTolerance`/);
    refused(() => full.verifyToken({ token, jwks, ...OPTIONS, now: NOW, currentDate: new Date() }), "input.invalid", /unknown option `currentDate`/);
    assert.equal(full.check({ ...input, jwks, ...OPTIONS, leeway: 5 }).allowed, true);
    assert.equal(full.verifyToken({ token, jwks, ...OPTIONS, now: NOW, leeway: 1 }).ok, true);
  });

  test("RemoteKeySet options", () => {
    refused(() => new full.RemoteKeySet("https://auth.example.test/jwks", { clockTolerance: 30 }), "input.invalid", /clockTolerance/);
    refused(() => new edge.RemoteKeySet("https://auth.example.test/jwks", { cooldown: 30 }), "input.invalid", /cooldown/);
  });
});
