// The same worker inside a real edge runtime: Cloudflare's open-source `workerd` (npm), on
// 127.0.0.1, with the package's edge .wasm given to the worker as a compiled
// WebAssembly.Module (the only way edge runtimes accept WebAssembly) and a second worker as
// the upstream API. A second socket serves the same worker without CLIENT_IP_SOURCE, which
// must refuse everything. Raw request lines (`//`, `..`, `%2F`) are sent over a TCP socket,
// and the upstream echoes the path text it received. The runtime is stopped by its process
// id when the tests end.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { createCredential, issueToken, publicJwks } from "credgate";
import { startIssuer } from "./issuer.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const workerd = here("../../../node_modules/.bin/workerd");
const pkg = here("../node_modules/credgate/");
const ISSUER = "https://auth.example.test";
const AUDIENCE = "https://api.example.test";
const K1 = { kid: "k1", seed: createHash("sha256").update("edge-worker-k1").digest("hex") };
const K2 = { kid: "k2", seed: createHash("sha256").update("edge-worker-k2").digest("hex") };

const UPSTREAM = `export default {
  async fetch(request) {
    return Response.json({
      upstream: true,
      path: /^[a-z]+:\\/\\/[^/]*([^?#]*)/.exec(request.url)[1],
      client_id: request.headers.get("x-credgate-client-id"),
      matched: request.headers.get("x-credgate-matched"),
    });
  },
};
`;

// The package's edge entry and the modules it imports, under the names a bundler would give
// them (relative imports resolve against "credgate/edge").
const PACKAGE_FILES = ["edge.js", "credgate_edge.js", "remote.js", "errors.js", "credgate_hot.js", "credgate_edge_bg.wasm"];
const EDGE_MODULES = `[
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "credgate/edge", esModule = embed "edge.js"),
    (name = "credgate/credgate_edge.js", esModule = embed "credgate_edge.js"),
    (name = "credgate/remote.js", esModule = embed "remote.js"),
    (name = "credgate/errors.js", esModule = embed "errors.js"),
    (name = "credgate/credgate_hot.js", esModule = embed "credgate_hot.js"),
    (name = "credgate/credgate_edge_bg.wasm", wasm = embed "credgate_edge_bg.wasm"),
  ]`;

const SHARED_BINDINGS = `(name = "ISSUER", text = "${ISSUER}"),
    (name = "AUDIENCE", text = "${AUDIENCE}"),
    (name = "UPSTREAM", service = "upstream")`;

const EDGE_BINDINGS = `(name = "JWKS", text = embed "jwks.json"),
    (name = "ISSUER", text = "${ISSUER}"),
    (name = "AUDIENCE", text = "${AUDIENCE}"),
    (name = "UPSTREAM", service = "upstream")`;

function config(port, unconfiguredPort, revokingPort, issuerPort, remotePorts) {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "edge", worker = .edge),
    (name = "edge-unconfigured", worker = .edgeUnconfigured),
    (name = "upstream", worker = .upstream),
    (name = "edge-revoking", worker = .edgeRevoking),
    (name = "issuer", external = (address = "127.0.0.1:${issuerPort}", http = ())),
    (name = "edge-remote", worker = .edgeRemote),
    (name = "edge-remote-late", worker = .edgeRemote),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:${port}", http = (), service = "edge"),
    (name = "unconfigured", address = "127.0.0.1:${unconfiguredPort}", http = (), service = "edge-unconfigured"),
    (name = "revoking", address = "127.0.0.1:${revokingPort}", http = (), service = "edge-revoking"),
    (name = "remote", address = "127.0.0.1:${remotePorts[0]}", http = (), service = "edge-remote"),
    (name = "remote-late", address = "127.0.0.1:${remotePorts[1]}", http = (), service = "edge-remote-late"),
  ],
);

# The same worker fetching its keys from the issuer's JWKS_URL (its outbound fetches go to the
# test's loopback issuer). Two services of it: two isolates, each with its own key set.
const edgeRemote :Workerd.Worker = (
  modules = ${EDGE_MODULES},
  compatibilityDate = "2026-11-01",
  globalOutbound = "issuer",
  bindings = [
    ${SHARED_BINDINGS},
    (name = "JWKS_URL", text = "http://127.0.0.1:${issuerPort}/.well-known/jwks.json"),
    (name = "CLIENT_IP_SOURCE", text = "cf-connecting-ip"),
  ],
);

# The same worker with the issuer's revocation list; its outbound fetches go to the test's
# loopback issuer. REVOCATIONS_REFRESH = 0: every request is a refresh (If-None-Match / 304).
const edgeRevoking :Workerd.Worker = (
  modules = ${EDGE_MODULES},
  compatibilityDate = "2026-11-01",
  globalOutbound = "issuer",
  bindings = [
    ${EDGE_BINDINGS},
    (name = "CLIENT_IP_SOURCE", text = "cf-connecting-ip"),
    (name = "REVOCATIONS_URL", text = "http://127.0.0.1:${issuerPort}/.well-known/credgate-revocations"),
    (name = "REVOCATIONS_REFRESH", text = "0"),
  ],
);

const edge :Workerd.Worker = (
  modules = ${EDGE_MODULES},
  compatibilityDate = "2026-11-01",
  bindings = [
    ${EDGE_BINDINGS},
    (name = "CLIENT_IP_SOURCE", text = "cf-connecting-ip"),
  ],
);

const edgeUnconfigured :Workerd.Worker = (
  modules = ${EDGE_MODULES},
  compatibilityDate = "2026-11-01",
  bindings = [${EDGE_BINDINGS}],
);

const upstream :Workerd.Worker = (
  modules = [(name = "upstream.mjs", esModule = embed "upstream.mjs")],
  compatibilityDate = "2026-11-01",
);
`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let child;
let base;
let unconfigured;
let revoking;
let issuer;
let remoteOrigins;
let output = "";
const dir = mkdtempSync(join(tmpdir(), "credgate-workerd-"));

before(async () => {
  assert.ok(existsSync(workerd), "workerd is installed (npm devDependency)");
  // The worker, its routes and Hono in one module, as Wrangler bundles it (esbuild); the
  // package stays external, given to workerd as its own modules below.
  await build({
    entryPoints: [here("../src/worker.mjs")],
    outfile: join(dir, "worker.mjs"),
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    external: ["credgate", "credgate/*"],
    logLevel: "silent",
  });
  for (const file of PACKAGE_FILES) copyFileSync(join(pkg, file), join(dir, file));
  writeFileSync(join(dir, "upstream.mjs"), UPSTREAM);
  writeFileSync(join(dir, "jwks.json"), JSON.stringify(publicJwks([K1])));
  const port = await freePort();
  const unconfiguredPort = await freePort();
  const revokingPort = await freePort();
  const remotePorts = [await freePort(), await freePort()];
  issuer = await startIssuer({ signingKey: K1, issuer: ISSUER });
  writeFileSync(join(dir, "config.capnp"), config(port, unconfiguredPort, revokingPort, issuer.port, remotePorts));
  remoteOrigins = remotePorts.map((p) => `http://127.0.0.1:${p}`);
  base = `http://127.0.0.1:${port}`;
  unconfigured = `http://127.0.0.1:${unconfiguredPort}`;
  revoking = `http://127.0.0.1:${revokingPort}`;
  child = spawn(workerd, ["serve", join(dir, "config.capnp")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode}): ${output}`);
    try {
      await fetch(`${base}/v1/vaults`);
      await fetch(`${unconfigured}/v1/vaults`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`workerd did not answer on ${base}: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

after(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(child.pid, "SIGTERM");
    await exited;
  }
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

const { credential, client_secret } = createCredential({
  spec: {
    name: "Edge test - workerd",
    permission_set_type: "wallets",
    permissions: ["balances:read:vault:vlt_1", "key:read:key:k1"],
    ip_allowlist: ["203.0.113.0/24"],
    environment: "sandbox",
  },
  org: "org_1",
});

function token(signingKey = K1) {
  const out = issueToken({ credential, client_secret, client_ip: "203.0.113.9", signing_key: signingKey, issuer: ISSUER, audience: AUDIENCE });
  assert.equal(out.ok, true);
  return out.token;
}

const call = (path, headers) => fetch(`${base}${path}`, { headers });

/** Sends a raw HTTP/1.1 request line (the path exactly as given) and returns `{ status, body }`. */
function raw(path, headers) {
  const { hostname, port } = new URL(base);
  const lines = [`GET ${path} HTTP/1.1`, `host: ${hostname}:${port}`, "connection: close", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(`${lines.join("\r\n")}\r\n\r\n`));
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (d) => (text += d));
    socket.on("error", reject);
    socket.on("end", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
      const head = text.slice(0, text.indexOf("\r\n\r\n"));
      let body = text.slice(text.indexOf("\r\n\r\n") + 4);
      if (/transfer-encoding: chunked/i.test(head)) {
        let out = "";
        for (;;) {
          const eol = body.indexOf("\r\n");
          const size = parseInt(body.slice(0, eol), 16);
          if (!size) break;
          out += body.slice(eol + 2, eol + 2 + size);
          body = body.slice(eol + 2 + size + 2);
        }
        body = out;
      }
      resolve({ status, body: body ? JSON.parse(body) : null });
    });
  });
}

describe("edge worker in workerd (loopback)", () => {
  test("allowed: forwarded to the upstream service with the caller's identity", async () => {
    const res = await call("/v1/vaults/vlt_1/balances", { authorization: `Bearer ${token()}`, "cf-connecting-ip": "203.0.113.9" });
    assert.equal(res.status, 200, output);
    assert.deepEqual(await res.json(), { upstream: true, path: "/v1/vaults/vlt_1/balances", client_id: credential.client_id, matched: "balances:read:vault:vlt_1" });
  });

  test("no token: 401 with the Bearer challenge", async () => {
    const res = await call("/v1/vaults/vlt_1/balances", { "cf-connecting-ip": "203.0.113.9" });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="credgate"');
  });

  test("another vault: 403 insufficient_scope; another IP: 403", async () => {
    const vault = await call("/v1/vaults/vlt_2/balances", { authorization: `Bearer ${token()}`, "cf-connecting-ip": "203.0.113.9" });
    assert.equal(vault.status, 403);
    assert.match(vault.headers.get("www-authenticate"), /error="insufficient_scope"/);
    const ip = await call("/v1/vaults/vlt_1/balances", { authorization: `Bearer ${token()}`, "cf-connecting-ip": "192.0.2.1" });
    assert.equal((await ip.json()).error, "deny.ip_not_allowed");
  });

  test("no CLIENT_IP_SOURCE: every request refused with 500, nothing forwarded, logged once", async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${unconfigured}/v1/vaults/vlt_1/balances`, { headers: { authorization: `Bearer ${token()}`, "cf-connecting-ip": "203.0.113.9" } });
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { error: "server_misconfigured" });
    }
    await new Promise((r) => setTimeout(r, 200));
    const logged = output.split("\n").filter((l) => l.includes("CLIENT_IP_SOURCE is not set"));
    assert.equal(logged.length, 1, output);
  });

  test("raw request lines: a path that is not canonical never reaches the upstream", async () => {
    const headers = { authorization: `Bearer ${token()}`, "cf-connecting-ip": "203.0.113.9" };
    const ok = await raw("/v1/vaults/vlt_1/keys/k1", headers);
    assert.deepEqual([ok.status, ok.body.path, ok.body.matched], [200, "/v1/vaults/vlt_1/keys/k1", "key:read:key:k1"]);
    for (const path of [
      "/v1/vaults/vlt_1//keys/k1",
      "/v1/vaults/vlt_1/keys/k1/",
      "/v1/vaults/vlt_1%2F..%2Fvlt_2/balances",
      "/v1/vaults/vlt_1/%2e%2e/vlt_2/balances",
      "/v1/vaults/vlt_2/../vlt_1/balances",
      "/v1/vaults/vlt_1/./balances",
      "/v1/vaults/vlt_1\\..\\vlt_2/balances",
      "/v1/vaults/vlt_1;x/balances",
    ]) {
      // workerd hands the request line to the worker verbatim (`..` unresolved): each of
      // these is refused, and the upstream never sees it.
      const res = await raw(path, headers);
      assert.deepEqual(res, { status: 400, body: { error: "path_not_canonical" } }, path);
    }
  });
});

describe("workerd: revocation lists", () => {
  test("after a disable, the worker with the list refuses the old token (401 token.revoked) from its next refresh; the one without it accepts it", async () => {
    const iat = Math.floor(Date.now() / 1000) - 10;
    const out = issueToken({ credential, client_secret, client_ip: "203.0.113.9", signing_key: K1, issuer: ISSUER, audience: AUDIENCE, now: iat });
    assert.equal(out.ok, true);
    const headers = { authorization: `Bearer ${out.token}`, "cf-connecting-ip": "203.0.113.9" };
    const get = async (origin) => {
      const res = await fetch(`${origin}/v1/vaults/vlt_1/balances`, { headers });
      return { status: res.status, body: await res.json() };
    };
    assert.equal((await get(revoking)).status, 200, output);
    assert.ok(issuer.requests.length > 0, `the worker fetched the list: ${output}`);
    assert.equal((await get(base)).status, 200);
    assert.equal((await get(revoking)).status, 200, "an unchanged list: 304");
    assert.equal(issuer.requests.at(-1).ifNoneMatch, '"rev-1"', "the refresh sent the held ETag");

    // The issuer disables the credential: its list gains a client entry.
    issuer.revokeClient(credential.client_id, iat + 1);
    assert.deepEqual(await get(revoking), { status: 401, body: { error: "token.revoked" } });
    assert.equal((await get(base)).status, 200, "without REVOCATIONS_URL the token is valid until it expires (SPEC §5)");

    // A broken list is logged and the held one kept.
    issuer.serve("not a list");
    assert.equal((await get(revoking)).status, 401);
    issuer.serve(null);
    assert.equal((await get(revoking)).status, 401);
  });
});

describe("workerd: a remote key set (JWKS_URL)", () => {
  test("the keys are fetched on first use and cached; an unknown kid is refused without a refetch storm; a new isolate picks up a rotated key", async () => {
    const get = async (origin, auth) => {
      const res = await fetch(`${origin}/v1/vaults/vlt_1/balances`, { headers: { authorization: auth, "cf-connecting-ip": "203.0.113.9" } });
      return { status: res.status, body: await res.json() };
    };
    const before = issuer.jwksRequests().length;
    for (let i = 0; i < 3; i++) assert.equal((await get(remoteOrigins[0], `Bearer ${token()}`)).status, 200, output);
    assert.equal(issuer.jwksRequests().length - before, 1, "one fetch, then the cached set");

    // The issuer rotates to k2 and publishes both keys.
    issuer.publish([K1, K2]);
    const rotated = `Bearer ${token(K2)}`;
    // Within the unknown-kid cooldown (30 s) of its fetch, the first isolate refuses the new
    // kid without fetching again, however many requests name it.
    for (let i = 0; i < 5; i++) assert.deepEqual(await get(remoteOrigins[0], rotated), { status: 401, body: { error: "token.unknown_key" } });
    assert.equal(issuer.jwksRequests().length - before, 1, "no refetch storm");
    // An isolate that fetches now gets both keys.
    assert.equal((await get(remoteOrigins[1], rotated)).status, 200, output);
    assert.equal((await get(remoteOrigins[1], `Bearer ${token()}`)).status, 200);
    assert.equal(issuer.jwksRequests().length - before, 2);
    issuer.publish([K1]);
  });
});
