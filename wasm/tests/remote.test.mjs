// Remote key sets in JS (wasm/npm/remote.js over the core's state machine, docs/REMOTE.md):
// a `RemoteKeySet` over `fetch`, and the `Verifier` that takes one, in both builds, against a
// local JWKS server on 127.0.0.1 that rotates keys, fails (500, a reset connection), answers
// slowly, serves garbage (not JSON, a huge body, too many keys) and sends Cache-Control and
// ETag, answering If-None-Match with 304. Requests are counted at the server. The state
// machine's clock is injected (`now`), so nothing waits on the clock and no timing is asserted;
// only the slow answer waits for a real (short) fetch timeout.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import * as full from "../pkg/node.js";
import * as edge from "../pkg/edge-node.js";
import { AUDIENCE, HEADER, ISSUER, K1, K2, NOW, claims, issue, signJws } from "./helpers.mjs";

const READ = Object.freeze({ type: "balances", action: "read", vault: "vlt_1" });
const IP = "203.0.113.9";
const K3 = { kid: "k3", seed: "33".repeat(32) };

/** A JWKS server: `serve(...)` sets what it answers; `requests` records each request. */
function jwksServer() {
  const server = {
    keys: [K1],
    mode: "ok",
    maxAge: 300,
    etag: null,
    requests: [],
    sockets: new Set(),
  };
  const etagOf = () => `"${server.keys.map((k) => k.kid).join("+")}"`;
  const http = createServer((req, res) => {
    server.requests.push({ path: req.url, ifNoneMatch: req.headers["if-none-match"] ?? null });
    const headers = { "content-type": "application/json", "cache-control": `public, max-age=${server.maxAge}`, etag: etagOf() };
    switch (server.mode) {
      case "500":
        res.writeHead(500).end("oops");
        return;
      case "reset":
        req.socket.destroy();
        return;
      case "slow":
        setTimeout(() => res.writeHead(200, headers).end(JSON.stringify(full.publicJwks(server.keys))), 3000).unref();
        return;
      case "garbage":
        res.writeHead(200, headers).end("<html>not a key set</html>");
        return;
      case "huge":
        res.writeHead(200, headers).end(JSON.stringify({ ...full.publicJwks(server.keys), pad: "x".repeat(200_000) }));
        return;
      case "many": {
        const many = Array.from({ length: 40 }, (_, i) => ({ kid: `m${i}`, seed: (i + 10).toString(16).padStart(2, "0").repeat(32) }));
        res.writeHead(200, headers).end(JSON.stringify(full.publicJwks(many)));
        return;
      }
      default:
        if (req.headers["if-none-match"] === etagOf()) {
          res.writeHead(304, headers).end();
          return;
        }
        res.writeHead(200, headers).end(JSON.stringify(full.publicJwks(server.keys)));
    }
  });
  http.on("connection", (socket) => {
    server.sockets.add(socket);
    socket.on("close", () => server.sockets.delete(socket));
  });
  server.start = () => new Promise((resolve) => http.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${http.address().port}/.well-known/jwks.json`)));
  server.close = () =>
    new Promise((resolve) => {
      for (const socket of server.sockets) socket.destroy();
      http.close(resolve);
    });
  server.reset = () => {
    server.keys = [K1];
    server.mode = "ok";
    server.maxAge = 300;
    server.requests.length = 0;
  };
  return server;
}

const server = jwksServer();
let url;
before(async () => {
  url = await server.start();
});
after(() => server.close());

const quiet = () => {};
/** A remote key set with a clock the test moves. */
function remoteFor(build, options = {}) {
  const clock = { t: NOW };
  const logged = [];
  const remote = new build.RemoteKeySet(url, { now: () => clock.t, log: (line) => logged.push(line), ...options });
  return { remote, clock, logged };
}
const input = (token, now) => ({ token, client_ip: IP, request: READ, now });
const signedBy = (key) => signJws({ ...HEADER, kid: key.kid }, claims(), key.seed);

for (const [name, build] of [["full", full], ["edge", edge]]) {
  describe(`${name} build: RemoteKeySet and Verifier`, () => {
    test("nothing is fetched until keys are needed; a sync check before the first fetch is jwks.invalid, checkAsync waits for it", async () => {
      server.reset();
      const { remote, clock } = remoteFor(build);
      const verifier = new build.Verifier(remote, { issuer: ISSUER, audience: AUDIENCE });
      assert.equal(server.requests.length, 0);
      assert.equal(remote.status().state, "empty");
      const token = issue(full);
      assert.throws(() => verifier.check(input(token, clock.t)), (e) => e.name === "CredgateError" && e.code === "jwks.invalid" && /none fetched yet/.test(e.message));
      assert.ok(remote.pending, "the check started the first fetch");
      const out = await verifier.checkAsync(input(token, clock.t));
      assert.equal(out.reason, "allow");
      assert.equal(server.requests.length, 1, "one fetch for both");
      assert.equal(verifier.check(input(token, clock.t)).reason, "allow");
      assert.equal(verifier.verify(token, clock.t).claims.jti, "jti-0001");
      const status = remote.status();
      assert.deepEqual([status.state, status.kids, status.generation, status.etag, status.expires_at], ["fresh", ["k1"], 1, '"k1"', NOW + 300]);
      assert.equal(verifier.remote, remote);
      verifier.free();
    });

    test("a rotated key (new kid): one fetch for 20 concurrent checks, then every one allowed", async () => {
      server.reset();
      const { remote, clock } = remoteFor(build);
      const verifier = new build.Verifier(remote, { issuer: ISSUER, audience: AUDIENCE });
      await verifier.ready();
      assert.equal(server.requests.length, 1);
      server.keys = [K1, K2];
      const token = signedBy(K2);
      assert.equal(verifier.check(input(token, clock.t)).reason, "token.unknown_key", "the sync check does not wait");
      clock.t += 31; // past the unknown-key cooldown
      const outs = await Promise.all(Array.from({ length: 20 }, () => verifier.checkAsync(input(token, clock.t))));
      assert.deepEqual([...new Set(outs.map((o) => o.reason))], ["allow"]);
      assert.equal(server.requests.length, 2, "one fetch for all twenty");
      assert.equal(server.requests[1].ifNoneMatch, '"k1"', "sent with the held ETag");
      assert.deepEqual(remote.status().kids, ["k1", "k2"]);
      // verifyAsync takes the same way.
      server.keys = [K2, K3];
      clock.t += 31;
      assert.equal((await verifier.verifyAsync(signedBy(K3), clock.t)).claims.org, "org_1");
      assert.equal(server.requests.length, 3);
      verifier.free();
    });

    test("made-up kids cause no refetch storm: at most one fetch per cooldown", async () => {
      server.reset();
      const { remote, clock } = remoteFor(build);
      const verifier = new build.Verifier(remote, { issuer: ISSUER, audience: AUDIENCE });
      await verifier.ready();
      for (let round = 0; round < 3; round++) {
        const outs = await Promise.all(Array.from({ length: 30 }, (_, i) => verifier.checkAsync(input(signedBy({ kid: `evil-${round}-${i}`, seed: K3.seed }), clock.t))));
        assert.ok(outs.every((o) => o.reason === "token.unknown_key"));
        clock.t += 10; // within the 30 s cooldown
      }
      assert.equal(server.requests.length, 1, "only the first fetch: the cooldown holds every unknown kid");
      clock.t += 30;
      await Promise.all(Array.from({ length: 30 }, (_, i) => verifier.checkAsync(input(signedBy({ kid: `late-${i}`, seed: K3.seed }), clock.t))));
      assert.equal(server.requests.length, 2, "one more after the cooldown, for thirty tokens");
      verifier.free();
    });

    test("refresh ahead, revalidated with If-None-Match (304): the held set serves meanwhile", async () => {
      server.reset();
      const { remote, clock } = remoteFor(build);
      const verifier = new build.Verifier(remote, { issuer: ISSUER, audience: AUDIENCE });
      await verifier.ready();
      const token = issue(full);
      assert.equal(verifier.check(input(token, clock.t)).reason, "allow");
      clock.t += 271; // refresh_at = fetched_at + 300 - 30
      assert.equal(verifier.check(input(token, clock.t)).reason, "allow", "answered from the held set");
      assert.ok(remote.pending, "a refresh started in the background");
      assert.equal(await remote.pending, false, "unchanged");
      assert.equal(server.requests.length, 2);
      assert.equal(server.requests[1].ifNoneMatch, '"k1"');
      const status = remote.status();
      assert.deepEqual([status.fetched_at, status.generation, status.failures], [NOW + 271, 1, 0]);
      assert.equal(verifier.check(input(token, clock.t)).reason, "allow");
      assert.equal(verifier.cacheStats.hits >= 2, true, "an unchanged set keeps the verified-token cache");
      verifier.free();
    });

    test("stale-if-error: failures keep the held set until usable_until, then every check is refused", async () => {
      server.reset();
      const { remote, clock, logged } = remoteFor(build, { stale_if_error: 600 });
      const verifier = new build.Verifier(remote, { issuer: ISSUER, audience: AUDIENCE });
      await verifier.ready();
      const token = issue(full);
      server.mode = "500";
      clock.t += 301; // expired: stale
      assert.equal(verifier.check(input(token, NOW + 10)).reason, "allow");
      await remote.pending;
      let status = remote.status();
      assert.deepEqual([status.state, status.failures, status.last_error], ["stale", 1, "the key set URL answered 500"]);
      assert.match(logged.at(-1), /was refused: .*answered 500/);
      server.mode = "reset";
      clock.t += 10; // past the first backoff (5 s)
      assert.equal((await verifier.checkAsync(input(token, NOW + 10))).reason, "allow", "still the held set");
      await remote.pending;
      status = remote.status();
      assert.equal(status.failures, 2);
      assert.match(status.last_error, /the fetch failed/);
      clock.t = status.usable_until;
      assert.throws(() => verifier.check(input(token, NOW + 10)), (e) => e.code === "jwks.invalid" && /usable until/.test(e.message));
      await assert.rejects(verifier.checkAsync(input(token, NOW + 10)), (e) => e.code === "jwks.invalid");
      assert.equal(remote.status().state, "unusable");
      // The server answers again: the next due fetch restores it.
      server.mode = "ok";
      clock.t += 400;
      assert.equal((await verifier.checkAsync(input(token, NOW + 10))).reason, "allow");
      assert.equal(remote.status().state, "fresh");
      verifier.free();
    });

    test("garbage is refused and the held set stays: not JSON, a huge body, too many keys", async () => {
      server.reset();
      const { remote, clock } = remoteFor(build);
      const verifier = new build.Verifier(remote, { issuer: ISSUER, audience: AUDIENCE });
      await verifier.ready();
      const token = issue(full);
      const expected = { garbage: /not JSON/, huge: /over 65536 bytes/, many: /40 keys, the limit is 32/ };
      let wait = 300;
      for (const [mode, message] of Object.entries(expected)) {
        server.mode = mode;
        clock.t += wait;
        wait = 400; // past each doubled backoff
        assert.equal(verifier.check(input(token, NOW + 10)).reason, "allow");
        assert.equal(await remote.pending, false);
        assert.match(remote.status().last_error, message, mode);
        assert.deepEqual(remote.status().kids, ["k1"]);
      }
      verifier.free();
    });

    test("a slow server is aborted after the timeout and counts as a failure", async () => {
      server.reset();
      server.mode = "slow";
      const { remote, clock } = remoteFor(build, { timeout: 0.2 });
      const verifier = new build.Verifier(remote, { issuer: ISSUER, audience: AUDIENCE });
      await assert.rejects(verifier.ready(), (e) => e.code === "jwks.invalid" && /none fetched yet; the last fetch failed: .*0\.2 s/.test(e.message));
      assert.equal(remote.status().failures, 1);
      assert.equal(remote.pending, undefined);
      server.mode = "ok";
      clock.t += 5;
      await verifier.ready();
      assert.equal(verifier.check(input(issue(full), clock.t)).reason, "allow");
      verifier.free();
    });

    test("a set that changes empties the verified-token cache; the same set keeps it", async () => {
      server.reset();
      const { remote, clock } = remoteFor(build);
      const verifier = new build.Verifier(remote, { issuer: ISSUER, audience: AUDIENCE });
      await verifier.ready();
      const token = issue(full);
      verifier.check(input(token, NOW + 1));
      verifier.check(input(token, NOW + 1));
      assert.equal(verifier.cacheStats.entries, 1);
      server.keys = [K1, K2];
      clock.t += 280;
      verifier.check(input(token, NOW + 1));
      assert.equal(await remote.pending, true, "updated");
      assert.equal(verifier.check(input(token, NOW + 1)).reason, "allow");
      assert.equal(verifier.cacheStats.entries, 1, "emptied, then this token verified again");
      assert.equal(verifier.cacheStats.misses, 2);
      verifier.free();
    });

    test("bad configuration is input.invalid: URL, options, policy, a revocation list before any key", () => {
      const invalid = (fn, pattern) => assert.throws(fn, (e) => e.name === "CredgateError" && e.code === "input.invalid" && pattern.test(e.message));
      invalid(() => new build.RemoteKeySet("ftp://example.test/jwks"), /http\(s\)/);
      invalid(() => new build.RemoteKeySet("not a url"), /http\(s\)/);
      invalid(() => new build.RemoteKeySet(url, { retry_min: 0 }), /retry_min/);
      invalid(() => new build.RemoteKeySet(url, { min_max_age: 100, max_max_age: 10 }), /min_max_age/);
      invalid(() => new build.RemoteKeySet(url, { max_age: 5 }), /unknown remote key set option `max_age`/);
      invalid(() => new build.RemoteKeySet(url, { fetch_timeout: -1 }), /fetch_timeout/);
      invalid(() => new build.RemoteKeySet(url, { fetch_timeout: 1.5 }), /fetch_timeout/);
      invalid(() => new build.RemoteKeySet(url, { timeout: 0 }), /timeout/);
      invalid(() => new build.RemoteKeySet(url, { fetch: "no" }), /fetch/);
      const remote = new build.RemoteKeySet(url, { fetch_timeout: 3n, log: quiet });
      assert.equal(remote.policy.fetch_timeout, 3);
      const { revocations } = full.signRevocations({ signing_key: K1, issuer: ISSUER, epoch: 1, now: NOW, entries: [] });
      invalid(() => new build.Verifier(remote, { issuer: ISSUER, audience: AUDIENCE, revocations }), /revocation list/);
      // Local keys still work as before.
      assert.equal(new build.Verifier(full.publicJwks([K1]), { issuer: ISSUER, audience: AUDIENCE }).check(input(issue(full), NOW + 1)).reason, "allow");
    });

    test("a revocation list is loaded once the remote's keys are held", async () => {
      server.reset();
      const { remote, clock } = remoteFor(build);
      const verifier = new build.Verifier(remote, { issuer: ISSUER, audience: AUDIENCE });
      await verifier.ready();
      const { revocations } = full.signRevocations({ signing_key: K1, issuer: ISSUER, epoch: 1, now: NOW + 1, entries: [{ jti: "jti-0001", revoked_at: NOW + 1 }] });
      verifier.loadRevocations(revocations);
      assert.equal(verifier.check(input(issue(full), clock.t + 2)).reason, "token.revoked");
      verifier.free();
    });
  });
}
