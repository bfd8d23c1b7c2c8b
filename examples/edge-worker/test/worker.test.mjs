// The edge worker driven with real `Request` objects in Node.js, with tokens issued by the
// credgate package's own `issueToken`, and a stub upstream that records what it receives.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import { createCredential, issueToken, publicJwks, signRevocations } from "credgate";
import worker, { clientIp, clientIpConfig, revocationsConfig } from "../src/worker.mjs";
import { startIssuer } from "./issuer.mjs";
import { canonicalPath, ROUTES, route } from "../src/routes.mjs";
import { Hono } from "hono";

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
    CLIENT_IP_SOURCE: "cf-connecting-ip",
    UPSTREAM: {
      async fetch(request) {
        forwarded.push({ request, url: request.url, body: await request.text() });
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
    const { env } = environment({ CLIENT_IP_SOURCE: "x-forwarded-for", XFF_TRUSTED_HOPS: "1" });
    const viaProxy = request("/v1/vaults/vlt_1/balances", { ip: null, headers: { "x-forwarded-for": "192.0.2.1, 203.0.113.9" } });
    assert.equal(clientIp(viaProxy, env), "203.0.113.9");
    assert.equal((await worker.fetch(viaProxy, env)).status, 200);
    const spoofed = request("/v1/vaults/vlt_1/balances", { ip: null, headers: { "x-forwarded-for": "203.0.113.9, 192.0.2.1" } });
    assert.equal((await worker.fetch(spoofed, env)).status, 403);
    const twoHops = { ...env, XFF_TRUSTED_HOPS: "2" };
    assert.equal(clientIp(spoofed, twoHops), "203.0.113.9");
    assert.equal(clientIp(request("/", { ip: null }), env), "");
  });

  test("X-Forwarded-For: a CF-Connecting-IP the client sends is not read", async () => {
    const { env, forwarded } = environment({ CLIENT_IP_SOURCE: "X-Forwarded-For", XFF_TRUSTED_HOPS: 1 });
    const res = await worker.fetch(request("/v1/vaults/vlt_1/balances", { ip: "203.0.113.9", headers: { "x-forwarded-for": "192.0.2.1" } }), env);
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error, "deny.ip_not_allowed");
    assert.equal(forwarded.length, 0);
  });

  test("X-Forwarded-For: two header lines are one list in order; the trusted entry stays the last", async () => {
    const { env } = environment({ CLIENT_IP_SOURCE: "x-forwarded-for", XFF_TRUSTED_HOPS: "1" });
    const h = new Headers({ authorization: `Bearer ${token()}` });
    h.append("x-forwarded-for", "203.0.113.9"); // the caller's line
    h.append("x-forwarded-for", "192.0.2.1"); // the proxy's line
    const req = new Request("https://api.example.test/v1/vaults/vlt_1/balances", { headers: h });
    assert.equal(clientIp(req, env), "192.0.2.1");
    assert.equal((await worker.fetch(req, env)).status, 403);
  });

  test("a client-IP header the trusted proxies cannot have written: 400, nothing forwarded", async () => {
    const xff = { CLIENT_IP_SOURCE: "x-forwarded-for", XFF_TRUSTED_HOPS: "2" };
    const cases = [
      [xff, "x-forwarded-for", "203.0.113.9"], // fewer entries than trusted hops
      [xff, "x-forwarded-for", "192.0.2.1, , 203.0.113.9"], // an empty entry
      [xff, "x-forwarded-for", "203.0.113.9, 192.0.2.1,"],
      [xff, "x-forwarded-for", "unknown, 203.0.113.9, 192.0.2.1"],
      [xff, "x-forwarded-for", "203.0.113.9:443, 192.0.2.1"], // a port
      [xff, "x-forwarded-for", "192.0.2.7 203.0.113.9, 192.0.2.1"], // no comma
      [xff, "x-forwarded-for", "[::1], 192.0.2.1"],
      [xff, "x-forwarded-for", ""],
      [{ CLIENT_IP_SOURCE: "cf-connecting-ip" }, "cf-connecting-ip", "192.0.2.1, 203.0.113.9"], // two lines, joined
      [{ CLIENT_IP_SOURCE: "x-real-ip" }, "x-real-ip", "203.0.113.9, 192.0.2.1"],
      [{ CLIENT_IP_SOURCE: "x-real-ip" }, "x-real-ip", "203.0.113.9/24"],
    ];
    for (const [extra, header, value] of cases) {
      const { env, forwarded } = environment(extra);
      const res = await worker.fetch(request("/v1/vaults/vlt_1/balances", { ip: null, headers: { [header]: value } }), env);
      assert.equal(res.status, 400, `${header}: ${value}`);
      assert.deepEqual(await res.json(), { error: "client_ip_malformed" });
      assert.equal(forwarded.length, 0);
    }
    const { env } = environment({ CLIENT_IP_SOURCE: "x-real-ip" });
    assert.equal((await worker.fetch(request("/v1/vaults/vlt_1/balances", { ip: null, headers: { "x-real-ip": " 203.0.113.9 " } }), env)).status, 200);
  });

  test("no client-IP source configured: every request is refused with 500, logged once", async (t) => {
    const error = t.mock.method(console, "error", () => {});
    const bad = [
      [{ CLIENT_IP_SOURCE: undefined }, /CLIENT_IP_SOURCE is not set/],
      [{ CLIENT_IP_SOURCE: "" }, /CLIENT_IP_SOURCE is not set/],
      [{ CLIENT_IP_SOURCE: "true-client-ip" }, /is not one of cf-connecting-ip \| x-real-ip \| x-forwarded-for/],
      [{ CLIENT_IP_SOURCE: undefined, CLIENT_IP_HEADER: "CF-Connecting-IP" }, /CLIENT_IP_HEADER is no longer read/],
      [{ CLIENT_IP_SOURCE: "x-forwarded-for" }, /XFF_TRUSTED_HOPS must be/],
      [{ CLIENT_IP_SOURCE: "x-forwarded-for", XFF_TRUSTED_HOPS: "0" }, /XFF_TRUSTED_HOPS must be/],
      [{ CLIENT_IP_SOURCE: "x-forwarded-for", XFF_TRUSTED_HOPS: "-1" }, /XFF_TRUSTED_HOPS must be/],
      [{ CLIENT_IP_SOURCE: "x-forwarded-for", XFF_TRUSTED_HOPS: "1.5" }, /XFF_TRUSTED_HOPS must be/],
      [{ CLIENT_IP_SOURCE: "x-forwarded-for", XFF_TRUSTED_HOPS: " 1" }, /XFF_TRUSTED_HOPS must be/],
      [{ CLIENT_IP_SOURCE: "x-forwarded-for", XFF_TRUSTED_HOPS: 2.5 }, /XFF_TRUSTED_HOPS must be/],
      [{ CLIENT_IP_SOURCE: "cf-connecting-ip", XFF_TRUSTED_HOPS: "1" }, /applies to x-forwarded-for only/],
    ];
    for (const [extra, message] of bad) {
      const { env, forwarded } = environment(extra);
      assert.throws(() => clientIpConfig(env), message);
      const before = error.mock.callCount();
      for (let i = 0; i < 3; i++) {
        // A good token from an allowed address, with every header a client could add.
        const req = request("/v1/vaults/vlt_1/balances", { headers: { "x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.9" } });
        const res = await worker.fetch(req, env);
        assert.equal(res.status, 500, JSON.stringify(extra));
        assert.deepEqual(await res.json(), { error: "server_misconfigured" });
      }
      assert.equal(forwarded.length, 0);
      assert.equal(error.mock.callCount() - before, 1, `logged once: ${JSON.stringify(extra)}`);
      assert.match(error.mock.calls.at(-1).arguments[0], message);
    }
    // Even an unknown path is not served.
    assert.equal((await worker.fetch(request("/nothing"), environment({ CLIENT_IP_SOURCE: undefined }).env)).status, 500);
  });

  test("missing keys, issuer or audience: 500, and the log names the setting", async (t) => {
    const error = t.mock.method(console, "error", () => {});
    const bad = [
      [{ JWKS: undefined }, /neither JWKS nor JWKS_URL is set/],
      [{ JWKS: "" }, /neither JWKS nor JWKS_URL is set/],
      [{ ISSUER: undefined }, /ISSUER is not set/],
      [{ AUDIENCE: "" }, /AUDIENCE is not set/],
    ];
    for (const [extra, message] of bad) {
      const { env, forwarded } = environment(extra);
      const res = await worker.fetch(request("/v1/vaults/vlt_1/balances"), env);
      assert.equal(res.status, 500, JSON.stringify(extra));
      assert.deepEqual(await res.json(), { error: "server_misconfigured" });
      assert.equal(forwarded.length, 0);
      assert.match(error.mock.calls.at(-1).arguments[0], message);
    }
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

  test("the worker is a Hono app: every table row is a Hono route, served with its params", async () => {
    assert.ok(worker instanceof Hono, "the default export is a Hono app");
    const served = worker.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(served, ROUTES.map((r) => `${r.method} ${r.pattern}`));
    const { env } = environment();
    for (const r of ROUTES) {
      const path = r.pattern.replace(":vault", "vlt_1").replace(":key", "k1");
      const res = await worker.fetch(request(path, { method: r.method }), env);
      assert.ok(res.status === 200 || res.status === 403, `${r.method} ${path}: ${res.status}`);
    }
    // Hono's params reach checkRequest: the same route allows vlt_1 and refuses vlt_2.
    assert.equal((await worker.fetch(request("/v1/vaults/vlt_1/keys/key_9", { method: "PATCH" }), env)).status, 200);
    assert.equal((await worker.fetch(request("/v1/vaults/vlt_1/keys/key_8", { method: "PATCH" }), env)).status, 403);
  });

  test("HEAD is not served by a GET route (Hono's default): 405 with Allow", async () => {
    const { env, forwarded } = environment();
    const res = await worker.fetch(request("/v1/vaults/vlt_1/balances", { method: "HEAD" }), env);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET");
    assert.equal(forwarded.length, 0);
    assert.equal((await worker.fetch(request("/v1/nothing", { method: "HEAD" }), env)).status, 404);
  });

  describe("the path authorized is the path forwarded", () => {
    // A caller with rights in vault vA only (and on its key k1); vB is someone else's.
    const vA = createCredential({
      spec: {
        name: "Edge test - vault A only",
        permission_set_type: "wallets",
        permissions: ["balances:read:vault:vA", "key:read:key:k1"],
        ip_allowlist: ["203.0.113.0/24"],
        environment: "production",
      },
      org: "org_1",
    });
    const vAToken = () => {
      const out = issueToken({ ...vA, client_ip: "203.0.113.9", signing_key: K1, issuer: ISSUER, audience: AUDIENCE });
      assert.equal(out.ok, true);
      return out.token;
    };
    /** The path as the upstream request's URL text spells it (not re-parsed). */
    const upstreamPath = (url) => /^https:\/\/[^/]*([^?#]*)/.exec(url)[1];

    /**
     * Sends `req`; when anything reaches the upstream, its path must be canonical and be the
     * path of the request credgate decided on (the decision record's `request`).
     */
    async function send(t, req) {
      const records = [];
      t.mock.method(console, "log", (line) => records.push(JSON.parse(line)));
      const { env, forwarded } = environment({ AUDIT_LOG: "console" });
      const res = await worker.fetch(req, env);
      t.mock.restoreAll();
      const body = await res.json();
      if (forwarded.length) {
        assert.equal(res.status, 200);
        const path = upstreamPath(forwarded[0].url);
        assert.equal(canonicalPath(forwarded[0].url), path, `upstream got a canonical path: ${path}`);
        assert.ok(!/\/\/|\/$|%|\\|\/\.\.?(\/|$)/.test(path), `upstream path ${path}`);
        assert.equal(records.length, 1);
        assert.deepEqual(route(req.method, path).request, records[0].request, "the upstream path is the one authorized");
        return { status: res.status, body, upstream: path };
      }
      return { status: res.status, body };
    }

    const get = (path) => new Request(`https://api.example.test${path}`, { headers: { authorization: `Bearer ${vAToken()}`, "cf-connecting-ip": "203.0.113.9" } });

    test("canonical paths are forwarded unchanged", async (t) => {
      assert.deepEqual(await send(t, get("/v1/vaults/vA/balances?x=1")), { status: 200, body: { upstream: true, path: "/v1/vaults/vA/balances" }, upstream: "/v1/vaults/vA/balances" });
      assert.equal((await send(t, get("/v1/vaults/vA/keys/k1"))).upstream, "/v1/vaults/vA/keys/k1");
    });

    for (const path of [
      "/v1/vaults/vA//keys/k1",
      "/v1/vaults/vA/keys//k1",
      "//v1/vaults/vA/balances",
      "/v1//vaults/vA/balances",
      "/v1/vaults/vA/balances/",
      "/v1/vaults/vA/keys/k1/",
      "/v1/vaults/vA%2F..%2FvB/balances",
      "/v1/vaults/vA%2f..%2fvB/balances",
      "/v1/vaults/vA%2Fbalances",
      "/v1/vaults/v%41/balances",
      "/v1/vaults/vA/%62alances",
      "/v1/vaults/vA/keys/k1%00",
      "/v1/vaults/vA;x/balances",
      "/v1/vaults/vA/keys/k1;",
      "/v1/vaults/vA%5C..%5CvB/balances",
    ]) {
      test(`${path}: refused with 400, nothing forwarded`, async (t) => {
        assert.deepEqual(await send(t, get(path)), { status: 400, body: { error: "path_not_canonical" } });
      });
    }

    // The URL parser of the runtime (WHATWG) resolves these before the worker sees
    // `request.url`; the worker authorizes and forwards that one resolved path, never another.
    for (const [path, status, resolved] of [
      ["/v1/vaults/vA/../vB/balances", 403],
      ["/v1/vaults/vA/%2e%2e/vB/balances", 403],
      ["/v1/vaults/vA/.%2E/vB/balances", 403],
      ["/v1/vaults/vA/balances;/../../vB/balances", 403],
      ["/v1/vaults/vA\\..\\vB/balances", 403],
      ["/v1/vaults/vB/../vA/balances", 200, "/v1/vaults/vA/balances"],
      ["/v1/vaults/vA/./balances", 200, "/v1/vaults/vA/balances"],
      ["/v1/vaults/vA\\keys\\k1", 200, "/v1/vaults/vA/keys/k1"],
    ]) {
      test(`${path}: the resolved path is authorized and forwarded (${status})`, async (t) => {
        const out = await send(t, get(path));
        assert.equal(out.status, status, JSON.stringify(out));
        assert.equal(out.upstream, resolved);
        if (status === 403) assert.equal(out.body.error, "deny.no_matching_permission");
      });
    }

    test("a runtime that hands over the request line verbatim: dot segments and backslashes are refused", async (t) => {
      for (const path of ["/v1/vaults/vB/../vA/balances", "/v1/vaults/vA/./balances", "/v1/vaults/vA/%2e%2e/vA/balances", "/v1/vaults/vA\\balances", "/v1/vaults/vA/balances/."]) {
        // A Request-shaped object whose `url` was not serialized by a WHATWG URL parser.
        const raw = { url: `https://api.example.test${path}`, method: "GET", headers: get("/").headers, body: null };
        assert.equal(canonicalPath(raw.url), null, path);
        assert.deepEqual(await send(t, raw), { status: 400, body: { error: "path_not_canonical" } }, path);
      }
    });

    test("route() itself never drops or merges segments", () => {
      for (const path of ["/v1/vaults/vA//balances", "/v1/vaults/vA/balances/", "v1/vaults/vA/balances", "/v1/vaults/vA/./balances", "/v1/vaults/v%41/balances", ""]) {
        assert.deepEqual(route("GET", path), { status: 400 }, path);
      }
      assert.deepEqual(route("GET", "/"), { status: 404 });
    });
  });

  test("an id outside the grammar: 400 from credgate's request check", async () => {
    const { env } = environment();
    const res = await worker.fetch(request("/v1/vaults/v~1/balances"), env);
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
    for (const JWKS of ['{"keys": 1}', "not json", "not json"]) {
      const { env, forwarded } = environment({ JWKS });
      const res = await worker.fetch(request("/v1/vaults"), env);
      assert.equal(res.status, 500);
      assert.equal(forwarded.length, 0);
    }
    assert.match(error.mock.calls[0].arguments[0], /jwks\.invalid/);
    assert.equal(error.mock.callCount(), 2, "each configuration problem is logged once");
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

describe("revocation lists (REVOCATIONS_URL)", () => {
  // The worker's clock (Date.now, which credgate's `check` reads too) is set by the test, so
  // intervals pass without waiting.
  const realNow = Date.now;
  let clock = Math.floor(realNow() / 1000);
  const setClock = (t) => {
    clock = t;
  };
  const T0 = clock;
  let issuer;
  let errors;
  const realError = console.error;

  before(async () => {
    Date.now = () => clock * 1000;
    console.error = (...args) => errors.push(args.join(" "));
    issuer = await startIssuer({ signingKey: K1, issuer: ISSUER, now: () => clock });
  });
  after(async () => {
    Date.now = realNow;
    console.error = realError;
    await issuer.close();
  });
  beforeEach(() => {
    errors = [];
  });

  /** A separate instance of the worker module (its own Verifier and list). */
  const instance = async (name) => (await import(`../src/worker.mjs?instance=${name}`)).default;
  const tokenAt = (iat) => {
    const out = issueToken({ credential, client_secret, client_ip: "203.0.113.9", signing_key: K1, issuer: ISSUER, audience: AUDIENCE, now: iat });
    assert.equal(out.ok, true, JSON.stringify(out));
    return out.token;
  };
  const call = async (w, env, token) => {
    const res = await w.fetch(request("/v1/vaults/vlt_1/balances", { auth: `Bearer ${token}` }), env);
    return { status: res.status, body: await res.json() };
  };

  test("after a disable, a worker with the list refuses the old token from its next refresh on; one without it accepts it until expiry", async () => {
    const withList = await instance("with-list");
    const withoutList = await instance("without-list");
    const listed = environment({ REVOCATIONS_URL: issuer.url }).env;
    const plain = environment().env;
    const token = tokenAt(T0);

    assert.equal((await call(withList, listed, token)).status, 200, "before the disable");
    assert.equal((await call(withoutList, plain, token)).status, 200);
    const fetched = issuer.requests.length;
    assert.equal(issuer.requests.at(-1).ifNoneMatch, null, "the first fetch holds no ETag");

    // The issuer disables the credential: its list gains a client entry (a new epoch).
    setClock(T0 + 5);
    issuer.revokeClient(credential.client_id, T0 + 5);
    // Within the refresh interval the worker still holds the old list: no fetch yet.
    setClock(T0 + 30);
    assert.equal((await call(withList, listed, token)).status, 200, "until the next refresh");
    assert.equal(issuer.requests.length, fetched, "no fetch within REVOCATIONS_REFRESH (60 s)");

    setClock(T0 + 61);
    const refused = await call(withList, listed, token);
    assert.deepEqual(refused, { status: 401, body: { error: "token.revoked" } });
    assert.equal(issuer.requests.at(-1).ifNoneMatch, '"rev-1"', "the refresh sent the held ETag");
    assert.equal((await call(withoutList, plain, token)).status, 200, "without the list: SPEC §5, valid until expiry");

    // An unchanged list is a 304: the held list stays in force.
    setClock(T0 + 125);
    assert.equal((await call(withList, listed, token)).status, 401);
    assert.equal(issuer.requests.at(-1).ifNoneMatch, '"rev-2"');

    // A token issued after the disable is not revoked by the entry.
    assert.equal((await call(withList, listed, tokenAt(T0 + 100))).status, 200);

    setClock(T0 + 3599);
    assert.equal((await call(withoutList, plain, token)).status, 200);
    setClock(T0 + 3601);
    assert.deepEqual(await call(withoutList, plain, token), { status: 401, body: { error: "token.expired" } });
    assert.deepEqual(errors, []);
  });

  test("a stale or invalid list is logged and the held one kept", async () => {
    const w = await instance("stale");
    const env = environment({ REVOCATIONS_URL: issuer.url, REVOCATIONS_REFRESH: "0" }).env;
    setClock(T0 + 200);
    const token = tokenAt(T0);
    assert.equal((await call(w, env, token)).status, 401, "the current list revokes the token");
    const older = signRevocations({ signing_key: K1, issuer: ISSUER, epoch: 1, now: clock, entries: [] }).revocations;
    issuer.serve(older);
    assert.equal((await call(w, env, token)).status, 401, "a rolled-back list is refused");
    assert.match(errors.join("\n"), /revocations\.stale.*|keeping the held list/);
    assert.match(errors[0], /revocations\.stale/);
    issuer.serve("not a list");
    assert.equal((await call(w, env, token)).status, 401);
    assert.match(errors[1], /revocations\.invalid: .*keeping|keeping the held list.*revocations\.invalid/);
    issuer.serve(null);
  });

  test("REVOCATIONS_MAX_AGE: no successful refresh for that long refuses every token (503)", async () => {
    const w = await instance("max-age");
    const env = environment({ REVOCATIONS_URL: issuer.url, REVOCATIONS_MAX_AGE: "300" }).env;
    setClock(T0 + 400);
    const fresh = tokenAt(T0 + 400);
    assert.equal((await call(w, env, fresh)).status, 200);
    issuer.serve("not a list");
    setClock(T0 + 500);
    assert.equal((await call(w, env, fresh)).status, 200, "the held list is 100 s old: kept");
    setClock(T0 + 701);
    const refused = await w.fetch(request("/v1/vaults/vlt_1/balances", { auth: `Bearer ${fresh}` }), env);
    assert.equal(refused.status, 503);
    assert.deepEqual(await refused.json(), { error: "revocations_unavailable" });
    assert.ok(errors.length >= 2);
    issuer.serve(null);
    setClock(T0 + 800);
    assert.equal((await call(w, env, fresh)).status, 200, "a successful refresh serves again");

    // No list ever loaded (the issuer is unreachable): refused from the start.
    const down = await instance("max-age-down");
    const unreachable = environment({ REVOCATIONS_URL: "http://127.0.0.1:9/.well-known/credgate-revocations", REVOCATIONS_MAX_AGE: "300" }).env;
    assert.equal((await call(down, unreachable, fresh)).status, 503);
    // Without REVOCATIONS_MAX_AGE the same worker fails open to SPEC §5's default, and logs.
    const open = await instance("fail-open");
    const openEnv = environment({ REVOCATIONS_URL: "http://127.0.0.1:9/.well-known/credgate-revocations" }).env;
    assert.equal((await call(open, openEnv, fresh)).status, 200);
    assert.match(errors.at(-1), /no list held yet/);
  });

  test("a revocation configuration it cannot use is a 500", async () => {
    for (const extra of [
      { REVOCATIONS_REFRESH: "60" },
      { REVOCATIONS_URL: "ftp://issuer.test/list" },
      { REVOCATIONS_URL: issuer.url, REVOCATIONS_REFRESH: "soon" },
      { REVOCATIONS_URL: issuer.url, REVOCATIONS_MAX_AGE: "60" },
    ]) {
      const w = await instance(`config-${Object.values(extra).join("-")}`);
      const res = await w.fetch(request("/v1/vaults/vlt_1/balances"), environment(extra).env);
      assert.equal(res.status, 500, JSON.stringify(extra));
    }
    assert.throws(() => revocationsConfig({ REVOCATIONS_URL: issuer.url, REVOCATIONS_MAX_AGE: "30", REVOCATIONS_REFRESH: "30" }), /longer than/);
    assert.deepEqual(revocationsConfig({ REVOCATIONS_URL: issuer.url }), { url: issuer.url, refresh: 60, maxAge: null });
  });
});

describe("a remote key set (JWKS_URL)", () => {
  // The worker's clock (Date.now: credgate's `check` and the key set's state machine read it)
  // is set by the test, so max-ages and cooldowns pass without waiting.
  const realNow = Date.now;
  let clock = Math.floor(realNow() / 1000);
  const T0 = clock;
  let issuer;
  let errors;
  const realError = console.error;

  before(async () => {
    Date.now = () => clock * 1000;
    console.error = (...args) => errors.push(args.join(" "));
    issuer = await startIssuer({ signingKey: K1, issuer: ISSUER, now: () => clock });
  });
  after(async () => {
    Date.now = realNow;
    console.error = realError;
    await issuer.close();
  });
  beforeEach(() => {
    errors = [];
  });

  const instance = async (name) => (await import(`../src/worker.mjs?jwks=${name}`)).default;
  const fetching = () => environment({ JWKS: undefined, JWKS_URL: issuer.jwksUrl });
  const call = async (w, env, auth, ctx) => {
    const res = await w.fetch(request("/v1/vaults/vlt_1/balances", { auth }), env, ctx);
    return { status: res.status, body: await res.json() };
  };

  test("keys fetched on first use and cached; a rotated key with a new kid is picked up with one fetch; made-up kids cause no storm", async () => {
    issuer.publish([K1]);
    const w = await instance("rotation");
    const { env, forwarded } = fetching();
    const before = issuer.jwksRequests().length;
    for (let i = 0; i < 5; i++) assert.equal((await call(w, env, `Bearer ${token()}`)).status, 200);
    assert.equal(issuer.jwksRequests().length - before, 1, "one fetch, then the cached set");
    assert.equal(forwarded.length, 5);

    // The issuer rotates: it signs with k2 and publishes both keys.
    issuer.publish([K1, K2]);
    clock = T0 + 40; // past the unknown-kid cooldown (30 s)
    const rotated = await Promise.all(Array.from({ length: 10 }, () => call(w, env, `Bearer ${token({ signingKey: K2 })}`)));
    assert.deepEqual([...new Set(rotated.map((r) => r.status))], [200]);
    assert.equal(issuer.jwksRequests().length - before, 2, "one fetch for ten requests with the new kid");
    assert.equal(issuer.jwksRequests().at(-1).ifNoneMatch, '"jwks-k1"');

    // Tokens naming kids the issuer never had: refused, and no fetch within the cooldown.
    const forged = key("k9");
    const refused = await Promise.all(Array.from({ length: 10 }, () => call(w, env, `Bearer ${token({ signingKey: forged })}`)));
    assert.deepEqual([...new Set(refused.map((r) => JSON.stringify(r)))], [JSON.stringify({ status: 401, body: { error: "token.unknown_key" } })]);
    assert.equal(issuer.jwksRequests().length - before, 2, "no refetch storm");
    assert.deepEqual(errors, []);
  });

  test("refreshed ahead of expiry in the background (If-None-Match, 304), kept through failures, refused when nothing is usable", async () => {
    issuer.publish([K1]);
    issuer.failJwks(null);
    clock = T0 + 1000;
    const w = await instance("refresh");
    const { env } = fetching();
    const start = issuer.jwksRequests().length;
    assert.equal((await call(w, env, `Bearer ${token()}`)).status, 200);
    clock += 271; // the set's refresh_at: max-age 300 minus a tenth
    const waited = [];
    assert.equal((await call(w, env, `Bearer ${token()}`, { waitUntil: (p) => waited.push(p) })).status, 200, "answered from the held set");
    assert.equal(waited.length, 1, "the background refresh is handed to waitUntil");
    assert.equal(await waited[0], false, "304: unchanged");
    assert.equal(issuer.jwksRequests().length - start, 2);
    assert.equal(issuer.jwksRequests().at(-1).ifNoneMatch, '"jwks-k1"');

    // The JWKS endpoint fails: the held set keeps serving (stale-if-error), failures are logged.
    issuer.failJwks(503);
    clock += 400;
    const failing = [];
    assert.equal((await call(w, env, `Bearer ${token()}`, { waitUntil: (p) => failing.push(p) })).status, 200);
    assert.equal(await failing[0], false);
    assert.match(errors.join("\n"), /answered 503/);
    issuer.failJwks(null);

    // A worker that has never fetched a set: every request refused (503), nothing forwarded.
    const down = await instance("down");
    const unreachable = environment({ JWKS: undefined, JWKS_URL: "http://127.0.0.1:9/.well-known/jwks.json" });
    const res = await down.fetch(request("/v1/vaults/vlt_1/balances"), unreachable.env);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { error: "jwks_unavailable" });
    assert.equal(res.headers.get("retry-after"), "5");
    assert.equal(unreachable.forwarded.length, 0);
  });

  test("a revocation list is verified with the fetched keys", async () => {
    issuer.publish([K1]);
    clock = T0 + 3000;
    const w = await instance("revocations");
    const env = environment({ JWKS: undefined, JWKS_URL: issuer.jwksUrl, REVOCATIONS_URL: issuer.url }).env;
    const old = token({ age: 10 });
    assert.equal((await call(w, env, `Bearer ${old}`)).status, 200);
    issuer.revokeClient(credential.client_id, clock);
    clock += 61;
    assert.deepEqual(await call(w, env, `Bearer ${old}`), { status: 401, body: { error: "token.revoked" } });
  });

  test("JWKS and JWKS_URL together, or a URL that is not http(s), is a 500", async (t) => {
    t.mock.method(console, "error", () => {});
    for (const extra of [{ JWKS_URL: issuer.jwksUrl }, { JWKS: undefined, JWKS_URL: "ftp://issuer.test/jwks" }, { JWKS: undefined, JWKS_URL: "not a url" }]) {
      const w = await instance(`config-${Object.keys(extra).join("-")}-${extra.JWKS_URL}`);
      const res = await w.fetch(request("/v1/vaults/vlt_1/balances"), environment(extra).env);
      assert.equal(res.status, 500, JSON.stringify(extra));
    }
  });
});
