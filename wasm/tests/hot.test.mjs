// The hot path of a prepared Verifier (wasm/src/hot.rs, wasm/npm/credgate_hot.js): plain input
// read member by member and answers built as one literal must give exactly what the general
// path gives (the input as JSON text, the answer member by member) — every member, every type,
// every thrown error, the cache's counters — over many inputs, hostile ones included, in both
// builds. The general path is forced by the JS half's test switch (`setFastPath(false)`), so
// the very same input object goes both ways. No timing is asserted here (`make bench`).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import * as full from "../pkg/node.js";
import * as edge from "../pkg/edge-node.js";
import { setFastPath } from "../pkg/credgate_hot.js";
import { AUDIENCE, HEADER, ISSUER, K1, K2, NOW, claims, issue, signJws } from "./helpers.mjs";

const JWKS = full.publicJwks([K1]);
const OPTIONS = Object.freeze({ issuer: ISSUER, audience: AUDIENCE });

/** What a call gives: its answer, or the error it threw (all of its own members). */
function outcome(call) {
  try {
    return { returned: call() };
  } catch (e) {
    return { thrown: { name: e.name, message: e.message, ...e } };
  }
}

/** `call` the short way and the general way: the same outcome, frozen claims both times. */
function both(call) {
  for (let attempt = 0; ; attempt++) {
    const second = Math.floor(Date.now() / 1000);
    setFastPath(true);
    const fast = outcome(call.fast);
    setFastPath(false);
    let general;
    try {
      general = outcome(call.general);
    } finally {
      setFastPath(true);
    }
    // An input without `now` reads the clock: compare only answers given in one second.
    if (Math.floor(Date.now() / 1000) !== second && attempt < 3) continue;
    return [fast, general];
  }
}

const tokens = () => {
  const good = issue(full);
  const other = issue(full, { jti: "jti-0002" });
  const foreignBig = signJws(HEADER, claims({ exp: 2 ** 53 + 2, extra: { big: 1, nested: [1, { a: null }] } }));
  return [
    good,
    other,
    signJws(HEADER, claims()),
    signJws(HEADER, claims({ org: "org_2", scope: "balances:read:org vault:read:vault:vlt_1" })),
    signJws(HEADER, claims({ exp: NOW + 20 })),
    signJws(HEADER, claims({ nbf: NOW + 50 })),
    signJws(HEADER, claims({ iss: "https://other.example" })),
    signJws({ ...HEADER, kid: "k2" }, claims(), K2.seed),
    signJws(HEADER, claims(), K2.seed),
    signJws(HEADER, claims({ ips: ["0.0.0.0/0"], "é": "ünïcode ✓ 𝄞" })),
    signJws(HEADER, { ...claims(), __proto__: null, ["__proto__"]: { polluted: true } }),
    foreignBig,
    "not.a.token",
    "",
    "a".repeat(9000),
    `${good}\0`,
    `${good}\uD800`,
    "ünïcode.𝄞.token",
  ];
};

const IPS = ["203.0.113.9", "198.51.100.7", "192.0.2.1", "not an ip", "", "203.0.113.9\0", "２０３.0.113.9", "203.0.113.9\uDC00", 5, null, undefined];
const REQUESTS = [
  { type: "balances", action: "read", vault: "vlt_1" },
  { type: "balances", action: "read", vault: "vlt_2" },
  { type: "transaction", action: "read" },
  { type: "transaction", action: "read", org: "org_1" },
  { type: "transaction", action: "read", org: "org_2" },
  { type: "key", action: "update", vault: "vlt_1", key: "key_9" },
  { type: "key", action: "update", key: "key_9" },
  { type: "vault", action: "read", vault: "vlt_1", key: null, org: undefined },
  { type: "balances", action: "read", vault: "vlt_\uD800" },
  { type: "balances", action: "read", vault: "v/1" },
  { type: "balances", action: "read", vault: 7 },
  { type: "balances", action: "read", vault: "vlt_1", extra: 1 },
  { type: "balances", action: "read", vault: "ünï" },
  { type: "wallet", action: "fly" },
  { type: "balances" },
  { action: "read" },
  {},
  [],
  "balances:read",
  null,
  undefined,
];
const NOWS = [NOW + 10, NOW - 100, NOW + 3600, NOW + 30, -0, 0, 2 ** 53, NOW + 0.5, NaN, Infinity, BigInt(NOW + 10), 2n ** 63n, "1700000010", null, undefined];

/** A deterministic sequence of numbers in [0, 1) (mulberry32). */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Plain inputs, and inputs that differ from plain data in a way the reader must notice. */
function inputs(next) {
  const pick = (list) => list[Math.floor(next() * list.length)];
  const all = tokens();
  const out = [];
  for (let i = 0; i < 1500; i++) {
    const input = {};
    const bearer = next();
    if (bearer < 0.6) input.token = pick(all);
    else if (bearer < 0.85) input.authorization = pick([`Bearer ${pick(all)}`, `bearer  ${pick(all)}`, "Basic abc", "Bearer", "", null, `Bearer ${pick(all)}=`]);
    else if (bearer < 0.9) Object.assign(input, { token: pick(all), authorization: `Bearer ${pick(all)}` });
    else if (bearer < 0.95) input.token = pick([null, undefined, 5, ["x"]]);
    const ip = pick(IPS);
    if (ip !== undefined || next() < 0.5) input.client_ip = ip;
    const request = pick(REQUESTS);
    if (request !== undefined || next() < 0.5) input.request = request;
    const now = pick(NOWS);
    if (now !== undefined || next() < 0.3) input.now = now;
    if (next() < 0.03) input.unknown = pick([1, NaN, "x", { a: 1 }]);
    out.push(input);
  }
  return out;
}

/** Inputs that are not plain data: each goes the general way, with the same answer or error. */
function unusual(token) {
  const base = { token, client_ip: "203.0.113.9", request: { type: "balances", action: "read", vault: "vlt_1" }, now: NOW + 10 };
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  class Input {
    constructor() {
      Object.assign(this, base);
    }
  }
  return [
    base,
    new Proxy(base, {}),
    revoked.proxy,
    { ...base, request: revoked.proxy },
    Object.assign(Object.create(null), base),
    new Input(),
    new Map(Object.entries(base)),
    { ...base, request: new Map(Object.entries(base.request)) },
    { ...base, toJSON: () => ({ ...base, client_ip: "192.0.2.1" }) },
    { ...base, request: { ...base.request, toJSON: () => ({ type: "vault", action: "read" }) } },
    Object.defineProperty({ ...base }, "client_ip", { get: () => "198.51.100.7", enumerable: true }),
    Object.defineProperty({ ...base }, "token", { get: () => { throw new Error("boom"); }, enumerable: true }),
    Object.defineProperty({ ...base }, "client_ip", { value: "192.0.2.1", enumerable: false }),
    Object.defineProperty({ ...base }, Symbol("x"), { value: 1, enumerable: true }),
    Object.create({ token }, { client_ip: { value: "203.0.113.9", enumerable: true }, request: { value: base.request, enumerable: true } }),
    { ...base, token: new String(token) },
    { ...base, now: new Number(NOW) },
    { ...base, token: () => token },
    { ...base, request: { ...base.request, vault: Symbol("v") } },
    [base],
    "a string",
    42,
    null,
    undefined,
  ];
}

for (const [name, build] of [["full", full], ["edge", edge]]) {
  describe(`${name} build: Verifier hot path`, () => {
    test("check: the short way and the general way give the same answers and errors over many inputs", () => {
      for (const cache of [undefined, { max_entries: 3 }, { max_entries: 0 }]) {
        const options = { ...OPTIONS, leeway: 5, revoked_jtis: ["jti-0002"], ...(cache && { cache }) };
        const fast = new build.Verifier(JWKS, options);
        const general = new build.Verifier(JWKS, options);
        let answers = 0;
        for (const input of inputs(random(cache?.max_entries ?? 7))) {
          const [a, b] = both({ fast: () => fast.check(input), general: () => general.check(input) });
          assert.deepStrictEqual(a, b, JSON.stringify(input, (k, v) => (typeof v === "bigint" ? `${v}n` : v)));
          if (a.returned) {
            answers++;
            assert.deepStrictEqual(Object.keys(a.returned), Object.keys(b.returned), "the same members in the same order");
            if (a.returned.claims) assert.ok(Object.isFrozen(a.returned.claims) && Object.isFrozen(b.returned.claims));
          }
        }
        assert.ok(answers > 300, `${answers} answers`);
        assert.deepStrictEqual(fast.cacheStats, general.cacheStats, "the cache did the same work both ways");
        fast.free();
        general.free();
      }
    });

    test("check and authorize answer as the one-off functions do (the core's JSON form, converted member by member)", () => {
      const options = { ...OPTIONS, leeway: 5, revoked_jtis: ["jti-0002"] };
      const verifier = new build.Verifier(JWKS, options);
      const set = new build.PermissionSet(["balances:read:vault:vlt_1", "transaction:read:org", "key:update:key:key_9", "vault:read:vault:vlt_2"]);
      let compared = 0;
      for (const input of inputs(random(11))) {
        if (input.now === undefined || input.now === null) continue; // the one-off reads the clock itself
        const mine = outcome(() => verifier.check(input));
        const oneOff = outcome(() => full.check({ ...input, jwks: JWKS, ...options }));
        if (mine.returned || oneOff.returned) {
          assert.deepStrictEqual(mine, oneOff, JSON.stringify(input, (k, v) => (typeof v === "bigint" ? `${v}n` : v)));
          assert.deepStrictEqual(Object.keys(mine.returned), Object.keys(oneOff.returned));
          if (mine.returned.audit) assert.deepStrictEqual(Object.keys(mine.returned.audit), Object.keys(oneOff.returned.audit));
          compared++;
        } else {
          assert.equal(mine.thrown.code, oneOff.thrown.code);
        }
        for (const org of [undefined, "org_1", "org_2"]) {
          const [a, b] = both({ fast: () => set.authorize(input.request, org), general: () => set.authorize(input.request, org) });
          assert.deepStrictEqual(a, b);
          const permissions = set.permissions;
          const c = outcome(() => full.authorize({ permissions, request: input.request, ...(org && { org }) }));
          if (a.returned) {
            assert.deepStrictEqual(a, c);
            assert.deepStrictEqual(Object.keys(a.returned), Object.keys(c.returned));
          } else if (input.request !== undefined) {
            // (Without a request, the one-off's input lacks a member: input.invalid.)
            assert.equal(a.thrown.code, c.thrown.code);
          }
        }
      }
      assert.ok(compared > 300, `${compared} answers compared`);
      // The results of loadRevocations and cacheStats too.
      const { revocations } = full.signRevocations({
        signing_key: K1, issuer: ISSUER, epoch: 2n ** 53n + 3n, now: NOW + 1,
        entries: [{ client_id: "cid_x", not_before: NOW - 5 }, { jti: "jti-x", revoked_at: NOW }],
      });
      assert.deepStrictEqual(verifier.loadRevocations(revocations), full.loadRevocations({ revocations, jwks: JWKS, issuer: ISSUER }));
      assert.equal(verifier.revocationsEpoch, 2n ** 53n + 3n);
      assert.deepStrictEqual(Object.keys(verifier.cacheStats), ["bytes", "entries", "evictions", "hits", "misses"]);
      verifier.free();
      set.free();
    });

    test("check: input that is not plain data goes the general way, with the same answer or error", () => {
      const fast = new build.Verifier(JWKS, OPTIONS);
      const general = new build.Verifier(JWKS, OPTIONS);
      const token = issue(full);
      for (const [i, input] of unusual(token).entries()) {
        const [a, b] = both({ fast: () => fast.check(input), general: () => general.check(input) });
        assert.deepStrictEqual(a, b, `unusual input #${i}`);
      }
      // A getter that re-enters the verifier while the input is read.
      const inner = { token, client_ip: "192.0.2.1", request: { type: "transaction", action: "read" }, now: NOW + 10 };
      const reentrant = (verifier) => Object.defineProperty({ token, request: { type: "balances", action: "read", vault: "vlt_1" }, now: NOW + 10 }, "client_ip", {
        enumerable: true,
        get: () => (verifier.check(inner).reason === "deny.ip_not_allowed" ? "203.0.113.9" : "x"),
      });
      const [a, b] = both({ fast: () => fast.check(reentrant(fast)), general: () => general.check(reentrant(general)) });
      assert.deepStrictEqual(a, b);
      assert.equal(a.returned.reason, "allow");
      // A getter that grows the module's memory while the input is read.
      const growing = (verifier) => Object.defineProperty({ token, client_ip: "203.0.113.9", now: NOW + 10 }, "request", {
        enumerable: true,
        get: () => {
          new build.PermissionSet(Array.from({ length: 20_000 }, (_, n) => `vault:read:vault:v${n}`)).free();
          return { type: "balances", action: "read", vault: "vlt_1" };
        },
      });
      const [c, d] = both({ fast: () => fast.check(growing(fast)), general: () => general.check(growing(general)) });
      assert.deepStrictEqual(c, d);
      assert.equal(c.returned.reason, "allow");
      assert.deepStrictEqual(fast.cacheStats, general.cacheStats);
    });

    test("verify: the same claims or errors both ways, for every token and time", () => {
      const fast = new build.Verifier(JWKS, { ...OPTIONS, cache: { max_entries: 4 } });
      const general = new build.Verifier(JWKS, { ...OPTIONS, cache: { max_entries: 4 } });
      for (let round = 0; round < 3; round++) {
        for (const token of [...tokens(), 5, null, undefined, { toString: () => "x" }]) {
          for (const now of [NOW + 10, NOW + 3600, BigInt(NOW + 10), NaN, undefined]) {
            const [a, b] = both({ fast: () => fast.verify(token, now), general: () => general.verify(token, now) });
            assert.deepStrictEqual(a, b, `${String(token).slice(0, 40)} at ${now}`);
          }
        }
      }
      assert.deepStrictEqual(fast.cacheStats, general.cacheStats);
      // Beyond 2^53 a claim is an exact BigInt either way.
      const big = signJws(HEADER, claims({ exp: 2 ** 53 + 2 }));
      assert.equal(fast.verify(big, NOW + 10).claims.exp, 2n ** 53n + 2n);
      assert.equal(fast.verify(big, NOW + 10).claims.exp, 2n ** 53n + 2n, "and when cached");
    });

    test("the claims of a cached token are one deeply frozen object; a new key set or revocation list makes new ones", () => {
      const verifier = new build.Verifier(JWKS, OPTIONS);
      const token = signJws(HEADER, claims({ extra: { list: [1, { deep: true }] } }));
      const input = { token, client_ip: "203.0.113.9", request: { type: "balances", action: "read", vault: "vlt_1" }, now: NOW + 10 };
      const first = verifier.check(input);
      const second = verifier.check({ ...input, client_ip: "192.0.2.1" });
      assert.equal(first.claims, second.claims, "shared while cached");
      assert.equal(verifier.verify(token, NOW + 10).claims, first.claims, "verify shares it too");
      assert.ok(Object.isFrozen(first.claims) && Object.isFrozen(first.claims.ips) && Object.isFrozen(first.claims.extra.list[1]));
      assert.throws(() => {
        first.claims.org = "org_2";
      }, TypeError);
      assert.throws(() => first.claims.ips.push("0.0.0.0/0"), TypeError);
      assert.equal(verifier.check(input).claims.org, "org_1");
      // The answer itself is the caller's own.
      first.message = "changed";
      assert.notEqual(verifier.check(input).message, "changed");

      const { revocations } = full.signRevocations({ signing_key: K1, issuer: ISSUER, epoch: 1, now: NOW + 1, entries: [] });
      verifier.loadRevocations(revocations);
      const afterList = verifier.check(input);
      assert.notEqual(afterList.claims, first.claims, "a revocation list empties the cache, and what the JS side held");
      assert.deepStrictEqual(afterList.claims, first.claims);

      verifier.setKeys(full.publicJwks([K1, K2]));
      const afterKeys = verifier.check(input);
      assert.notEqual(afterKeys.claims, afterList.claims, "new keys empty the cache, and what the JS side held");
      assert.equal(verifier.cacheStats.entries, 1);
      verifier.free();
    });

    test("setKeys: the new keys decide from the next call; an unusable JWKS is thrown and the held keys stay", () => {
      const verifier = new build.Verifier(JWKS, OPTIONS);
      const k2 = signJws({ ...HEADER, kid: "k2" }, claims(), K2.seed);
      const input = (token) => ({ token, client_ip: "203.0.113.9", request: { type: "balances", action: "read", vault: "vlt_1" }, now: NOW + 10 });
      const k1 = issue(full);
      assert.equal(verifier.check(input(k1)).reason, "allow");
      assert.equal(verifier.check(input(k2)).reason, "token.unknown_key");
      verifier.setKeys(full.publicJwks([K2]));
      assert.deepEqual(verifier.cacheStats.entries, 0, "the cache is emptied");
      assert.equal(verifier.check(input(k2)).reason, "allow");
      assert.equal(verifier.check(input(k1)).reason, "token.unknown_key", "a cached token of a withdrawn key is refused");
      for (const bad of [{}, { keys: 1 }, "x", null, { keys: [{ ...full.publicJwks([K1]).keys[0] }, { ...full.publicJwks([K1]).keys[0] }] }]) {
        assert.throws(() => verifier.setKeys(bad), (e) => e.name === "CredgateError" && ["jwks.invalid", "input.invalid"].includes(e.code));
      }
      assert.equal(verifier.check(input(k2)).reason, "allow", "the held keys stay");
      verifier.free();
    });
  });
}
