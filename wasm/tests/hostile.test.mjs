// Hostile input through the package's public API (issue 9, item 8; SPEC §6, §8, §9): every
// failure is a thrown `CredgateError` with its stable `code`, or the documented answer —
// never a bare TypeError/RangeError, a trap (`WebAssembly.RuntimeError`), a hang or unbounded
// memory — and the module keeps working afterwards: each check below ends by verifying a
// good token with the same module.
//
// Tokens are built here with node:crypto's Ed25519 (`crypto.sign(null, data, key)`, a key
// from a fixed seed), an implementation independent of credgate, and the JWKS comes from
// node:crypto's own export of the public key.

import assert from "node:assert/strict";
import { createHmac, createPrivateKey, createPublicKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import * as credgate from "../pkg/node.js";
import * as edge from "../pkg/edge-node.js";
import { AUDIENCE, HEADER, ISSUER, K1, K2, NOW, claims, issue } from "./helpers.mjs";

const b64 = (data) => Buffer.from(data).toString("base64url");
const privateKey = (seedHex) =>
  createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(seedHex, "hex")]), format: "der", type: "pkcs8" });
const KEY1 = privateKey(K1.seed);
const ATTACKER = privateKey("66".repeat(32));

/** The JWKS of K1 as node:crypto exports its public key (RFC 8037 OKP). */
const JWKS = { keys: [{ ...createPublicKey(KEY1).export({ format: "jwk" }), kid: "k1" }] };
const OPTIONS = Object.freeze({ issuer: ISSUER, audience: AUDIENCE });
const REQUEST = Object.freeze({ type: "balances", action: "read", vault: "vlt_1" });
const BUILDS = [["full", credgate], ["edge", edge]];

/** Signs header and payload given as JSON *text* (so duplicates and raw numbers survive). */
function signText(headerText, payloadText, key = KEY1) {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  return `${input}.${b64(sign(null, Buffer.from(input), key))}`;
}
const signJson = (header, payload, key) => signText(JSON.stringify(header), JSON.stringify(payload), key);
/** The claims as JSON text with `exp` replaced by raw number text. */
const withExp = (raw) => JSON.stringify(claims({ exp: "@" })).replace('"@"', raw);

const GOOD = signJson(HEADER, claims());
const verifyInput = (token, extra = {}) => ({ token, jwks: JWKS, ...OPTIONS, now: NOW + 10, ...extra });

/** The module still answers: a good token verifies (full: verifyToken; edge: a Verifier). */
function stillWorks(build = credgate) {
  if (build.verifyToken) {
    assert.equal(build.verifyToken(verifyInput(GOOD)).claims.org, "org_1", "the module still verifies a good token");
  } else {
    const verifier = new build.Verifier(JWKS, OPTIONS);
    assert.equal(verifier.verify(GOOD, NOW + 10).claims.org, "org_1", "the module still verifies a good token");
    verifier.free();
  }
}

/** `fn` throws a CredgateError with `code` (nothing else), and the module keeps working. */
function fails(fn, code, build = credgate) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== undefined, `expected a CredgateError ${code}, nothing was thrown`);
  assert.ok(!(error instanceof TypeError || error instanceof RangeError || error instanceof WebAssembly.RuntimeError), `a stray ${error.name}: ${error.message}`);
  assert.ok(error instanceof Error, "an Error");
  assert.equal(error.name, "CredgateError", `${error.name}: ${error.message}`);
  assert.equal(error.code, code, `code (message: ${error.message})`);
  assert.ok(typeof error.message === "string" && error.message.length > 0, "a message a person can act on");
  stillWorks(build);
  return error;
}

/** `fn` returns an answer (an object), and the module keeps working. */
function answers(fn, build = credgate) {
  const out = fn();
  assert.equal(typeof out, "object");
  stillWorks(build);
  return out;
}

/** Both builds' Verifier refuse `token` with `code`. */
function refusedEverywhere(token, code) {
  fails(() => credgate.verifyToken(verifyInput(token)), code);
  for (const [, build] of BUILDS) {
    const verifier = new build.Verifier(JWKS, OPTIONS);
    fails(() => verifier.verify(token, NOW + 10), code, build);
    const out = verifier.check({ token, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 10 });
    assert.deepEqual([out.allowed, out.status, out.reason], [false, 401, code], `check answers ${code}`);
    verifier.free();
  }
}

/** A fresh instance of the full module, with its memory, so growth can be measured. */
async function freshModule() {
  const instance = await import(`../pkg/credgate.js?hostile=${Math.random()}`);
  const { memory } = instance.initSync({ module: readFileSync(new URL("../pkg/credgate_bg.wasm", import.meta.url)) });
  return { instance, memory };
}
const MiB = 1 << 20;

const nest = (n) => {
  let value = 1;
  for (let i = 0; i < n; i++) value = [value];
  return value;
};

test("the JWKS from node:crypto's public key is the one credgate publishes", () => {
  assert.deepEqual(JWKS.keys[0].x, credgate.publicJwks([K1]).keys[0].x);
  stillWorks(credgate);
  stillWorks(edge);
});

describe("sizes (SPEC §6: 8192-byte tokens; §7: 16 KiB bodies)", () => {
  /** A valid token of exactly `length` bytes: a `pad` claim (and header member) grows it. */
  function tokenOfLength(length) {
    for (let h = 0; h < 4; h++) {
      const header = JSON.stringify({ ...HEADER, ...(h ? { pad: "h".repeat(h) } : {}) });
      for (let p = 0; p < length; p++) {
        const token = signText(header, JSON.stringify(claims({ pad: "p".repeat(p) })));
        if (token.length === length) return token;
        if (token.length > length) break;
      }
    }
    throw new Error(`no token of ${length} bytes`);
  }

  test("8192 bytes verify; 8193 are token.too_large (verify and check, both builds)", () => {
    const at = tokenOfLength(8192);
    assert.equal(at.length, 8192);
    assert.equal(credgate.verifyToken(verifyInput(at)).claims.org, "org_1");
    for (const [, build] of BUILDS) {
      const verifier = new build.Verifier(JWKS, OPTIONS);
      assert.equal(verifier.check({ token: at, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 10 }).allowed, true);
      verifier.free();
    }
    const over = tokenOfLength(8193);
    assert.equal(over.length, 8193);
    refusedEverywhere(over, "token.too_large");
  });

  test("a 10 MB token, or Authorization header, is token.too_large at once, in bounded memory", async () => {
    const huge = "a".repeat(10_000_000);
    const started = performance.now();
    refusedEverywhere(huge, "token.too_large");
    const verifier = new edge.Verifier(JWKS, OPTIONS);
    const out = verifier.check({ authorization: `Bearer ${huge}`, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 10 });
    assert.deepEqual([out.status, out.reason], [401, "token.too_large"]);
    verifier.free();
    assert.ok(performance.now() - started < 10_000, "answered in seconds, not minutes");
    stillWorks(edge);

    // The memory a 10 MB input needs is reused by the next one, not grown again.
    const { instance, memory } = await freshModule();
    const call = () => assert.throws(() => instance.verifyToken(verifyInput(huge)), { code: "token.too_large" });
    call();
    const settled = memory.buffer.byteLength;
    for (let i = 0; i < 5; i++) call();
    assert.equal(memory.buffer.byteLength, settled, "five more 10 MB tokens grew no memory");
    assert.ok(settled < 256 * MiB, `${settled / MiB} MiB`);
    assert.equal(instance.verifyToken(verifyInput(GOOD)).claims.org, "org_1");
  });

  const base = "grant_type=client_credentials&client_id=cid_1&client_secret=s&x=";
  const tokenRequest = (body) => ({ method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body });
  const tooLarge = (out) => assert.deepEqual([out.ok, out.error, out.status, out.reason], [false, "invalid_request", 400, "request.invalid"]);

  test("token-request bodies: 16384 bytes parse, 16385 are invalid_request (answered); counted in UTF-8 bytes", () => {
    const at = base + "a".repeat(16384 - base.length);
    assert.equal(Buffer.byteLength(at), 16384);
    assert.deepEqual(answers(() => credgate.parseTokenRequest(tokenRequest(at))).client_id, "cid_1");
    tooLarge(answers(() => credgate.parseTokenRequest(tokenRequest(`${at}a`))));
    // 16384 UTF-16 code units but 16385 UTF-8 bytes.
    const wide = base + "a".repeat(16383 - base.length) + "é";
    assert.equal(wide.length, 16384);
    tooLarge(answers(() => credgate.parseTokenRequest(tokenRequest(wide))));
    tooLarge(answers(() => credgate.parseTokenRequest(tokenRequest(base + "a".repeat(10_000_000)))));
  });
});

describe("nesting (SPEC §9: 128 levels on every host)", () => {
  test("a token payload: 128 levels verify, 129 are token.malformed; 2700 levels do not overflow the stack", () => {
    // The claims object is level 1: `x` adds 127 (at the limit) or 128 arrays.
    assert.equal(credgate.verifyToken(verifyInput(signJson(HEADER, claims({ x: nest(127) })))).claims.org, "org_1");
    refusedEverywhere(signJson(HEADER, claims({ x: nest(128) })), "token.malformed");
    // As deep as fits in 8192 bytes (the core drops a too-deep value without recursion).
    const deepText = JSON.stringify(claims()).replace(/}$/, `,"x":${"[".repeat(2700)}${"]".repeat(2700)}}`);
    const deep = signText(JSON.stringify(HEADER), deepText);
    assert.ok(deep.length <= 8192);
    refusedEverywhere(deep, "token.malformed");
  });

  test("JS values: 128 levels are read, 129 are input.invalid (counted from the operation's input)", () => {
    const cases = [
      // [what, call with `n` extra levels, the levels of the operation's input it makes]
      ["authorize({permissions, request: {vault: …}})", (n) => credgate.authorize({ permissions: ["vault:read:org"], request: { type: "vault", action: "read", vault: nest(n) } }), 2],
      ["ipAllowed({allowlist: …})", (n) => credgate.ipAllowed({ allowlist: nest(n), ip: "10.0.0.1" }), 1],
      ["new Verifier({keys: [{…, ext}]})", (n) => new credgate.Verifier({ keys: [{ ...JWKS.keys[0], ext: nest(n) }] }, OPTIONS), 3],
      ["new PermissionSet(…)", (n) => new credgate.PermissionSet(nest(n)), 0],
      ["verifier.check({request: {vault: …}})", (n) => new edge.Verifier(JWKS, OPTIONS).check({ token: GOOD, client_ip: "203.0.113.9", request: { ...REQUEST, vault: nest(n) } }), 2],
      // One-argument functions: the argument is a member of the operation's input ({"spec": …},
      // the wire form of the conformance vectors), so the argument itself may nest 127 levels.
      ["validateSpec(spec)", (n) => credgate.validateSpec({ name: nest(n) }), 2],
      ["parsePermission(p)", (n) => credgate.parsePermission(nest(n)), 1],
    ];
    for (const [what, call, outer] of cases) {
      const levels = (n) => n + outer;
      // At 128 levels the input is read: whatever the answer or failure, it is not input.invalid.
      const at = 128 - outer;
      assert.equal(levels(at), 128);
      try {
        call(at);
      } catch (e) {
        assert.equal(e.name, "CredgateError", `${what}: ${e.name}`);
        assert.notEqual(e.code, "input.invalid", `${what} at 128 levels: ${e.message}`);
      }
      fails(() => call(at + 1), "input.invalid");
      const deep = fails(() => call(100_000), "input.invalid");
      assert.match(deep.message, /nested deeper than 128 levels|call stack/, what);
    }
    stillWorks(edge);
  });
});

describe("huge arrays are answered in bounded time and memory", () => {
  test("validateSpec with 1M permissions and a 1M-entry allowlist: too_many, without per-entry work", async () => {
    const { instance, memory } = await freshModule();
    const spec = {
      name: "Hostile - a huge spec",
      permission_set_type: "wallets",
      permissions: Array.from({ length: 1_000_000 }, (_, i) => `vault:read:vault:v${i}`),
      ip_allowlist: Array.from({ length: 1_000_000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`),
      environment: "sandbox",
    };
    const before = memory.buffer.byteLength;
    const started = performance.now();
    const out = instance.validateSpec(spec);
    const elapsed = performance.now() - started;
    assert.deepEqual([out.ok, out.error], [false, "spec.invalid"]);
    const codes = out.errors.map((e) => e.code);
    assert.ok(codes.includes("permissions.too_many") && codes.includes("ip.too_many"), codes.join());
    assert.ok(out.errors.length <= 10, `${out.errors.length} problems: the entries of an oversized list are not checked one by one`);
    assert.ok(elapsed < 30_000, `${elapsed} ms`);
    // Linear in the input, not worse: the conversion reads the whole value (about 5.5 bytes
    // of module memory per byte of its JSON text, 217 MiB here) before the counts are checked.
    const grown = memory.buffer.byteLength - before;
    const textBytes = JSON.stringify(spec).length;
    assert.ok(grown < 8 * textBytes && grown < 768 * MiB, `grown by ${grown / MiB} MiB for ${textBytes / MiB} MiB of JSON`);
    // The same call again grows nothing: memory is bounded, not leaked.
    const settled = memory.buffer.byteLength;
    instance.validateSpec(spec);
    assert.equal(memory.buffer.byteLength, settled);
    assert.equal(instance.verifyToken(verifyInput(GOOD)).claims.org, "org_1");
  });

  test("ipAllowed with a 1M-entry allowlist throws ip.too_many", () => {
    fails(() => credgate.ipAllowed({ allowlist: Array.from({ length: 1_000_000 }, () => "10.0.0.1"), ip: "10.0.0.1" }), "ip.too_many");
  });
});

describe("NUL characters", () => {
  test("in a token, an Authorization header, an IP, ids, permissions, a spec name", () => {
    refusedEverywhere(`${GOOD.slice(0, 10)}\0${GOOD.slice(11)}`, "token.malformed");
    refusedEverywhere(`${GOOD}\0`, "token.malformed");
    const verifier = new edge.Verifier(JWKS, OPTIONS);
    assert.equal(verifier.check({ authorization: `Bearer ${GOOD}\0`, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 10 }).reason, "bearer.malformed");
    assert.equal(verifier.check({ token: GOOD, client_ip: "203.0.113.9\0", request: REQUEST, now: NOW + 10 }).reason, "deny.ip_invalid");
    verifier.free();
    assert.equal(answers(() => credgate.ipAllowed({ allowlist: ["0.0.0.0/0"], ip: "10.0.0.1\0" })).reason, "deny.ip_invalid");
    fails(() => credgate.ipAllowed({ allowlist: ["10.0.0.1\0"], ip: "10.0.0.1" }), "ip.invalid");
    fails(() => credgate.authorize({ permissions: ["balances:read:org"], request: { ...REQUEST, vault: "vlt_1\0" } }), "request.invalid");
    fails(() => credgate.parsePermission("balances:read:vault:vlt_1\0"), "permission.invalid_resource");
    const spec = credgate.validateSpec({ name: "Name\0 with NUL", permission_set_type: "wallets", permissions: ["vault:read:org"], ip_allowlist: ["10.0.0.1"], environment: "sandbox" });
    assert.deepEqual(spec.errors.map((e) => e.code), ["name.invalid_char"]);
    // A NUL in a claim is just a different, unknown value: the token is refused for that claim.
    refusedEverywhere(signJson(HEADER, claims({ iss: `${ISSUER}\0` })), "token.wrong_issuer");
  });
});

describe("lone surrogates (strings that are not Unicode)", () => {
  test("in a token, an IP, ids, a permission, a spec, a body: input.invalid, never a stray error", () => {
    for (const token of ["\uD800", `${GOOD}\uDC00`, `\uDFFF${GOOD}`]) {
      fails(() => credgate.verifyToken(verifyInput(token)), "input.invalid");
      for (const [, build] of BUILDS) {
        const verifier = new build.Verifier(JWKS, OPTIONS);
        // `verify(token)` takes the token as a plain string argument, which wasm-bindgen
        // converts lossily (a lone surrogate becomes U+FFFD): not base64url, so malformed.
        fails(() => verifier.verify(token, NOW + 10), "token.malformed", build);
        fails(() => verifier.check({ token, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 10 }), "input.invalid", build);
        verifier.free();
      }
    }
    // PermissionSet.authorize(request, org): the org argument is a plain string too; whatever
    // it becomes, it never equals a real organisation.
    for (const [, build] of BUILDS) {
      const set = new build.PermissionSet(["balances:read:org"]);
      assert.equal(set.authorize({ ...REQUEST, org: "org_1" }, "org_1\uD800").reason, "deny.org_mismatch");
      fails(() => set.authorize({ ...REQUEST, org: "org_1\uFFFD" }, "org_1\uD800"), "request.invalid", build);
      fails(() => set.authorize({ ...REQUEST, org: "org_1\uD800" }, "org_1\uD800"), "input.invalid", build);
      set.free();
    }
    const verifier = new edge.Verifier(JWKS, OPTIONS);
    fails(() => verifier.check({ token: GOOD, client_ip: "203.0.113.9\uD800", request: REQUEST }), "input.invalid", edge);
    fails(() => verifier.check({ authorization: "Bearer \uDBFF", client_ip: "203.0.113.9", request: REQUEST }), "input.invalid", edge);
    verifier.free();
    fails(() => credgate.ipAllowed({ allowlist: ["0.0.0.0/0"], ip: "\uD800" }), "input.invalid");
    fails(() => credgate.authorize({ permissions: ["balances:read:org"], request: { ...REQUEST, vault: "vlt_\uD800" } }), "input.invalid");
    fails(() => credgate.authorize({ permissions: ["balances:read:org"], request: REQUEST, org: "org_\uDC00" }), "input.invalid");
    fails(() => credgate.parsePermission("balances:read:vault:\uD800"), "input.invalid");
    fails(() => credgate.validateSpec({ name: "A name \uD800", permission_set_type: "wallets", permissions: ["vault:read:org"], ip_allowlist: ["10.0.0.1"], environment: "sandbox" }), "input.invalid");
    fails(() => credgate.parseTokenRequest({ method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "grant_type=client_credentials&client_id=\uD800" }), "input.invalid");
    fails(() => new credgate.Verifier({ keys: [{ ...JWKS.keys[0], kid: "k\uD800" }] }, OPTIONS), "input.invalid");
  });

  test("an escaped lone surrogate inside the signed payload (or header) is token.malformed", () => {
    refusedEverywhere(signText(JSON.stringify(HEADER), JSON.stringify(claims()).replace('"org":"org_1"', '"org":"org_\\ud800"')), "token.malformed");
    refusedEverywhere(signText('{"alg":"EdDSA","typ":"at+jwt","kid":"k\\udc00"}', JSON.stringify(claims())), "token.malformed");
  });
});

describe("numbers at the edges", () => {
  test("exp: up to 2^63 - 1 is an exact claim (a BigInt beyond 2^53); beyond the 64-bit range, floats and -0 are invalid", () => {
    const exp = (raw) => credgate.verifyToken(verifyInput(signText(JSON.stringify(HEADER), withExp(raw)))).claims.exp;
    assert.equal(exp("9007199254740991"), 9007199254740991);
    assert.equal(exp("9007199254740992"), 9007199254740992n);
    assert.equal(exp("9007199254740993"), 9007199254740993n);
    assert.equal(exp("9223372036854775807"), 9223372036854775807n);
    for (const raw of ["9223372036854775808", "18446744073709551615", "18446744073709551616", "-9223372036854775809", "1700003600.0", "1700003600.5", "1e10", "-0"]) {
      refusedEverywhere(signText(JSON.stringify(HEADER), withExp(raw)), "token.invalid_claim");
    }
    // A number too large for a double is no JSON the core reads at all.
    refusedEverywhere(signText(JSON.stringify(HEADER), withExp("1E400")), "token.malformed");
    for (const raw of ["-1", "0", "-9223372036854775808"]) refusedEverywhere(signText(JSON.stringify(HEADER), withExp(raw)), "token.expired");
  });

  test("now: NaN, ±Infinity, floats, strings, BigInts outside 64 bits are input.invalid; a BigInt in range is read exactly", () => {
    const verifier = new edge.Verifier(JWKS, OPTIONS);
    for (const now of [NaN, Infinity, -Infinity, NOW + 0.5, 1e300, "1700000010", 2n ** 63n, 2n ** 64n, -(2n ** 63n) - 1n]) {
      fails(() => credgate.verifyToken(verifyInput(GOOD, { now })), "input.invalid");
      fails(() => verifier.verify(GOOD, now), "input.invalid", edge);
      fails(() => verifier.check({ token: GOOD, client_ip: "203.0.113.9", request: REQUEST, now }), "input.invalid", edge);
    }
    assert.equal(credgate.verifyToken(verifyInput(GOOD, { now: BigInt(NOW + 10) })).claims.org, "org_1");
    assert.equal(verifier.check({ token: GOOD, client_ip: "203.0.113.9", request: REQUEST, now: BigInt(NOW + 10) }).allowed, true);
    // From 10^11 s on (either sign) a verification time is refused as milliseconds (issue 12).
    fails(() => verifier.verify(GOOD, 2n ** 63n - 1n), "input.invalid", edge);
    fails(() => verifier.verify(GOOD, 2 ** 53), "input.invalid", edge);
    fails(() => verifier.verify(GOOD, 99_999_999_999), "token.expired", edge);
    fails(() => verifier.verify(GOOD, -1), "token.not_yet_valid", edge);
    fails(() => verifier.verify(GOOD, -99_999_999_999), "token.not_yet_valid", edge);
    fails(() => verifier.verify(GOOD, -(2n ** 63n)), "input.invalid", edge);
    verifier.free();
    for (const leeway of [NaN, Infinity, -5, 0.5]) {
      fails(() => new credgate.Verifier(JWKS, { ...OPTIONS, leeway }), "input.invalid");
      fails(() => credgate.verifyToken(verifyInput(GOOD, { leeway })), "input.invalid");
    }
  });
});

describe("RFC 8725 attacks on the header", () => {
  test("alg none and its case variants, with or without a signature: token.unsupported_alg", () => {
    for (const alg of ["none", "None", "NONE", "nOnE", "none ", ""]) {
      const token = signJson({ ...HEADER, alg }, claims());
      refusedEverywhere(token, "token.unsupported_alg");
      refusedEverywhere(`${token.split(".").slice(0, 2).join(".")}.`, "token.unsupported_alg");
    }
  });

  test("other algorithms, case variants of EdDSA and non-string alg values: token.unsupported_alg", () => {
    for (const alg of ["HS256", "RS256", "ES256", "PS256", "eddsa", "EDDSA", "ed25519", "ED25519", "EdDSA\0", ["EdDSA"], { alg: "EdDSA" }, null, 1]) {
      refusedEverywhere(signJson({ ...HEADER, alg }, claims()), "token.unsupported_alg");
    }
    refusedEverywhere(signJson({ kid: "k1", typ: "at+jwt" }, claims()), "token.unsupported_alg");
    // Both accepted names verify (SPEC §6).
    assert.equal(credgate.verifyToken(verifyInput(signJson({ ...HEADER, alg: "Ed25519" }, claims()))).claims.org, "org_1");
  });

  test("HS256 keyed with the public key (raw bytes, its base64url text, the JWK JSON): token.unsupported_alg", () => {
    const x = JWKS.keys[0].x;
    for (const secret of [Buffer.from(x, "base64url"), Buffer.from(x), Buffer.from(JSON.stringify(JWKS.keys[0])), Buffer.from(JSON.stringify(JWKS))]) {
      for (const header of [{ alg: "HS256", typ: "at+jwt", kid: "k1" }, { alg: "HS512", typ: "at+jwt", kid: "k1" }]) {
        const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims()))}`;
        const mac = createHmac(header.alg === "HS256" ? "sha256" : "sha512", secret).update(input).digest();
        refusedEverywhere(`${input}.${b64(mac)}`, "token.unsupported_alg");
      }
    }
  });

  test("keys and instructions from the token itself: jwk, jku, x5u, x5c, crit, b64 are token.forbidden_header", () => {
    const attackerJwk = { ...createPublicKey(ATTACKER).export({ format: "jwk" }), kid: "k1" };
    const members = [
      { jwk: attackerJwk },
      { jwk: null },
      { jku: "https://attacker.example/jwks.json" },
      { x5u: "https://attacker.example/cert.pem" },
      { x5c: ["MIIBLDCB36ADAgECAhQ"] },
      { crit: ["exp"] },
      { crit: [] },
      { b64: false },
      { b64: true },
    ];
    for (const extra of members) {
      // Signed by the attacker's key, which the embedded jwk names: never used.
      refusedEverywhere(signJson({ ...HEADER, ...extra }, claims(), ATTACKER), "token.forbidden_header");
      // Even signed by the trusted key, the header is refused.
      refusedEverywhere(signJson({ ...HEADER, ...extra }, claims(), KEY1), "token.forbidden_header");
    }
    // The order of SPEC §6: alg before typ before forbidden members.
    refusedEverywhere(signJson({ ...HEADER, alg: "none", jwk: attackerJwk }, claims()), "token.unsupported_alg");
    refusedEverywhere(signJson({ ...HEADER, typ: "JWT", jku: "https://attacker.example" }, claims()), "token.wrong_type");
  });

  test("a token signed by another key under a trusted kid is token.bad_signature; an unknown kid is token.unknown_key", () => {
    refusedEverywhere(signJson(HEADER, claims(), ATTACKER), "token.bad_signature");
    for (const kid of ["k2", "../k1", "k1 ", "K1", "", null, 1]) refusedEverywhere(signJson({ ...HEADER, kid }, claims()), "token.unknown_key");
  });
});

describe("base64url variants (SPEC §6: no padding, canonical, url alphabet)", () => {
  // A token whose signature has a `-` or `_`, and whose header has trailing bits to flip.
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  let token;
  for (let i = 0; ; i++) {
    token = signJson(HEADER, claims({ jti: `jti-${i}` }));
    if (/[-_]/.test(token.split(".")[2])) break;
  }
  const [h, p, s] = token.split(".");
  const std = (part) => part.replace(/-/g, "+").replace(/_/g, "/");
  const flipLastBit = (part) => part.slice(0, -1) + ALPHABET[ALPHABET.indexOf(part.at(-1)) ^ 1];

  test("the untouched token verifies", () => {
    assert.equal(credgate.verifyToken(verifyInput(token)).claims.org, "org_1");
  });

  test("padding, the +/ alphabet, non-canonical trailing bits, whitespace, empty or extra parts: token.malformed", () => {
    assert.ok(h.length % 4 !== 0 && s.length % 4 !== 0, "parts whose length leaves trailing bits");
    const variants = [
      `${h}=.${p}.${s}`,
      `${h}.${p}.${s}==`,
      `${h}.${p}=.${s}`,
      `${h}.${p}.${std(s)}`,
      `${std(h)}.${std(p)}.${std(s)}`,
      `${flipLastBit(h)}.${p}.${s}`,
      `${h}.${p}.${flipLastBit(s)}`,
      ` ${token}`,
      `${token} `,
      `${token}\n`,
      `${h}.${p}\t.${s}`,
      `${h}.\r\n${p}.${s}`,
      `${h.slice(0, 8)} ${h.slice(8)}.${p}.${s}`,
      `${h}.${p}`,
      `${token}.`,
      `${h}..${s}`,
      `.${p}.${s}`,
      "..",
      `${h}.${p}.${s}%3D`,
    ];
    for (const variant of variants) refusedEverywhere(variant, "token.malformed");
    assert.ok(/[-_]/.test(s) && !/[-_]/.test(std(s)), "the alphabet variant differs");
  });
});

describe("duplicate JSON members in the signed header and payload (SPEC §6, §9)", () => {
  const header = JSON.stringify(HEADER);
  const payload = JSON.stringify(claims());
  const addTo = (json, member) => json.replace(/}$/, `,${member}}`);

  test("plain and escaped duplicates, at any depth: token.malformed", () => {
    for (const [headerText, payloadText] of [
      [addTo(header, '"alg":"none"'), payload],
      [addTo(header, '"alg":"EdDSA"'), payload],
      [addTo(header, '"\\u0061lg":"none"'), payload],
      [addTo(header, '"k\\u0069d":"k2"'), payload],
      [header, addTo(payload, '"exp":99999999999')],
      [header, addTo(payload, '"\\u0065xp":99999999999')],
      [header, addTo(payload, '"\\u0065\\u0078\\u0070":99999999999')],
      [header, addTo(payload, '"sc\\u006fpe":"vault:delete:org"')],
      [header, addTo(payload, '"x":{"a":1,"\\u0061":2}')],
    ]) {
      refusedEverywhere(signText(headerText, payloadText), "token.malformed");
    }
  });
});

describe("Unicode look-alikes are different ids, never a match", () => {
  const CYRILLIC_K = "\u043a"; // к
  test("a kid with a Cyrillic к (in the token or in the JWKS): token.unknown_key", () => {
    refusedEverywhere(signJson({ ...HEADER, kid: `${CYRILLIC_K}1` }, claims()), "token.unknown_key");
    const lookalikeJwks = { keys: [{ ...JWKS.keys[0], kid: `${CYRILLIC_K}1` }] };
    fails(() => credgate.verifyToken({ ...verifyInput(GOOD), jwks: lookalikeJwks }), "token.unknown_key");
    fails(() => new edge.Verifier(lookalikeJwks, OPTIONS).verify(GOOD, NOW + 10), "token.unknown_key", edge);
  });

  test("claims with look-alikes: another issuer, audience, organisation; an exp that is not `exp`", () => {
    refusedEverywhere(signJson(HEADER, claims({ iss: "https://\u0430uth.example.test" })), "token.wrong_issuer"); // Cyrillic а
    refusedEverywhere(signJson(HEADER, claims({ aud: "https://api.ex\u0430mple.test" })), "token.wrong_audience");
    refusedEverywhere(signJson(HEADER, { ...claims({ exp: undefined }), "\u0435xp": NOW + 3600 }), "token.missing_claim"); // Cyrillic е
    // A scope whose permission is spelled with a look-alike is not a permission at all.
    refusedEverywhere(signJson(HEADER, claims({ scope: "balances:read:vault:vlt_\u0031\u0301" })), "token.invalid_claim");
    // An org claim with a Cyrillic о is another organisation.
    const verifier = new edge.Verifier(JWKS, OPTIONS);
    const out = verifier.check({ token: signJson(HEADER, claims({ org: "\u043erg_1" })), client_ip: "203.0.113.9", request: { ...REQUEST, org: "org_1" }, now: NOW + 10 });
    assert.deepEqual([out.allowed, out.status, out.reason], [false, 403, "deny.org_mismatch"]);
    verifier.free();
  });

  test("request ids with look-alike digits or letters: request.invalid, never the real id", () => {
    for (const org of ["org_\u0661", "org_\uff11", "\u043erg_1"]) {
      // Arabic-Indic ١, fullwidth １, Cyrillic о
      fails(() => credgate.authorize({ permissions: ["balances:read:org"], request: { ...REQUEST, org }, org: "org_1" }), "request.invalid");
      const verifier = new edge.Verifier(JWKS, OPTIONS);
      const out = verifier.check({ token: GOOD, client_ip: "203.0.113.9", request: { ...REQUEST, org }, now: NOW + 10 });
      assert.deepEqual([out.allowed, out.status, out.reason], [false, 400, "request.invalid"]);
      verifier.free();
    }
    fails(() => credgate.authorize({ permissions: ["balances:read:vault:vlt_1"], request: { ...REQUEST, vault: "vlt_\uff11" } }), "request.invalid");
    fails(() => credgate.authorize({ permissions: ["balances:read:vault:vlt_1"], request: { ...REQUEST, vault: "\u0475lt_1" } }), "request.invalid");
    fails(() => credgate.parsePermission("balances:read:vault:vlt_\u0661"), "permission.invalid_resource");
    fails(() => new credgate.PermissionSet(["balances:read:vault:vlt_1", "b\u0430lances:read:org"]), "permission.unknown_type");
  });

  test("IP addresses with look-alike digits are not addresses: deny.ip_invalid / ip.invalid", () => {
    for (const ip of ["\uff12\uff10\uff13.0.113.9", "\u0662\u0660\u0663.0.113.9", "203.0.113.9\u200b", "203\u3002" + "0.113.9"]) {
      assert.equal(answers(() => credgate.ipAllowed({ allowlist: ["0.0.0.0/0"], ip })).reason, "deny.ip_invalid", ip);
    }
    fails(() => credgate.ipAllowed({ allowlist: ["\uff11\uff10.0.0.0/8"], ip: "10.0.0.1" }), "ip.invalid");
  });

  test("a credential's own token still works after all of the above (issueToken → check)", () => {
    const token = issue(credgate);
    const verifier = new edge.Verifier(credgate.publicJwks([K1, K2]), OPTIONS);
    assert.equal(verifier.check({ token, client_ip: "203.0.113.9", request: REQUEST, now: NOW + 10 }).allowed, true);
    verifier.free();
  });
});
