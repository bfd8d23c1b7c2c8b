// The published package: `npm pack` of wasm/pkg installs into a fresh folder and works from
// every entry (Node, web with a compiled module, the `.wasm` export), and its TypeScript
// types pass `tsc --noEmit` on a strict consumer.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const pkgDir = fileURLToPath(new URL("../pkg/", import.meta.url));
const tsc = fileURLToPath(new URL("../../node_modules/.bin/tsc", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "credgate-pack-"));
const app = join(tmp, "app");
let tarball;

before(() => {
  const [packed] = JSON.parse(execFileSync("npm", ["pack", pkgDir, "--json", "--pack-destination", tmp], { encoding: "utf8" }));
  tarball = join(tmp, packed.filename);
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], { cwd: app, stdio: "pipe" });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test("the tarball holds the module, the JS, the types, the README and the LICENSE, nothing else", () => {
  const list = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n").sort();
  assert.deepEqual(list, [
    "package/LICENSE",
    "package/README.md",
    "package/credgate.d.ts",
    "package/credgate.js",
    "package/credgate_bg.wasm",
    "package/credgate_bg.wasm.d.ts",
    "package/credgate_edge.d.ts",
    "package/credgate_edge.js",
    "package/credgate_edge_bg.wasm",
    "package/credgate_edge_bg.wasm.d.ts",
    "package/credgate_hot.js",
    "package/edge-node.d.ts",
    "package/edge-node.js",
    "package/edge-wasm-module.node.js",
    "package/edge.d.ts",
    "package/edge.js",
    "package/errors.d.ts",
    "package/errors.js",
    "package/node.d.ts",
    "package/node.js",
    "package/package.json",
    "package/remote.js",
    "package/wasm-module.d.ts",
    "package/wasm-module.node.js",
    "package/web.d.ts",
    "package/web.js",
  ]);
  const manifest = JSON.parse(readFileSync(join(app, "node_modules/credgate/package.json"), "utf8"));
  for (const [entry, target] of Object.entries(manifest.exports)) {
    if (typeof target === "object") assert.ok(JSON.stringify(target).includes('"types"'), `${entry} carries types`);
  }
});

test("installed: the edge build's entries, for Node and for a worker with a compiled module", () => {
  const script = `
    import * as edge from "credgate/edge";
    import { initSync, Verifier, PermissionSet } from "credgate/edge";
    import edgeModule from "credgate/credgate_edge_bg.wasm";
    if (!(edgeModule instanceof WebAssembly.Module)) throw new Error("not a compiled module");
    initSync({ module: edgeModule });
    const set = new PermissionSet(["vault:read:org"]);
    const decision = set.authorize({ type: "vault", action: "read" });
    let code;
    try { new Verifier({ keys: 1 }, { issuer: "a", audience: "b" }); } catch (e) { code = e.code; }
    const remote = new edge.RemoteKeySet("http://127.0.0.1:9/jwks");
    const overRemote = new Verifier(remote, { issuer: "a", audience: "b" });
    console.log(JSON.stringify([decision.allowed, code, typeof edge.verifyToken, typeof edge.codes, overRemote.remote === remote, remote.status().state]));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), [true, "jwks.invalid", "undefined", "undefined", true, "empty"]);
});

test("installed: the Node entry, the web entry with a compiled module, and the .wasm export", () => {
  const script = `
    import * as node from "credgate";
    import { initSync, parsePermission } from "credgate/web";
    import wasmModule from "credgate/credgate_bg.wasm";
    if (!(wasmModule instanceof WebAssembly.Module)) throw new Error("not a compiled module");
    initSync({ module: wasmModule });
    const a = node.parsePermission("balances:read:vault:vlt_1").canonical;
    const b = parsePermission({ type: "vault", action: "read", scope: "org" }).canonical;
    let code;
    try { node.setTypeDefaults("nope"); } catch (e) { code = e.code; }
    console.log(JSON.stringify([a, b, code]));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), ["balances:read:vault:vlt_1", "vault:read:org", "set_type.unknown"]);
});

/** Whether a Node.js version (`x.y.z`) is in a range of `||`-joined `^x.y.z` / `>=x.y.z` parts. */
function inRange(version, range) {
  const parse = (text) => text.split(".").map(Number);
  const cmp = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const v = parse(version);
  return range.split("||").some((part) => {
    const m = /^\s*(\^|>=)(\d+\.\d+\.\d+)\s*$/.exec(part);
    if (!m) throw new Error(`a range part this test cannot read: ${part}`);
    const low = parse(m[2]);
    return cmp(v, low) >= 0 && (m[1] === ">=" || v[0] === low[0]);
  });
}

test("require() from CommonJS works for both entries, on the Node.js versions `engines` names", () => {
  // The package is ESM; `require` of it needs require(esm), unflagged from 20.19 and 22.12:
  // `engines` must say so (it said `>=18`, where require() fails).
  const manifest = JSON.parse(readFileSync(join(app, "node_modules/credgate/package.json"), "utf8"));
  const range = manifest.engines.node;
  assert.equal(range, "^20.19.0 || >=22.12.0");
  for (const [version, works] of [["18.20.8", false], ["20.18.3", false], ["20.19.0", true], ["21.7.3", false], ["22.11.0", false], ["22.12.0", true], ["24.0.0", true]]) {
    assert.equal(inRange(version, range), works, `${version} in ${range}`);
  }
  assert.ok(inRange(process.versions.node, range), `this Node.js (${process.versions.node}) is one engines names`);
  writeFileSync(
    join(app, "uses-require.cjs"),
    `const credgate = require("credgate");
     const edge = require("credgate/edge");
     const set = new edge.PermissionSet(["vault:read:org"]);
     let code;
     try { credgate.parsePermission("nope"); } catch (e) { code = [e.code, e instanceof credgate.CredgateError, e instanceof edge.CredgateError]; }
     console.log(JSON.stringify([credgate.parsePermission("vault:read:org").canonical, set.authorize({ type: "vault", action: "read" }).allowed, code]));`,
  );
  const out = execFileSync(process.execPath, [join(app, "uses-require.cjs")], { cwd: app, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), ["vault:read:org", true, ["permission.invalid", true, true]]);
});

test("a browser-style init from bytes works too (the default export)", () => {
  const script = `
    import { readFileSync } from "node:fs";
    import init, { operations } from "credgate/web";
    await init({ module_or_path: readFileSync(new URL("./node_modules/credgate/credgate_bg.wasm", import.meta.url)) });
    console.log(operations().length);
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" });
  assert.ok(Number(out) >= 10);
});

test("tsc --noEmit accepts a strict consumer of the published types, with no extra lib flags", () => {
  copyFileSync(join(here, "consumer/consumer.ts"), join(app, "consumer.ts"));
  copyFileSync(join(here, "consumer/tsconfig.json"), join(app, "tsconfig.json"));
  // What a Workers or browser project has: no `esnext.disposable`, no skipLibCheck.
  const { compilerOptions } = JSON.parse(readFileSync(join(here, "consumer/tsconfig.json"), "utf8"));
  assert.deepEqual(compilerOptions.lib, ["es2022", "dom"]);
  assert.equal(compilerOptions.strict, true);
  assert.equal(compilerOptions.skipLibCheck, false);
  const r = spawnSync(tsc, ["-p", join(app, "tsconfig.json")], { cwd: app, encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test("tsc rejects a consumer that misuses the types (the check can fail)", () => {
  writeFileSync(join(app, "bad.ts"), `import { authorize } from "credgate";\nauthorize({ permissions: [], request: { type: "vault" } });\n`);
  writeFileSync(
    join(app, "tsconfig.bad.json"),
    JSON.stringify({ extends: "./tsconfig.json", files: ["bad.ts"] }),
  );
  const r = spawnSync(tsc, ["-p", join(app, "tsconfig.bad.json")], { cwd: app, encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(`${r.stdout}${r.stderr}`, /action/);
});
