// wrangler.jsonc: it parses as JSONC, its `main` exists and exports a fetch handler, and every
// environment name the worker reads is declared there (a var, a service binding, or named in
// its comment of per-deployment settings).

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const text = readFileSync(here("../wrangler.jsonc"), "utf8");

// JSONC -> JSON: drops line and block comments outside strings (Wrangler's format).
function stripComments(source) {
  let out = "";
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j;
    } else if (c === "/" && source[i + 1] === "/") {
      while (i < source.length && source[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      assert.notEqual(end, -1, "an unterminated /* comment");
      i = end + 1;
    } else {
      out += c;
    }
  }
  return out;
}

const comments = text.split("\n").filter((l) => l.trimStart().startsWith("//")).join("\n");
const config = JSON.parse(stripComments(text));

test("wrangler.jsonc parses and names the worker, its entry and a compatibility date", () => {
  assert.equal(typeof config.name, "string");
  assert.match(config.compatibility_date, /^\d{4}-\d{2}-\d{2}$/);
  assert.ok(existsSync(here(`../${config.main}`)), `main ${config.main} exists`);
});

test("its main exports a fetch handler that answers", async () => {
  const worker = (await import(pathToFileURL(here(`../${config.main}`)).href)).default;
  assert.equal(typeof worker.fetch, "function");
  // With the config's vars alone (per-deployment settings unset) it refuses, fail closed.
  const res = await worker.fetch(new Request("https://edge.example.test/v1/vaults"), { ...config.vars });
  assert.equal(res.status, 500);
  assert.deepEqual(await res.json(), { error: "server_misconfigured" });
});

test("every environment name the worker reads is declared in wrangler.jsonc", () => {
  const source = readFileSync(here(`../${config.main}`), "utf8");
  const read = new Set();
  for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) read.add(m[1]);
  // Names read through a helper (`seconds(env, "NAME", …)`) or a list of names.
  for (const m of source.matchAll(/"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"/g)) read.add(m[1]);
  assert.ok(read.has("ISSUER") && read.has("UPSTREAM") && read.has("REVOCATIONS_MAX_AGE"), [...read].join(" "));
  const bound = new Set([...Object.keys(config.vars ?? {}), ...(config.services ?? []).map((s) => s.binding)]);
  for (const name of read) {
    assert.ok(bound.has(name) || new RegExp(`\\b${name}\\b`).test(comments), `${name} is declared in wrangler.jsonc`);
  }
  // The vars given are ones the worker reads (no stale names).
  for (const name of Object.keys(config.vars ?? {})) assert.ok(read.has(name), `${name} is read by the worker`);
  assert.deepEqual(config.services.map((s) => s.binding), ["UPSTREAM"]);
});
