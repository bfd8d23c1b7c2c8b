// Large permission lists (issue 8): the module's memory does not grow across repeated calls
// after the first (the input is read straight into the core's typed form, never a JSON value
// tree, and what one call grew is reused by the next). No timed assertions.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

const pkg = new URL("../pkg/", import.meta.url);
const COUNT = 200_000;
const CALLS = 5;

/** A fresh module instance and its memory. */
async function instance(name, wasm = "credgate_bg.wasm", js = "credgate.js") {
  const credgate = await import(`${new URL(js, pkg).href}?large-${name}`);
  const { memory } = credgate.initSync({ module: readFileSync(new URL(wasm, pkg)) });
  return { credgate, memory };
}

const SHAPES = [
  ["text", (i) => `balances:read:vault:vlt_${i}`],
  ["objects", (i) => ({ type: "balances", action: "read", scope: "vault", resource: `vlt_${i}` })],
];

describe(`memory across repeated calls over ${COUNT.toLocaleString("en")} permissions`, () => {
  for (const [name, make] of SHAPES) {
    const permissions = Array.from({ length: COUNT }, (_, i) => make(i));
    const request = { type: "balances", action: "read", vault: `vlt_${COUNT - 1}` };

    test(`authorize, ${name} form: no growth after the first call`, async () => {
      const { credgate, memory } = await instance(`authorize-${name}`);
      const sizes = [];
      for (let call = 0; call < CALLS; call += 1) {
        const out = credgate.authorize({ permissions, request });
        assert.equal(out.allowed, true);
        assert.equal(out.matched, `balances:read:vault:vlt_${COUNT - 1}`);
        sizes.push(memory.buffer.byteLength);
      }
      assert.deepEqual(sizes.slice(1), Array(CALLS - 1).fill(sizes[0]), `memory: ${sizes.join(", ")}`);
    });

    test(`PermissionSet, ${name} form: no growth after the first set`, async () => {
      const { credgate, memory } = await instance(`set-${name}`);
      const sizes = [];
      for (let call = 0; call < CALLS; call += 1) {
        const set = new credgate.PermissionSet(permissions);
        assert.equal(set.authorize(request).allowed, true);
        set.free();
        sizes.push(memory.buffer.byteLength);
      }
      assert.deepEqual(sizes.slice(1), Array(CALLS - 1).fill(sizes[0]), `memory: ${sizes.join(", ")}`);
    });
  }

  test("a bad entry is still reported with its index, text and object form", async () => {
    const { credgate } = await instance("bad");
    for (const bad of ["nope", { type: "balances", action: "read", scope: "org", extra: 1 }]) {
      const permissions = Array.from({ length: 1000 }, (_, i) => `balances:read:vault:v${i}`);
      permissions[700] = bad;
      assert.throws(
        () => credgate.authorize({ permissions, request: { type: "balances", action: "read" } }),
        (e) => e.name === "CredgateError" && e.code === "permission.invalid" && e.index === 700,
      );
      assert.throws(() => new credgate.PermissionSet(permissions), (e) => e.code === "permission.invalid" && e.index === 700);
    }
  });
});
