// Values crossing between JS and the module (issue 8): integers beyond 2^53, inputs that throw
// while they are read, very large lists. Both builds (full and edge) where the API exists.

import assert from "node:assert/strict";
import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { PerformanceObserver, constants } from "node:perf_hooks";
import { describe, test } from "node:test";
import * as credgate from "../pkg/node.js";
import * as edge from "../pkg/edge-node.js";
import { AUDIENCE, HEADER, ISSUER, K1, NOW, claims, thrown } from "./helpers.mjs";

const JWKS = credgate.publicJwks([K1]);
const REQUEST = Object.freeze({ type: "balances", action: "read", vault: "vlt_1" });
const OPTIONS = Object.freeze({ issuer: ISSUER, audience: AUDIENCE });
const BUILDS = [["full", credgate], ["edge", edge]];

/** Signs a header object and a payload given as JSON *text* (integers JS cannot hold). */
function signText(payloadText) {
  const b64 = (data) => Buffer.from(data).toString("base64url");
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(K1.seed, "hex")]);
  const key = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const input = `${b64(JSON.stringify(HEADER))}.${b64(payloadText)}`;
  return `${input}.${b64(sign(null, Buffer.from(input), key))}`;
}

/** Claims as JSON text with some members replaced by raw number text. */
function claimsText(raw) {
  let text = JSON.stringify(claims(Object.fromEntries(Object.keys(raw).map((k) => [k, `@${k}@`]))));
  for (const [name, number] of Object.entries(raw)) text = text.replace(`"@${name}@"`, number);
  return text;
}

function credgateError(fn, code = "input.invalid") {
  const e = thrown(fn);
  assert.equal(e?.name, "CredgateError", `a CredgateError, not ${e?.name}: ${e?.message}`);
  assert.equal(e.code, code, e.message);
  return e;
}

describe("integers beyond Number.MAX_SAFE_INTEGER (SPEC §6)", () => {
  const big = "9007199254740993"; // 2^53 + 1: a JS number would round it to 2^53
  const token = signText(claimsText({ exp: big, nbf: "-9007199254740995", huge: "18446744073709551615", max_safe: "9007199254740991" }));

  for (const [name, build] of BUILDS) {
    test(`${name}: a valid token with exp above 2^53 verifies; large integers come back as exact BigInts`, () => {
      const verifier = new build.Verifier(JWKS, OPTIONS);
      try {
        const { claims: got } = verifier.verify(token, NOW + 1);
        assert.equal(got.exp, 9007199254740993n);
        assert.equal(got.nbf, -9007199254740995n);
        assert.equal(got.huge, 18446744073709551615n);
        assert.equal(got.max_safe, 9007199254740991, "a safe integer stays a number");
        assert.equal(typeof got.iat, "number");
        assert.equal(got.org, "org_1");

        const out = verifier.check({ token, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 1 });
        assert.deepEqual([out.allowed, out.status, out.reason], [true, 200, "allow"]);
        assert.equal(out.claims.exp, 9007199254740993n);
        assert.equal(out.audit.time, NOW + 1);
      } finally {
        verifier.free();
      }
    });

    test(`${name}: now may be a BigInt; one beyond 2^53 is refused (as milliseconds), never rounded`, () => {
      const verifier = new build.Verifier(JWKS, OPTIONS);
      try {
        assert.equal(verifier.verify(token, BigInt(NOW + 1)).ok, true);
        // A verification time from 10^11 s on is refused as milliseconds (issue 12), so 2^53 + 1
        // (exactly exp) is input.invalid on every path, not an `exp` compared with a rounded 2^53.
        const ms = /looks like milliseconds/;
        assert.match(credgateError(() => verifier.verify(token, 9007199254740993n)).message, ms);
        assert.match(credgateError(() => verifier.check({ token, client_ip: "203.0.113.9", request: REQUEST, now: 9007199254740993n })).message, ms);
        credgateError(() => verifier.verify(token, 2n ** 64n));
      } finally {
        verifier.free();
      }
    });

    test(`${name}: a non-finite now is input.invalid, never the current time`, () => {
      const verifier = new build.Verifier(JWKS, OPTIONS);
      try {
        for (const now of [NaN, Infinity, -Infinity]) {
          credgateError(() => verifier.verify(token, now));
          credgateError(() => verifier.check({ token, client_ip: "203.0.113.9", request: REQUEST, now }));
        }
      } finally {
        verifier.free();
      }
    });
  }

  test("one-off functions: verifyToken and check give the same claims and decision", () => {
    const out = credgate.verifyToken({ token, jwks: JWKS, ...OPTIONS, now: NOW + 1 });
    assert.equal(out.claims.exp, 9007199254740993n);
    const decision = credgate.check({ token, jwks: JWKS, ...OPTIONS, now: BigInt(NOW + 1), client_ip: "203.0.113.9", request: REQUEST });
    assert.deepEqual([decision.allowed, decision.claims.huge], [true, 18446744073709551615n]);
    credgateError(() => credgate.verifyToken({ token, jwks: JWKS, ...OPTIONS, now: NaN }));
    credgateError(() => credgate.createCredential({ spec: {}, org: "o", now: Infinity }));
  });
});

describe("inputs that throw while they are read (SPEC §9)", () => {
  const token = signText(JSON.stringify(claims()));
  const getter = (base) =>
    Object.defineProperty({ ...base }, "request", {
      enumerable: true,
      get() {
        throw new TypeError("boom");
      },
    });
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };

  for (const [name, build] of BUILDS) {
    test(`${name}: 10,000 throwing inputs are CredgateErrors (input.invalid); the module keeps working`, () => {
      const verifier = new build.Verifier(JWKS, OPTIONS);
      const set = new build.PermissionSet(["balances:read:org"]);
      const calls = [
        () => verifier.check(getter({ token, client_ip: "203.0.113.9", now: NOW })),
        () => verifier.check({ token, client_ip: "203.0.113.9", request: revoked(), now: NOW }),
        () => new build.Verifier(JWKS, revoked()),
        () => new build.Verifier({ keys: [revoked()] }, OPTIONS),
        () => new build.PermissionSet(["balances:read:org", revoked()]),
        () => set.authorize(getter({ type: "vault", action: "read" })),
        () => set.authorize(revoked()),
        () => verifier.verify(token, revoked()),
      ];
      if (build.authorize) {
        calls.push(() => build.authorize(getter({ permissions: ["balances:read:org"] })));
        calls.push(() => build.authorize({ permissions: revoked(), request: REQUEST }));
        calls.push(() => build.check({ token, jwks: JWKS, ...OPTIONS, client_ip: "1.1.1.1", request: revoked() }));
      }
      try {
        for (let i = 0; i < 10_000; i += 1) credgateError(calls[i % calls.length]);
        assert.equal(verifier.verify(token, NOW + 1).claims.org, "org_1");
        const fresh = new build.Verifier(JWKS, OPTIONS);
        assert.equal(fresh.check({ token, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 1 }).allowed, true);
        fresh.free();
      } finally {
        verifier.free();
        set.free();
      }
    });
  }

  test("the thrown error names what was thrown", () => {
    const e = credgateError(() => credgate.authorize(getter({ permissions: [] })));
    assert.match(e.message, /TypeError: boom/);
  });
});

describe("what JSON.stringify would blur", () => {
  test("undefined members are absent; a Date as `now` is its Unix seconds; a Map is an object; a Set is refused", () => {
    assert.equal(credgate.authorize({ permissions: ["vault:read:org"], request: { type: "vault", action: "read", vault: undefined } }).allowed, true);
    // The Date is read (issue 12): what is refused is the token, not the time.
    credgateError(() => credgate.verifyToken({ token: "a.b.c", jwks: JWKS, ...OPTIONS, now: new Date() }), "token.malformed");
    const viaMap = credgate.authorize({ permissions: ["vault:read:org"], request: new Map([["type", "vault"], ["action", "read"]]) });
    assert.equal(viaMap.allowed, true);
    credgateError(() => credgate.authorize({ permissions: new Set(["vault:read:org"]), request: REQUEST }));
    credgateError(() => credgate.authorize({ permissions: new Uint8Array(2), request: REQUEST }));
  });

  test("duplicate-free, depth-bounded: nesting beyond 128 levels is input.invalid, at 128 it is read", () => {
    const nest = (n) => Array.from({ length: n }).reduce((inner) => [inner], 1);
    credgateError(() => credgate.validateSpec({ name: nest(200) }));
    assert.equal(typeof credgate.validateSpec({ name: nest(100) }), "object");
  });
});

describe("a very large permission list (issue 8: 1M entries took 11 s, 3M 112 s)", () => {
  test("authorize over 400,000 permissions costs a handful of major GCs, not one per 64 KiB of memory grown", async () => {
    // The module must not grow its memory in thousands of small steps: V8 answers them with full
    // garbage collections of a JS heap that holds the large input (time quadratic in its size).
    // A fresh instance, so the memory grown is this call's.
    const instance = await import(`../pkg/credgate.js?large=${Date.now()}`);
    const { memory } = instance.initSync({ module: readFileSync(new URL("../pkg/credgate_bg.wasm", import.meta.url)) });
    const permissions = Array.from({ length: 400_000 }, (_, i) => `balances:read:vault:vlt_${i}`);
    const request = { type: "balances", action: "read", vault: "vlt_399999" };
    let majors = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors += 1;
    });
    observer.observe({ entryTypes: ["gc"] });
    const before = memory.buffer.byteLength;
    const out = instance.authorize({ permissions, request });
    const grown = memory.buffer.byteLength - before;
    await new Promise((resolve) => setTimeout(resolve, 50));
    observer.disconnect();
    assert.deepEqual([out.allowed, out.matched], [true, "balances:read:vault:vlt_399999"]);
    assert.ok(majors <= 10, `${majors} major GCs during one authorize call`);
    // The memory one call grew is reused by the next, not grown again.
    const settled = memory.buffer.byteLength;
    for (let i = 0; i < 3; i += 1) assert.equal(instance.authorize({ permissions, request }).allowed, true);
    assert.equal(memory.buffer.byteLength, settled, `grown by ${(memory.buffer.byteLength - settled) >> 20} MiB after a ${grown >> 20} MiB first call`);
  });
});
