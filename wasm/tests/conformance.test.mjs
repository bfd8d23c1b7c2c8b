// The wasm-node conformance runner: the shared vectors and the project's own pass, and the
// runner fails loudly on a wrong expectation, an unknown op or an unreadable file.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { subset } from "./conformance.mjs";

const runner = fileURLToPath(new URL("./conformance.mjs", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));
// `make test-wasm` passes the root Makefile's $(VECTORS); by hand, the default folders.
const vectors = process.env.CREDGATE_VECTORS?.trim()
  ? process.env.CREDGATE_VECTORS.trim().split(/\s+/)
  : [join(root, "../shared/conformance"), join(root, "tests/vectors")];
const tmp = mkdtempSync(join(tmpdir(), "credgate-conformance-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(...paths) {
  const r = spawnSync(process.execPath, [runner, ...paths], { encoding: "utf8" });
  return { status: r.status, lines: r.stdout.trim().split("\n") };
}

function vectorFile(name, cases) {
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify({ suite: name, cases }));
  return path;
}

test("the shared and project vectors all pass", () => {
  const { status, lines } = run(...vectors);
  const summary = lines.at(-1);
  assert.match(summary, /^wasm-node: \d+ passed, 0 failed$/, lines.join("\n"));
  assert.ok(Number(summary.split(" ")[1]) >= 38);
  assert.equal(status, 0);
});

test("a failing case is reported with file, name, expected and got", () => {
  const file = vectorFile("wrong.json", [
    { name: "right", op: "parse_permission", input: { text: "vault:read:org" }, expect: { ok: true } },
    { name: "wrong on purpose", op: "parse_permission", input: { text: "vault:read:org" }, expect: { ok: false } },
  ]);
  const { status, lines } = run(file);
  assert.equal(status, 1);
  assert.ok(lines[0].startsWith(`${file}: wrong on purpose: expected {"ok":false} got {`), lines[0]);
  assert.equal(lines.at(-1), "wasm-node: 1 passed, 1 failed");
});

test("an unknown op, an unreadable file and no path fail", () => {
  const unknown = vectorFile("unknown.json", [{ name: "x", op: "frobnicate", input: {}, expect: {} }]);
  assert.equal(run(unknown).status, 1);
  assert.equal(run(join(tmp, "missing.json")).status, 1);
  const broken = join(tmp, "broken.json");
  writeFileSync(broken, "{ not json");
  const r = run(broken);
  assert.equal(r.status, 1);
  assert.match(r.lines[0], /cannot read/);
  assert.equal(run().status, 2);
});

test("subset comparison: objects recursively, arrays exactly, the named arrays as sets", () => {
  assert.ok(subset({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!subset({ a: 1, c: 3 }, { a: 1 }));
  assert.ok(subset({ o: { x: [1, 2] } }, { o: { x: [1, 2], y: 0 } }));
  assert.ok(!subset({ x: [2, 1] }, { x: [1, 2] }));
  assert.ok(!subset({ x: [1] }, { x: [1, 2] }));
  assert.ok(subset({ near_misses: ["b", "a"] }, { near_misses: ["a", "b"] }));
  assert.ok(subset({ errors: [{ path: "b" }, { path: "a" }] }, { errors: [{ path: "a", code: 1 }, { path: "b", code: 2 }] }));
  assert.ok(!subset({ findings: [{ code: "a" }, { code: "a" }] }, { findings: [{ code: "a" }, { code: "b" }] }));
  assert.ok(!subset({ a: null }, {}));
  assert.ok(subset({ a: null }, { a: null }));
  assert.ok(!subset({ a: 1 }, { a: "1" }));
});
