// The edge worker driven with real `Request` objects in Node.js, with tokens issued by the
// credgate package's own `issueToken`, and a stub upstream that records what it receives.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { createCredential, issueToken, publicJwks } from "credgate";
import worker, { clientIp } from "../src/worker.mjs";
import { route } from "../src/routes.mjs";

const ISSUER = "https://auth.example.test";
const AUDIENCE = "https://api.example.test";
const key = (kid) => ({ kid, seed: createHash("sha256").update(`edge-worker-${kid}`).digest("hex") });
const K1 = key("k1");
const K2 = key("k2");

const { credential, client_secret } = createCredential({
  spec: {
    name: "Edge test - balances reader",
    permission_set_type: "wallets",
    permissions: ["balances:read:vault:vlt_1", "key:update:key:key_9", "vault:read:org"],
    ip_allowlist: ["203.0.113.0/24"],
    environment: "production",
  },
  org: "org_1",
});

/** A token from the package's token endpoint logic, issued `age` seconds ago. */
function token({ age = 0, signingKey = K1 } = {}) {
  const out = issueToken({
    credential,
    client_secret,
    client_ip: "203.0.113.9",
    signing_key: signingKey,
    issuer: ISSUER,
    audience: AUDIENCE,
    now: Math.floor(Date.now() / 1000) - age,
  });
  assert.equal(out.ok, true, JSON.stringify(out));
  return out.token;
}

/** An environment with a stub upstream that records every forwarded request. */
function environment(extra = {}) {
  const forwarded = [];
  const env = {
    JWKS: JSON.stringify(publicJwks([K1])),
    ISSUER,
    AUDIENCE,
    UPSTREAM: {
      async fetch(request) {
        forwarded.push({ request, body: await request.text() });
        return Response.json({ upstream: true, path: new URL(request.url).pathname }, { status: 200 });
      },
    },
    ...extra,
  };
  return { env, forwarded };
}

function request(path, { method = "GET", auth = `Bearer ${token()}`, ip = "203.0.113.9", headers = {}, body } = {}) {
  const h = new Headers(headers);
  if (auth !== null) h.set("authorization", auth);
  if (ip !== null) h.set("cf-connecting-ip", ip);
  return new Request(`https://api.example.test${path}`, { method, headers: h, body });
}

describe("edge worker", () => {
  test("an allowed request is forwarded with the caller's identity", async () => {
    const { env, forwarded } = environment();
    const res = await worker.fetch(request("/v1/vaults/vlt_1/balances", { headers: { "x-credgate-org": "org_evil" } }), env);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { upstream: true, path: "/v1/vaults/vlt_1/balances" });
    assert.equal(forwarded.length, 1);
    const seen = forwarded[0].request.headers;
    assert.equal(seen.get("x-credgate-client-id"), credential.client_id);
    assert.equal(seen.get("x-credgate-org"), "org_1", "a caller cannot supply identity headers");
    assert.equal(seen.get("x-credgate-matched"), "balances:read:vault:vlt_1");
  });

  test("a write with a body is forwarded intact", async () => {
    const { env, forwarded } = environment();
    const body = JSON.stringify({ label: "cold storage" });
    const res = await worker.fetch(request("/v1/vaults/vlt_1/keys/key_9", { method: "PATCH", body, headers: { "content-type": "application/json" } }), env);
    assert.equal(res.status, 200);
    assert.equal(forwarded[0].request.method, "PATCH");
    assert.equal(forwarded[0].body, body);
  });

  test("no token: 401 with the bare Bearer challenge", async () => {
    const { env, forwarded } = environment();
    const res = await worker.fetch(request("/v1/vaults/vlt_1/balances", { auth: null }), env);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="credgate"');
    assert.equal((await res.json()).error, "bearer.missing");
    assert.equal(forwarded.length, 0);
  });

  test("a malformed Authorization header: 400 invalid_request", async () => {
    const { env } = environment();
    const res = await worker.fetch(request("/v1/vaults/vlt_1/balances", { auth: "Bearer not a token" }), env);
    assert.equal(res.status, 400);
    assert.match(res.headers.get("www-authenticate"), /error="invalid_request"/);
  });

  test("an expired token: 401 invalid_token", async () => {
    const { env } = environment();
    const res = await worker.fetch(request("/v1/vaults/vlt_1/balances", { auth: `Bearer ${token({ age: 7200 })}` }), env);
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate"), /^Bearer realm="credgate", error="invalid_token"/);
    assert.equal((await res.json()).error, "token.expired");
  });

  test("another vault: 403 insufficient_scope", async () => {
    const { env, forwarded } = environment();
    const res = await worker.fetch(request("/v1/vaults/vlt_2/balances"), env);
    assert.equal(res.status, 403);
    assert.match(res.headers.get("www-authenticate"), /error="insufficient_scope"/);
    assert.equal((await res.json()).error, "deny.no_matching_permission");
    assert.equal(forwarded.length, 0);
  });

  test("client IP outside the allowlist, or none: 403", async () => {
    const { env } = environment();
    const outside = await worker.fetch(request("/v1/vaults/vlt_1/balances", { ip: "192.0.2.1" }), env);
    assert.equal(outside.status, 403);
    assert.equal((await outside.json()).error, "deny.ip_not_allowed");
    const none = await worker.fetch(request("/v1/vaults/vlt_1/balances", { ip: null }), env);
    assert.equal(none.status, 403);
    assert.equal((await none.json()).error, "deny.ip_invalid");
  });

  test("X-Forwarded-For: the entry added by the trusted proxy, not the caller's claim", async () => {
    const { env } = environment({ CLIENT_IP_HEADER: "X-Forwarded-For" });
    const viaProxy = request("/v1/vaults/vlt_1/balances", { ip: null, headers: { "x-forwarded-for": "192.0.2.1, 203.0.113.9" } });
    assert.equal(clientIp(viaProxy, env), "203.0.113.9");
    assert.equal((await worker.fetch(viaProxy, env)).status, 200);
    const spoofed = request("/v1/vaults/vlt_1/balances", { ip: null, headers: { "x-forwarded-for": "203.0.113.9, 192.0.2.1" } });
    assert.equal((await worker.fetch(spoofed, env)).status, 403);
    const twoHops = { ...env, XFF_TRUSTED_HOPS: "2" };
    assert.equal(clientIp(spoofed, twoHops), "203.0.113.9");
    assert.equal(clientIp(request("/", { ip: null }), env), "");
  });

  test("route table: 404 for unknown paths, 405 with Allow for other methods", async () => {
    const { env } = environment();
    const missing = await worker.fetch(request("/v1/nothing"), env);
    assert.equal(missing.status, 404);
    const method = await worker.fetch(request("/v1/vaults/vlt_1/balances", { method: "DELETE" }), env);
    assert.equal(method.status, 405);
    assert.equal(method.headers.get("allow"), "GET");
    assert.deepEqual(route("POST", "/v1/vaults/v1/keys/k1/transactions").request, { type: "transaction", action: "create", vault: "v1", key: "k1" });
    assert.deepEqual(route("GET", "/v1/vaults").request, { type: "vault", action: "read" });
  });

  test("an id outside the grammar: 400 from credgate's request check", async () => {
    const { env } = environment();
    const res = await worker.fetch(request("/v1/vaults/v%2F1/balances"), env);
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error, "request.invalid");
  });

  test("key rotation: a new JWKS is picked up; tokens of a removed key are refused", async () => {
    const both = environment({ JWKS: JSON.stringify(publicJwks([K2, K1])) });
    assert.equal((await worker.fetch(request("/v1/vaults", { auth: `Bearer ${token({ signingKey: K2 })}` }), both.env)).status, 200);
    assert.equal((await worker.fetch(request("/v1/vaults"), both.env)).status, 200);
    const onlyNew = environment({ JWKS: JSON.stringify(publicJwks([K2])) });
    const res = await worker.fetch(request("/v1/vaults"), onlyNew.env);
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error, "token.unknown_key");
  });

  test("an unusable JWKS fails closed with 500 and forwards nothing", async (t) => {
    const error = t.mock.method(console, "error", () => {});
    for (const JWKS of ['{"keys": 1}', "not json"]) {
      const { env, forwarded } = environment({ JWKS });
      const res = await worker.fetch(request("/v1/vaults"), env);
      assert.equal(res.status, 500);
      assert.equal(forwarded.length, 0);
    }
    assert.match(error.mock.calls[0].arguments[0], /jwks\.invalid/);
  });

  test("the decision record is logged as one JSON line when asked", async (t) => {
    const log = t.mock.method(console, "log", () => {});
    const { env } = environment({ AUDIT_LOG: "console" });
    await worker.fetch(request("/v1/vaults/vlt_2/balances"), env);
    assert.equal(log.mock.callCount(), 1);
    const record = JSON.parse(log.mock.calls[0].arguments[0]);
    assert.deepEqual(
      [record.client_id, record.org, record.allowed, record.status, record.reason, record.client_ip],
      [credential.client_id, "org_1", false, 403, "deny.no_matching_permission", "203.0.113.9"],
    );
  });
});
