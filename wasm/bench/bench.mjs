// `make bench-wasm`: in one Node.js run, credgate's full edge check through a prepared
// `Verifier` against `jose`'s bare `jwtVerify` of the same EdDSA JWT with the same key (the
// verifier's cache off: every call verifies the signature, as jose's does), the same check
// for a token the verifier has seen (its cache on, the default: issue 11), and the size of
// the WebAssembly module.
//
//   node wasm/bench/bench.mjs [--iterations N]

import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { importJWK, jwtVerify } from "jose";
import { sizeLine } from "./size.mjs";

// The package under test: wasm/pkg, or another build given in CREDGATE_PKG (a folder).
const pkg = process.env.CREDGATE_PKG ? new URL(`file://${process.env.CREDGATE_PKG}/`) : new URL("../pkg/", import.meta.url);
const credgate = await import(new URL("node.js", pkg).href);
const edge = await import(new URL("edge-node.js", pkg).href);

const args = process.argv.slice(2);
const baseIterations = Number(args[args.indexOf("--iterations") + 1]) || 3000;
const rounds = 7;

const issuer = "https://auth.example.test";
const audience = "https://api.example.test";
const now = 1_700_000_000;
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
    permissions: [
      "transaction:create:vault:vlt_1",
      "transaction:read:org",
      "key:read:org",
      "balances:read:vault:vlt_1",
    ],
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
const at = now + 60;

const uncached = { issuer, audience, cache: { max_entries: 0 } };
const verifier = new credgate.Verifier(jwks, uncached);
const edgeVerifier = new edge.Verifier(jwks, uncached);
const cachedVerifier = new credgate.Verifier(jwks, { issuer, audience });
const cachedEdgeVerifier = new edge.Verifier(jwks, { issuer, audience });
const checkInput = {
  token,
  client_ip: "203.0.113.9",
  request: { type: "balances", action: "read", vault: "vlt_1" },
  now: at,
};
const joseKey = await importJWK(jwks.keys[0], "EdDSA");
const joseOptions = { issuer, audience, typ: "at+jwt", algorithms: ["EdDSA"], currentDate: new Date(at * 1000) };

// Both must accept the token before they are timed.
const checked = verifier.check(checkInput);
if (!checked.allowed) throw new Error(`credgate refused the bench token: ${JSON.stringify(checked)}`);
await jwtVerify(token, joseKey, joseOptions);

// Synchronous calls are timed without `await`; jose's promise-based API is awaited. Rounds
// of the candidates are interleaved, so a load change on the machine hits them all alike; each
// reports its median round.
const candidates = [
  ["credgate Verifier.check (full edge check)", () => verifier.check(checkInput)],
  ["credgate/edge Verifier.check (full edge check)", () => edgeVerifier.check(checkInput)],
  ["credgate Verifier.verify (token only)", () => verifier.verify(token, at)],
  ["credgate verifyToken (one-off: JWKS parsed per call)", () => credgate.verifyToken({ token, jwks, issuer, audience, now: at })],
  ["jose jwtVerify (bare EdDSA verify)", () => jwtVerify(token, joseKey, joseOptions)],
  ["credgate Verifier.check, cached token", () => cachedVerifier.check(checkInput)],
  ["credgate/edge Verifier.check, cached token", () => cachedEdgeVerifier.check(checkInput)],
  ["credgate/edge Verifier.verify, cached token", () => cachedEdgeVerifier.verify(token, at)],
];
// A cached call takes microseconds: more of them per round.
const CACHED = 5;

async function round(fn, index) {
  const iterations = index >= CACHED ? 20 * baseIterations : baseIterations;
  const start = process.hrtime.bigint();
  if (fn() instanceof Promise) {
    for (let i = 1; i < iterations; i++) await fn();
  } else {
    for (let i = 1; i < iterations; i++) fn();
  }
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

console.log(`wasm-node bench: token ${token.length} bytes, ${process.version}`);
const samples = candidates.map(() => []);
for (const [i, [, fn]] of candidates.entries()) await round(fn, i); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const [i, [, fn]] of candidates.entries()) samples[i].push(await round(fn, i));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = candidates.map(([name], i) => [name, median(samples[i])]);
for (const [name, us] of results) {
  console.log(`wasm-node bench: ${name.padEnd(52)} ${us.toFixed(1).padStart(7)} µs/op (median of ${rounds} rounds)`);
}
const [credgateCheck, edgeCheck, , , jose, cachedCheck, cachedEdgeCheck] = results.map(([, us]) => us);
for (const [name, value] of [["credgate", credgateCheck], ["credgate/edge", edgeCheck]]) {
  const ratio = value / jose;
  console.log(
    `wasm-node bench: ratio ${name} Verifier.check / jose jwtVerify = ${ratio.toFixed(2)}× (target ≤ 2×: ${ratio <= 2 ? "met" : "NOT met"})`,
  );
}
for (const [name, cached, plain] of [["credgate", cachedCheck, credgateCheck], ["credgate/edge", cachedEdgeCheck, edgeCheck]]) {
  const speedup = plain / cached;
  console.log(
    `wasm-node bench: ${name} Verifier.check cached ${cached.toFixed(2)} µs (target < 5 µs: ${cached < 5 ? "met" : "NOT met"}), ` +
      `${speedup.toFixed(0)}× faster than uncached (target ≥ 20×: ${speedup >= 20 ? "met" : "NOT met"})`,
  );
}
for (const v of [verifier, edgeVerifier, cachedVerifier, cachedEdgeVerifier]) v.free();

for (const name of ["credgate_bg.wasm", "credgate_edge_bg.wasm"]) {
  console.log(`wasm-node bench: module ${sizeLine(fileURLToPath(new URL(name, pkg)))}`);
}
