// The README's scratch Worker (shipped in the package) is real code: its block is taken from
// wasm/README.md as it is, must stay under 15 lines, and runs against the built package as a
// Worker module would — its `fetch` handler driven with Fetch `Request`s and a real token.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as credgate from "../pkg/node.js";
import { AUDIENCE, ISSUER, K1, K2, issue } from "./helpers.mjs";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const section = readme.split("\n## ").find((part) => part.startsWith("A Worker"));
const block = /```js\n([\s\S]*?)```/.exec(section ?? "")?.[1];
const tmp = mkdtempSync(join(tmpdir(), "credgate-readme-"));
let worker;

before(async () => {
  assert.ok(block, "the README has a `## A Worker…` section with a js block");
  // The package as an app installs it: node_modules/credgate.
  mkdirSync(join(tmp, "node_modules"));
  symlinkSync(fileURLToPath(new URL("../pkg/", import.meta.url)), join(tmp, "node_modules/credgate"), "dir");
  writeFileSync(join(tmp, "package.json"), JSON.stringify({ type: "module" }));
  writeFileSync(join(tmp, "worker.mjs"), block);
  worker = (await import(pathToFileURL(join(tmp, "worker.mjs")).href)).default;
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const env = { JWKS: JSON.stringify(credgate.publicJwks([K1])), ISSUER, AUDIENCE };
const call = (url, headers = {}) => worker.fetch(new Request(url, { headers }), env);
/** A token valid now (the Worker reads the clock). */
const fresh = () => issue(credgate, { now: Math.floor(Date.now() / 1000) });

test("the Worker is under 15 lines and uses Verifier.checkRequest", () => {
  const lines = block.trimEnd().split("\n");
  assert.ok(lines.length < 15, `${lines.length} lines`);
  assert.match(block, /verifier\.checkRequest\(request,/);
});

test("a token that may read the vault's balances is let through", async () => {
  const response = await call("https://api.example.test/balances?vault=vlt_1", { authorization: `Bearer ${fresh()}`, "cf-connecting-ip": "203.0.113.9" });
  assert.equal(response.status, 200);
  assert.match((await response.json()).client_id, /^cid_/);
});

test("no token: 401 with the Bearer challenge", async () => {
  const response = await call("https://api.example.test/balances?vault=vlt_1", { "cf-connecting-ip": "203.0.113.9" });
  assert.equal(response.status, 401);
  assert.match(response.headers.get("www-authenticate"), /^Bearer/);
});

test("another vault, another IP, another key: 403, 403, 401", async () => {
  const token = fresh();
  const other = await call("https://api.example.test/balances?vault=vlt_2", { authorization: `Bearer ${token}`, "cf-connecting-ip": "203.0.113.9" });
  assert.equal(other.status, 403);
  const ip = await call("https://api.example.test/balances?vault=vlt_1", { authorization: `Bearer ${token}`, "cf-connecting-ip": "192.0.2.1" });
  assert.equal(ip.status, 403);
  const foreign = issue(credgate, { now: Math.floor(Date.now() / 1000), signing_key: K2 });
  const unknownKey = await call("https://api.example.test/balances?vault=vlt_1", { authorization: `Bearer ${foreign}`, "cf-connecting-ip": "203.0.113.9" });
  assert.equal(unknownKey.status, 401);
  assert.match(await unknownKey.text(), /key/);
});
