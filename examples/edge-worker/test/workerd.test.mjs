// The same worker inside a real edge runtime: Cloudflare's open-source `workerd` (npm), on
// 127.0.0.1, with the package's edge .wasm given to the worker as a compiled
// WebAssembly.Module (the only way edge runtimes accept WebAssembly) and a second worker as
// the upstream API. The runtime is
// stopped by its process id when the tests end.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createCredential, issueToken, publicJwks } from "credgate";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const workerd = here("../../../node_modules/.bin/workerd");
const pkg = here("../node_modules/credgate/");
const ISSUER = "https://auth.example.test";
const AUDIENCE = "https://api.example.test";
const K1 = { kid: "k1", seed: createHash("sha256").update("edge-worker-k1").digest("hex") };

const UPSTREAM = `export default {
  async fetch(request) {
    return Response.json({
      upstream: true,
      path: new URL(request.url).pathname,
      client_id: request.headers.get("x-credgate-client-id"),
    });
  },
};
`;

function config(port) {
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "edge", worker = .edge),
    (name = "upstream", worker = .upstream),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "edge")],
);

const edge :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "routes.mjs", esModule = embed "routes.mjs"),
    (name = "credgate/edge", esModule = embed "credgate_edge.js"),
    (name = "credgate/credgate_edge_bg.wasm", wasm = embed "credgate_edge_bg.wasm"),
  ],
  compatibilityDate = "2026-11-01",
  bindings = [
    (name = "JWKS", text = embed "jwks.json"),
    (name = "ISSUER", text = "${ISSUER}"),
    (name = "AUDIENCE", text = "${AUDIENCE}"),
    (name = "UPSTREAM", service = "upstream"),
  ],
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
let output = "";
const dir = mkdtempSync(join(tmpdir(), "credgate-workerd-"));

before(async () => {
  assert.ok(existsSync(workerd), "workerd is installed (npm devDependency)");
  copyFileSync(here("../src/worker.mjs"), join(dir, "worker.mjs"));
  copyFileSync(here("../src/routes.mjs"), join(dir, "routes.mjs"));
  copyFileSync(join(pkg, "credgate_edge.js"), join(dir, "credgate_edge.js"));
  copyFileSync(join(pkg, "credgate_edge_bg.wasm"), join(dir, "credgate_edge_bg.wasm"));
  writeFileSync(join(dir, "upstream.mjs"), UPSTREAM);
  writeFileSync(join(dir, "jwks.json"), JSON.stringify(publicJwks([K1])));
  const port = await freePort();
  writeFileSync(join(dir, "config.capnp"), config(port));
  base = `http://127.0.0.1:${port}`;
  child = spawn(workerd, ["serve", join(dir, "config.capnp")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited (${child.exitCode}): ${output}`);
    try {
      await fetch(`${base}/v1/vaults`);
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
  rmSync(dir, { recursive: true, force: true });
});

const { credential, client_secret } = createCredential({
  spec: {
    name: "Edge test - workerd",
    permission_set_type: "wallets",
    permissions: ["balances:read:vault:vlt_1"],
    ip_allowlist: ["203.0.113.0/24"],
    environment: "sandbox",
  },
  org: "org_1",
});

function token() {
  const out = issueToken({ credential, client_secret, client_ip: "203.0.113.9", signing_key: K1, issuer: ISSUER, audience: AUDIENCE });
  assert.equal(out.ok, true);
  return out.token;
}

const call = (path, headers) => fetch(`${base}${path}`, { headers });

describe("edge worker in workerd (loopback)", () => {
  test("allowed: forwarded to the upstream service with the caller's identity", async () => {
    const res = await call("/v1/vaults/vlt_1/balances", { authorization: `Bearer ${token()}`, "cf-connecting-ip": "203.0.113.9" });
    assert.equal(res.status, 200, output);
    assert.deepEqual(await res.json(), { upstream: true, path: "/v1/vaults/vlt_1/balances", client_id: credential.client_id });
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
});
