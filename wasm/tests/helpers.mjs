// Shared fixtures for the Node.js tests: the conformance signing keys, a credential, and
// hand-made JWS tokens (signed with node:crypto, an Ed25519 implementation independent of
// credgate) to reach every verification failure.

import { createHash, createPrivateKey, sign } from "node:crypto";

export const ISSUER = "https://auth.example.test";
export const AUDIENCE = "https://api.example.test";
export const NOW = 1_700_000_000;

const seed = (label) => createHash("sha256").update(label).digest("hex");
/** The starter vectors' keys: seed = sha256("credgate-conformance-k1") and "-k2". */
export const K1 = { kid: "k1", seed: seed("credgate-conformance-k1") };
export const K2 = { kid: "k2", seed: seed("credgate-conformance-k2") };

export const SPEC = Object.freeze({
  name: "Production - Transaction Service",
  description: "Reads transactions",
  permission_set_type: "transactions",
  permissions: ["transaction:read:org", "balances:read:vault:vlt_1", "key:update:key:key_9"],
  ip_allowlist: ["203.0.113.0/24", "198.51.100.7"],
  environment: "production",
});

/** Creates a credential (fixed time and entropy) and returns `{ credential, client_secret }`. */
export function makeCredential(credgate, spec = SPEC, org = "org_1") {
  return credgate.createCredential({ spec, org, now: NOW - 100, entropy: "5a".repeat(48) });
}

/** Issues a token for the fixture credential with credgate's token endpoint logic. */
export function issue(credgate, overrides = {}) {
  const { credential, client_secret } = makeCredential(credgate);
  const out = credgate.issueToken({
    credential,
    client_secret,
    client_ip: "203.0.113.9",
    now: NOW,
    signing_key: K1,
    jti: "jti-0001",
    issuer: ISSUER,
    audience: AUDIENCE,
    ...overrides,
  });
  if (!out.ok) throw new Error(`issue failed: ${JSON.stringify(out)}`);
  return out.token;
}

const b64url = (data) => Buffer.from(data).toString("base64url");

/** Signs any header and payload with an Ed25519 seed (hex) using node:crypto. */
export function signJws(header, payload, seedHex = K1.seed) {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(seedHex, "hex")]);
  const key = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(sign(null, Buffer.from(input), key))}`;
}

/** Claims of a valid credgate token, to alter one member at a time. */
export function claims(extra = {}) {
  return {
    iss: ISSUER,
    sub: "cid_x",
    aud: AUDIENCE,
    client_id: "cid_x",
    iat: NOW,
    exp: NOW + 3600,
    jti: "jti-x",
    scope: "balances:read:vault:vlt_1 transaction:read:org",
    org: "org_1",
    ips: ["203.0.113.0/24"],
    env: "production",
    ...extra,
  };
}

export const HEADER = Object.freeze({ alg: "EdDSA", kid: "k1", typ: "at+jwt" });

/** Calls `fn` and returns the thrown error (failing the test when nothing is thrown). */
export function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a thrown CredgateError, nothing was thrown");
}
