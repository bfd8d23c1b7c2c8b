// The generated TypeScript declarations are the package's public API: they must equal the
// reviewed copies in tests/golden/. When a change is intended, review the diff and copy the
// new files: cp wasm/pkg/credgate.d.ts wasm/pkg/credgate_edge.d.ts wasm/tests/golden/

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

for (const name of ["credgate.d.ts", "credgate_edge.d.ts"]) {
  test(`${name} matches the reviewed golden copy`, () => {
    const built = readFileSync(new URL(`../pkg/${name}`, import.meta.url), "utf8");
    const golden = readFileSync(new URL(`./golden/${name}`, import.meta.url), "utf8");
    assert.equal(built, golden, `the generated ${name} changed: review it and update wasm/tests/golden/`);
  });
}

test("every function and class of the full API is declared, camelCase, with typed inputs", () => {
  const dts = readFileSync(new URL("../pkg/credgate.d.ts", import.meta.url), "utf8");
  for (const fn of [
    "verifyToken(input: VerifyTokenInput): VerifiedToken",
    "check(input: CheckInput): CheckResult",
    "authorize(input: AuthorizeInput): Decision",
    "validateSpec(spec: CredentialSpec): SpecValidation",
    "ipAllowed(input: IpAllowedInput): IpVerdict",
    "parsePermission(permission: string | Permission): ParsedPermission",
    "issueToken(input: IssueTokenInput): IssueTokenResult",
    "parseTokenRequest(input: TokenRequestInput): TokenRequestResult",
    "createCredential(input: CreateCredentialInput): CreatedCredential",
    "setTypeDefaults(setType: SetType): SetTypeDefaults",
    "vocabulary(): Vocabulary",
  ]) {
    assert.ok(dts.includes(`export function ${fn};`), fn);
  }
  assert.ok(dts.includes("export class Verifier {"));
  assert.ok(dts.includes("export class PermissionSet {"));
  assert.ok(!/\bany\b/.test(dts.split("export type InitInput")[0]), "no `any` in the API part");
});

test("no declared type shadows a Fetch global (Request, Response, Headers): the request is AccessRequest", () => {
  for (const name of ["credgate.d.ts", "credgate_edge.d.ts"]) {
    const dts = readFileSync(new URL(`../pkg/${name}`, import.meta.url), "utf8");
    for (const global of ["Request", "Response", "Headers"]) {
      assert.ok(!new RegExp(`export (interface|type|class) ${global}\\b`).test(dts), `${name} exports a ${global}`);
    }
    assert.ok(dts.includes("export interface AccessRequest {"), name);
  }
});
