// The Verifier's cache of verified tokens (docs/CACHE.md), through the package's public
// `Verifier` in both builds: a token seen again skips only parsing and the signature, so
// every answer equals an uncached verifier's — past `exp`, after a revocation list is
// loaded, for another IP or request — and `cacheStats` counts what it did. No timing is
// asserted here (`make bench` measures).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as full from "../pkg/node.js";
import * as edge from "../pkg/edge-node.js";
import { AUDIENCE, ISSUER, K1, NOW, issue, thrown } from "./helpers.mjs";

const READ = Object.freeze({ type: "balances", action: "read", vault: "vlt_1" });
const IP = "203.0.113.9";
const EXP = NOW + 3600;

const jwks = full.publicJwks([K1]);
const options = { issuer: ISSUER, audience: AUDIENCE };

for (const [name, credgate] of [["full", full], ["edge", edge]]) {
  describe(`${name} build: Verifier cache`, () => {
    const token = issue(full);

    test("a repeated token is a hit with the same answer as an uncached verifier", () => {
      const cached = new credgate.Verifier(jwks, options);
      const plain = new credgate.Verifier(jwks, { ...options, cache: { max_entries: 0 } });
      for (let i = 0; i < 3; i++) {
        const input = { token, client_ip: IP, request: READ, now: NOW + 10 };
        assert.deepEqual(cached.check(input), plain.check(input));
      }
      assert.deepEqual(cached.cacheStats, { hits: 2, misses: 1, evictions: 0, entries: 1, bytes: cached.cacheStats.bytes });
      assert.ok(cached.cacheStats.bytes > token.length);
      assert.deepEqual(plain.cacheStats, { hits: 0, misses: 0, evictions: 0, entries: 0, bytes: 0 });
      cached.free();
      plain.free();
    });

    test("a hit still checks the IP, the request and the time (a cached token past exp is expired)", () => {
      const cached = new credgate.Verifier(jwks, options);
      const plain = new credgate.Verifier(jwks, { ...options, cache: { max_entries: 0 } });
      const cases = [
        [IP, READ, NOW + 1, "allow"],
        ["8.8.8.8", READ, NOW + 2, "deny.ip_not_allowed"],
        [IP, { type: "vault", action: "delete", vault: "vlt_1" }, NOW + 3, "deny.no_matching_permission"],
        [IP, READ, NOW - 1, "token.not_yet_valid"],
        [IP, READ, EXP - 1, "allow"],
        [IP, READ, EXP, "token.expired"],
      ];
      for (const [client_ip, request, now, reason] of cases) {
        const input = { token, client_ip, request, now };
        const a = cached.check(input);
        assert.deepEqual(a, plain.check(input));
        assert.equal(a.reason, reason);
      }
      assert.equal(thrown(() => cached.verify(token, EXP + 1)).code, "token.expired");
      assert.ok(cached.cacheStats.evictions >= 1, "the expired token left the cache");
    });

    test("a token revoked after it was cached is revoked", () => {
      const verifier = new credgate.Verifier(jwks, options);
      const input = { token, client_ip: IP, request: READ, now: NOW + 1 };
      assert.equal(verifier.check(input).allowed, true);
      assert.equal(verifier.check(input).allowed, true);
      assert.equal(verifier.cacheStats.hits, 1);
      const { revocations } = full.signRevocations({
        signing_key: K1, issuer: ISSUER, epoch: 1, now: NOW + 2,
        entries: [{ jti: "jti-0001", revoked_at: NOW + 2 }],
      });
      verifier.loadRevocations(revocations);
      assert.equal(verifier.cacheStats.entries, 0, "a new list empties the cache");
      const out = verifier.check({ ...input, now: NOW + 3 });
      assert.deepEqual([out.allowed, out.reason, out.status], [false, "token.revoked", 401]);
    });

    test("a small cache stays within its limits", () => {
      const tokens = [0, 1, 2, 3, 4].map((i) => issue(full, { jti: `jti-${i}` }));
      const verifier = new credgate.Verifier(jwks, { ...options, cache: { max_entries: 2 } });
      for (const t of [...tokens, ...tokens]) {
        assert.equal(verifier.check({ token: t, client_ip: IP, request: READ, now: NOW + 1 }).allowed, true);
      }
      const stats = verifier.cacheStats;
      assert.equal(stats.entries, 2);
      assert.equal(stats.hits + stats.misses, 10);
      assert.ok(stats.evictions >= 3);
      const tiny = new credgate.Verifier(jwks, { ...options, cache: { max_bytes: tokens[0].length } });
      tiny.verify(tokens[0], NOW + 1);
      assert.equal(tiny.cacheStats.entries, 0, "a token larger than the whole limit is not held");
    });

    test("bad cache limits are input.invalid", () => {
      for (const cache of [{ max_entries: -1 }, { max_entries: "10" }, { max_bytes: 1.5 }, "big", 7]) {
        const e = thrown(() => new credgate.Verifier(jwks, { ...options, cache }));
        assert.equal(e.code, "input.invalid", `${JSON.stringify(cache)}: ${e.message}`);
      }
    });
  });
}
