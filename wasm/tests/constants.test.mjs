// Issue 8: the host defaults for random sizes come from the core's constants, never literals
// (`credgate_core::credential::ENTROPY_BYTES`, `credgate_core::token::JTI_BYTES`), and they are
// the sizes the defaults really have.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as credgate from "../pkg/node.js";
import { K1, SPEC } from "./helpers.mjs";

const source = (name) => readFileSync(new URL(`../src/${name}`, import.meta.url), "utf8");
const core = (name) => readFileSync(new URL(`../../core/src/${name}`, import.meta.url), "utf8");
const constant = (text, name) => Number(new RegExp(`pub const ${name}: usize = (\\d+);`).exec(text)?.[1]);

test("random_hex is called with the core's constants, not with literals", () => {
  const ops = source("ops.rs");
  assert.deepEqual(ops.match(/random_hex\([^)]*\)/g), ["random_hex(JTI_BYTES)", "random_hex(ENTROPY_BYTES)", "random_hex(SECRET_ENTROPY_BYTES)"]);
  assert.match(ops, /use credgate_core::credential::\{ENTROPY_BYTES, SECRET_ENTROPY_BYTES\};/);
  assert.match(ops, /use credgate_core::token::JTI_BYTES;/);
});

test("the defaults have the core's sizes", () => {
  const jtiBytes = constant(core("token.rs"), "JTI_BYTES");
  const entropyBytes = constant(core("credential.rs"), "ENTROPY_BYTES");
  assert.ok(jtiBytes > 0 && entropyBytes > 0);
  const { credential, client_secret } = credgate.createCredential({ spec: SPEC, org: "org_1" });
  const issued = credgate.issueToken({ credential, client_secret, client_ip: "203.0.113.9", signing_key: K1, issuer: "i", audience: "a" });
  assert.equal(issued.ok, true);
  const jti = JSON.parse(Buffer.from(issued.token.split(".")[1], "base64url")).jti;
  assert.match(jti, new RegExp(`^[0-9a-f]{${2 * jtiBytes}}$`));
});
