// `make bench-wasm`: credgate's WebAssembly package in Node.js against its JavaScript peers,
// side by side in one run, on the same EdDSA token with the same key:
// - Node's own `crypto.verify` (Ed25519, synchronous) on the token's signing input: the floor
//   of what any JavaScript library can do; WebCrypto's `subtle.verify`, which jose uses;
//   jose's `jwtVerify` with an imported key;
// - credgate's `Verifier.check` (full and edge modules), uncached and cached, `verify`, and
//   the one-off `verifyToken`;
// - cold start: compile and instantiate of credgate_bg.wasm and credgate_edge_bg.wasm, and
//   the first check on a fresh instance; the modules' sizes.
// Subjects are interleaved call by call in a rotating order (as bench/src/harness.rs does
// natively), so a slow phase of the machine hits all alike; each reports its median and 10th
// percentile. Writes target/bench/node.json (or the path after --out) for bench/report.py.
//
//   node wasm/bench/bench.mjs [--samples N] [--out PATH]

import { createHash, createPublicKey, verify as cryptoVerify, webcrypto } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { importJWK, jwtVerify } from "jose";
import { moduleSize, TARGET_GZIP_KB, TARGET_RAW_KB } from "./size.mjs";

// The package under test: wasm/pkg, or another build given in CREDGATE_PKG (a folder).
const pkg = process.env.CREDGATE_PKG ? new URL(`file://${process.env.CREDGATE_PKG}/`) : new URL("../pkg/", import.meta.url);
const credgate = await import(new URL("node.js", pkg).href);
const edge = await import(new URL("edge-node.js", pkg).href);

const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const SAMPLES = Number(arg("--samples", 3000));
const WARM_UP = 300;
const OUT = arg("--out", fileURLToPath(new URL("../../target/bench/node.json", import.meta.url)));
const COLD_RUNS = 15;
const log = (line = "") => console.log(line);
const loadAtStart = loadavg()[0];

const issuer = "https://auth.example.test";
const audience = "https://api.example.test";
// Issued at the wall clock: jose checks `exp` and `iat` against it.
const now = Math.floor(Date.now() / 1000);
const signingKey = {
  kid: "k1",
  seed: createHash("sha256").update("credgate-conformance-k1").digest("hex"),
};
const jwks = credgate.publicJwks([signingKey]);

// A realistic token: a transactions credential with a few permissions and two networks.
const { credential, client_secret } = credgate.createCredential({
  spec: {
    name: "Bench - Transaction Service",
    permission_set_type: "transactions",
    permissions: ["transaction:create:vault:vlt_1", "transaction:read:org", "key:read:org", "balances:read:vault:vlt_1"],
    ip_allowlist: ["203.0.113.0/24", "198.51.100.7"],
    environment: "production",
  },
  org: "org_1",
  now,
  entropy: "ab".repeat(48),
});
const issued = credgate.issueToken({
  credential,
  client_secret,
  client_ip: "203.0.113.9",
  now,
  signing_key: signingKey,
  jti: "jti-bench-0001",
  issuer,
  audience,
});
if (!issued.ok) throw new Error(`cannot issue the bench token: ${JSON.stringify(issued)}`);
const token = issued.token;
const at = now + 10;
const checkInput = (t = token) => ({
  token: t,
  client_ip: "203.0.113.9",
  request: { type: "balances", action: "read", vault: "vlt_1" },
  now: at,
});
const input = checkInput();
const malformedInput = checkInput("not-a-jws");

const uncached = { issuer, audience, cache: { max_entries: 0 } };
const verifier = new credgate.Verifier(jwks, uncached);
const edgeVerifier = new edge.Verifier(jwks, uncached);
const cachedVerifier = new credgate.Verifier(jwks, { issuer, audience });
const cachedEdgeVerifier = new edge.Verifier(jwks, { issuer, audience });

// The peers: the same key, imported once.
const jwk = jwks.keys[0];
const keyObject = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x }, format: "jwk" });
const subtleKey = await webcrypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" }, false, ["verify"]);
const joseKey = await importJWK(jwk, "EdDSA");
const joseOptions = { issuer, audience, typ: "at+jwt", algorithms: ["EdDSA"] };
const dot = token.lastIndexOf(".");
const signingInput = Buffer.from(token.slice(0, dot));
const signature = Buffer.from(token.slice(dot + 1), "base64url");

// Every subject accepts the token, and refuses it with one signature bit flipped, before
// anything is timed (so none of them skips the signature).
const flipped = Buffer.from(signature);
flipped[0] ^= 1;
const tampered = `${token.slice(0, dot)}.${flipped.toString("base64url")}`;
const refuses = async (fn) => {
  try {
    return (await fn()) === false;
  } catch {
    return true;
  }
};
for (const v of [verifier, edgeVerifier, cachedVerifier, cachedEdgeVerifier]) {
  const checked = v.check(input);
  if (!checked.allowed) throw new Error(`credgate refused the bench token: ${JSON.stringify(checked)}`);
  if (v.check(checkInput(tampered)).allowed) throw new Error("credgate accepted a bad signature");
}
if (verifier.check(malformedInput).status !== 401) throw new Error("a malformed token was not refused with 401");
if (!cryptoVerify(null, signingInput, keyObject, signature) || cryptoVerify(null, signingInput, keyObject, flipped))
  throw new Error("crypto.verify disagrees on the bench token");
if (!(await webcrypto.subtle.verify("Ed25519", subtleKey, signature, signingInput)) || !(await refuses(() => webcrypto.subtle.verify("Ed25519", subtleKey, flipped, signingInput))))
  throw new Error("subtle.verify disagrees on the bench token");
await jwtVerify(token, joseKey, joseOptions);
if (!(await refuses(() => jwtVerify(tampered, joseKey, joseOptions)))) throw new Error("jose accepted a bad signature");

const subjects = [
  ["crypto_verify", "node:crypto verify (Ed25519, sync, signing input)", () => cryptoVerify(null, signingInput, keyObject, signature)],
  ["subtle_verify", "WebCrypto subtle.verify (Ed25519, signing input)", () => webcrypto.subtle.verify("Ed25519", subtleKey, signature, signingInput)],
  ["jose_jwtverify", "jose jwtVerify (imported key)", () => jwtVerify(token, joseKey, joseOptions)],
  ["check_uncached", "credgate Verifier.check, uncached", () => verifier.check(input)],
  ["edge_check_uncached", "credgate/edge Verifier.check, uncached", () => edgeVerifier.check(input)],
  ["check_cached", "credgate Verifier.check, cached", () => cachedVerifier.check(input)],
  ["edge_check_cached", "credgate/edge Verifier.check, cached", () => cachedEdgeVerifier.check(input)],
  // What the crossing alone costs: the input read (JSON.stringify, parsed by the module) and a
  // small refusal built back, for a token refused at its first check (not a JWS).
  ["check_malformed", "credgate Verifier.check, malformed token (crossing only)", () => verifier.check(malformedInput)],
  ["verify_uncached", "credgate Verifier.verify, uncached (token only)", () => verifier.verify(token, at)],
  ["verify_token_oneoff", "credgate verifyToken (one-off: JWKS parsed per call)", () => credgate.verifyToken({ token, jwks, issuer, audience, now: at })],
].map(([key, name, call]) => ({ key, name, call }));

/** Per-call ns of `batch` calls; a promise-returning call is awaited, one call at a time. */
async function timeBatch(call, batch) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) {
    const r = call();
    if (r instanceof Promise) await r;
  }
  return Number(process.hrtime.bigint() - start) / batch;
}

const percentile = (sorted, f) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * f))];

/** Interleaved, rotating: one sample of each subject per round. Fast subjects (far below
 * the clock's own cost to read) are timed in batches sized to about BATCH_NS, so a sample of
 * a cached check is dozens of calls rather than two (a sample of two calls measured the switch
 * from the subject before it as much as the call). */
const BATCH_NS = 100_000;
async function interleave(list, warmUp, samples) {
  const batches = [];
  for (const s of list) {
    let best = Infinity;
    for (let i = 0; i < 50; i++) best = Math.min(best, await timeBatch(s.call, 1));
    batches.push(Math.min(1000, Math.max(1, Math.ceil(BATCH_NS / best))));
  }
  const times = list.map(() => []);
  for (let round = 0; round < warmUp + samples; round++) {
    for (let step = 0; step < list.length; step++) {
      const which = (round + step) % list.length;
      const t = await timeBatch(list[which].call, batches[which]);
      if (round >= warmUp) times[which].push(t);
    }
  }
  return list.map((s, i) => {
    const sorted = times[i].sort((a, b) => a - b);
    return { key: s.key, name: s.name, median_ns: percentile(sorted, 0.5), p10_ns: percentile(sorted, 0.1), batch: batches[i], samples: sorted.length, iterations: sorted.length * batches[i] };
  });
}

const human = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(1)} ns`);

function printGroup(title, stats, base) {
  log(title);
  log(`  ${"".padEnd(54)} ${"median".padStart(11)} ${"p10".padStart(11)} ${"calls".padStart(9)}${base ? "   ratio median / p10" : ""}`);
  const b = stats.find((s) => s.key === base);
  for (const s of stats) {
    const ratio = b && b !== s ? `   ${(s.median_ns / b.median_ns).toFixed(3)}x / ${(s.p10_ns / b.p10_ns).toFixed(3)}x` : "";
    log(`  ${s.name.padEnd(54)} ${human(s.median_ns).padStart(11)} ${human(s.p10_ns).padStart(11)} ${String(s.iterations).padStart(9)}${ratio}`);
  }
  log();
}

log(`wasm-node bench: Node ${process.version} (V8 ${process.versions.v8}), ${token.length}-byte token`);
const tokenTitle = `token verification, interleaved call by call (${SAMPLES} samples each, ${token.length}-byte token)`;
const tokenStats = await interleave(subjects, WARM_UP, SAMPLES);
// The cached subjects hit the cache every time, the uncached ones never did.
for (const [v, cachedOne] of [[verifier, false], [edgeVerifier, false], [cachedVerifier, true], [cachedEdgeVerifier, true]]) {
  const { hits, entries } = v.cacheStats;
  if (cachedOne ? entries !== 1 || hits === 0 : hits !== 0 || entries !== 0) throw new Error(`unexpected cache counters: ${JSON.stringify(v.cacheStats)}`);
}
printGroup(tokenTitle, tokenStats, "crypto_verify");
const stats = Object.fromEntries(tokenStats.map((s) => [s.key, s]));
for (const [name, key] of [["credgate", "check_uncached"], ["credgate/edge", "edge_check_uncached"]]) {
  const ratio = stats[key].median_ns / stats.crypto_verify.median_ns;
  log(`  ${name} Verifier.check uncached / crypto.verify = ${ratio.toFixed(2)}x (target <= 2x: ${ratio <= 2 ? "met" : "NOT met"}); / jose jwtVerify = ${(stats[key].median_ns / stats.jose_jwtverify.median_ns).toFixed(2)}x`);
}
for (const [name, cached, plain] of [["credgate", "check_cached", "check_uncached"], ["credgate/edge", "edge_check_cached", "edge_check_uncached"]]) {
  const speedup = stats[plain].median_ns / stats[cached].median_ns;
  log(`  ${name} cached check ${human(stats[cached].median_ns)} (target < 5 µs: ${stats[cached].median_ns < 5000 ? "met" : "NOT met"}), ${speedup.toFixed(1)}x faster than uncached (target >= 20x: ${speedup >= 20 ? "met" : "NOT met"})`);
}
log();
for (const v of [verifier, edgeVerifier, cachedVerifier, cachedEdgeVerifier]) v.free();

// Cold start. V8 caches compiled modules by their bytes within a process, so each run
// compiles a copy made unique by a trailing custom section (ignored by the engine and the
// glue): every compile is a real one. Instantiation goes through a fresh copy of the
// package's own glue (`initSync({ module })` of credgate.js imported under a new URL), and
// the first check on that instance includes V8's lazy compilation of the functions it runs.
function uniqueCopy(bytes, n) {
  const name = Buffer.from("credgate-bench");
  const payload = Buffer.concat([Buffer.from([name.length]), name, Buffer.from(String(n).padStart(8, "0"))]);
  return Buffer.concat([bytes, Buffer.from([0, payload.length]), payload]);
}

const coldStats = [];
const cold = {};
for (const [label, file, glue] of [["credgate_bg.wasm", "credgate_bg.wasm", "credgate.js"], ["credgate_edge_bg.wasm", "credgate_edge_bg.wasm", "credgate_edge.js"]]) {
  const bytes = readFileSync(new URL(file, pkg));
  const compile = [];
  const instantiate = [];
  const firstCheck = [];
  for (let i = 0; i < COLD_RUNS + 2; i++) {
    const fresh = await import(new URL(`${glue}?cold=${i}`, pkg).href);
    const copy = uniqueCopy(bytes, i);
    let t = process.hrtime.bigint();
    const module = await WebAssembly.compile(copy);
    const compiled = Number(process.hrtime.bigint() - t);
    t = process.hrtime.bigint();
    fresh.initSync({ module });
    const instantiated = Number(process.hrtime.bigint() - t);
    t = process.hrtime.bigint();
    const v = new fresh.Verifier(jwks, uncached);
    const ok = v.check(input).allowed;
    const checked = Number(process.hrtime.bigint() - t);
    v.free();
    if (!ok) throw new Error(`a fresh ${label} refused the bench token`);
    if (i < 2) continue; // warm-up: the JavaScript around the calls
    compile.push(compiled);
    instantiate.push(instantiated);
    firstCheck.push(checked);
  }
  const short = label.replace("_bg.wasm", "");
  for (const [what, times, name] of [["compile", compile, "WebAssembly.compile"], ["instantiate", instantiate, "instantiate (initSync)"], ["first_check", firstCheck, "first Verifier + check"]]) {
    const sorted = times.sort((a, b) => a - b);
    coldStats.push({ key: `${short}_${what}`, name: `${label}: ${name}`, median_ns: percentile(sorted, 0.5), p10_ns: percentile(sorted, 0.1), batch: 1, samples: sorted.length, iterations: sorted.length });
  }
  cold[label] = { ...moduleSize(fileURLToPath(new URL(file, pkg))), bytes: bytes.length };
}
const coldTitle = `cold start (median of ${COLD_RUNS} fresh compiles and instances per module)`;
printGroup(coldTitle, coldStats, null);

for (const [name, { raw, gzip }] of Object.entries(cold)) {
  const verdict = (v, target) => (v <= target ? "met" : "NOT met");
  log(`  module ${name} ${raw.toFixed(1)} KB raw, ${gzip.toFixed(1)} KB gzip (targets <= ${TARGET_RAW_KB} KB raw: ${verdict(raw, TARGET_RAW_KB)}, <= ${TARGET_GZIP_KB} KB gzip: ${verdict(gzip, TARGET_GZIP_KB)})`);
}

const packageVersion = (url) => JSON.parse(readFileSync(url, "utf8")).version;
const result = {
  host: "node",
  generated_unix: Math.floor(Date.now() / 1000),
  load_average: loadAtStart,
  versions: {
    node: process.version,
    v8: process.versions.v8,
    jose: packageVersion(new URL("./node_modules/jose/package.json", import.meta.url)),
    credgate: packageVersion(new URL("package.json", pkg)),
  },
  fixture: { token_bytes: token.length },
  modules: Object.fromEntries(Object.entries(cold).map(([name, s]) => [name, { raw_kb: s.raw, gzip_kb: s.gzip, bytes: s.bytes }])),
  groups: [
    { id: "token", title: tokenTitle, subjects: tokenStats },
    { id: "cold", title: coldTitle, subjects: coldStats },
  ],
};
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
log(`\nwrote ${OUT}`);
