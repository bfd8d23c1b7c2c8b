// The REAL example backend for the console's browser test: `python -m credgate_backend` in
// examples/python-backend, on a free loopback port, with a fresh SQLite file, two
// administrators whose tokens are made here (only their SHA-256 digests reach the backend,
// as CREDGATE_ADMINS requires), and the built console folder. Also the runner of the Authlib
// client (api_client.py) against that backend.
//
// It owns the backend process's life: started by startBackend, stopped by its own pid in
// stop() (the test calls it in `after`, which runs on failure too). It must never leave a
// server running, reuse a database between runs, or decide anything the backend decides.

import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const BACKEND_DIR = join(ROOT, "examples/python-backend");
export const CONSOLE_DIR = process.env.CREDGATE_CONSOLE_DIR ?? join(ROOT, "target/console");
const API_CLIENT = join(ROOT, "examples/console/test/api_client.py");

/** The venv's python: ROOT/.venv unless the make target names another (PY). */
export const PYTHON = process.env.CREDGATE_PYTHON ?? join(ROOT, ".venv/bin/python");

const STARTUP_MS = 30_000;

/** A port nobody listens on now (the kernel's choice; the backend binds it right after). */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** A fresh administrator: its bearer token (for the sign-in screen) and its CREDGATE_ADMINS entry. */
function newAdmin(id, role) {
  const token = randomBytes(32).toString("base64url");
  const digest = createHash("sha256").update(token).digest("hex");
  return { id, role, token, entry: `${id}:${role}:${digest}` };
}

/**
 * Starts the backend and waits for /healthz.
 * @returns {{url: string, admins: Record<string, {id, role, token}>, dir: string, output: () => string, stop: () => Promise<void>}}
 */
export async function startBackend({ admins = ["alice:owner", "bob:administrator"], approvalPolicy = "production" } = {}) {
  if (!existsSync(PYTHON)) throw new Error(`no python at ${PYTHON}: run \`make build-python\` (or set CREDGATE_PYTHON)`);
  if (!existsSync(join(CONSOLE_DIR, "index.html"))) {
    throw new Error(`no console in ${CONSOLE_DIR}: run \`make build-console\``);
  }
  const made = Object.fromEntries(admins.map((spec) => {
    const [id, role] = spec.split(":");
    return [id, newAdmin(id, role)];
  }));
  const dir = await mkdtemp(join(tmpdir(), "credgate-console-test-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    CREDGATE_DB: join(dir, "db.sqlite3"),
    CREDGATE_ADMINS: Object.values(made).map((a) => a.entry).join(","),
    CREDGATE_CONSOLE_DIR: CONSOLE_DIR,
    CREDGATE_APPROVAL_POLICY: approvalPolicy,
    CREDGATE_ISSUER: url,
    PYTHONUNBUFFERED: "1",
  };
  delete env.CREDGATE_DATABASE_URL; // the test's own SQLite file, whatever the caller's shell says
  const child = spawn(PYTHON, ["-m", "credgate_backend", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: BACKEND_DIR, env, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => { output += chunk; });
  child.stderr.on("data", (chunk) => { output += chunk; });
  const exited = new Promise((resolveExit) => child.once("exit", (code, signal) => resolveExit({ code, signal })));
  let stopped = false;

  async function stop() {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  }

  const deadline = Date.now() + STARTUP_MS;
  let early = null;
  exited.then((status) => { early = status; });
  for (;;) {
    if (early) {
      await stop();
      throw new Error(`the backend exited at start-up (${JSON.stringify(early)}):\n${output}`);
    }
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the backend did not answer /healthz within ${STARTUP_MS} ms:\n${output}`);
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  return { url, admins: made, dir, output: () => output, stop };
}

/**
 * Runs api_client.py (the venv's Authlib) against the backend: a token with the secret (or
 * the given access token only), then GET /v1/vaults.
 * @returns {Promise<{token_status: number|null, token_error: string|null, api_status: number|null, api_error: string|null, access_token: string|null}>}
 */
export function apiClient(backend, { clientId, secret, accessToken }) {
  const args = [API_CLIENT, "--base", backend.url, "--client-id", clientId];
  if (accessToken) args.push("--access-token", accessToken);
  const env = { ...process.env };
  delete env.CREDGATE_CLIENT_SECRET;
  if (secret) env.CREDGATE_CLIENT_SECRET = secret; // not an argument: it would be in `ps`
  return new Promise((resolveRun, reject) => {
    const child = spawn(PYTHON, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => { stdout += chunk; });
    child.stderr.on("data", (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split("\n").pop();
      if (code !== 0 || !line) {
        reject(new Error(`api_client.py exited ${code}: ${stderr.trim() || stdout.trim()}`));
        return;
      }
      resolveRun(JSON.parse(line));
    });
  });
}

/** One admin API call outside the browser (for set-up and for checks of what the server holds). */
export async function adminApi(backend, admin, method, path, body) {
  const response = await fetch(`${backend.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${backend.admins[admin].token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
