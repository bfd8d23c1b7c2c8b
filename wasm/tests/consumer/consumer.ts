// A TypeScript consumer of the published package: `tsc --noEmit` (strict) must accept it
// against the installed tarball's types. The `@ts-expect-error` lines prove the types are
// real (not `any`): each must be an error, or tsc fails on an unused directive.

import {
  authorize,
  check,
  CredgateError,
  createCredential,
  issueToken,
  limits,
  parseBearer,
  parseTokenRequest,
  parsePermission,
  PermissionSet,
  publicJwks,
  setTypeDefaults,
  validateSpec,
  RemoteKeySet,
  Verifier,
  verifyToken,
  type CheckResult,
  type Claims,
  type AccessRequest,
  type CredentialSpec,
  type Decision,
  type Jwks,
  type RemoteStatus,
  type TokenRequestResult,
} from "credgate";
import init, { initSync } from "credgate/web";
import wasmModule from "credgate/credgate_bg.wasm";
import { initSync as initEdge, RemoteKeySet as EdgeRemoteKeySet, Verifier as EdgeVerifier } from "credgate/edge";
import edgeModule from "credgate/credgate_edge_bg.wasm";

initSync({ module: wasmModule });
const ready: Promise<unknown> = init({ module_or_path: wasmModule });
initEdge({ module: edgeModule });

const spec: CredentialSpec = {
  name: "Production - Transaction Service",
  permission_set_type: "transactions",
  permissions: ["transaction:read:org", { type: "balances", action: "read", scope: "vault", resource: "vlt_1" }],
  ip_allowlist: ["203.0.113.0/24"],
  environment: "production",
};
const report = validateSpec(spec);
if (!report.ok) report.errors.forEach((e) => console.log(e.path, e.code, e.message));

const { credential, client_secret } = createCredential({ spec, org: "org_1" });
const signingKey = { kid: "k1", seed: "00".repeat(32) };
const jwks: Jwks = publicJwks([signingKey]);
const issued = issueToken({
  credential,
  client_secret,
  client_ip: "203.0.113.9",
  signing_key: signingKey,
  issuer: "https://auth.example.test",
  audience: "https://api.example.test",
});
const token: string = issued.ok ? issued.response.access_token : "";
if (!issued.ok) console.log(issued.error, issued.status, issued.reason);

const claims: Claims = verifyToken({ token, jwks, issuer: "https://auth.example.test", audience: "https://api.example.test" }).claims;
const org: string = claims.org;

const request: AccessRequest = { type: "balances", action: "read", vault: "vlt_1" };
const decision: Decision = authorize({ permissions: credential.permissions, request, org });
const why: string | undefined = decision.allowed ? decision.matched : decision.near_misses?.join(", ");

const verifier = new Verifier(jwks, { issuer: "https://auth.example.test", audience: "https://api.example.test", leeway: 5 });
const result: CheckResult = verifier.check({ token, client_ip: "203.0.113.9", request });
const status: number = result.status;
const challenge: string | undefined = result.www_authenticate;
const viaHeader: CheckResult = verifier.check({ authorization: `Bearer ${token}`, client_ip: "203.0.113.9", request });
const verified: Claims = verifier.verify(token).claims;
// A Fetch Request (the DOM's `Request`: credgate's request type no longer shadows it).
const fetchRequest: Request = new Request("https://api.example.test/v1/vaults/vlt_1/balances", { headers: { authorization: `Bearer ${token}` } });
const fromFetch: CheckResult = verifier.checkRequest(fetchRequest, { clientIp: "203.0.113.9", access: request, now: new Date() });
const fromFetchAsync: Promise<CheckResult> = verifier.checkRequestAsync(fetchRequest, { clientIp: "203.0.113.9", access: request });
// @ts-expect-error: checkRequest's options are camelCase (`clientIp`)
verifier.checkRequest(fetchRequest, { client_ip: "203.0.113.9", access: request });
const tokenRequest: Promise<TokenRequestResult> = parseTokenRequest(new Request("https://auth.example.test/token", { method: "POST" }));
const tokenHeaders: TokenRequestResult = parseTokenRequest({ method: "POST", headers: new Headers({ "content-type": "application/x-www-form-urlencoded" }), body: "" });
const bodyLimit: number = limits().token_request_body_bytes;
const verifiedAtDate: Claims = verifier.verify(token, new Date()).claims;
const verifiedAt: Claims = verifier.verify(token, 1_700_000_000).claims;
// Integer claims beyond 2^53 come back as exact BigInts; `now` may be one too.
const verifiedAtBig: Claims = verifier.verify(token, 1_700_000_000n).claims;
const expiry: number | bigint = verifiedAtBig.exp;
verifier.free();
const edgeVerifier = new EdgeVerifier(jwks, { issuer: "https://auth.example.test", audience: "https://api.example.test" });
const edgeStatus: number = edgeVerifier.check({ authorization: null, client_ip: "203.0.113.9", request }).status;
edgeVerifier.free();
// A key set fetched from a URL: the same Verifier takes it; async checks wait for keys.
const remote = new RemoteKeySet("https://auth.example.test/.well-known/jwks.json", { max_keys: 8, timeout: 2.5, now: () => 1_700_000_000, fetch });
const remoteVerifier = new Verifier(remote, { issuer: "https://auth.example.test", audience: "https://api.example.test" });
const remoteChecked: Promise<CheckResult> = remoteVerifier.checkAsync({ token, client_ip: "203.0.113.9", request });
const remoteVerified: Promise<Claims> = remoteVerifier.verifyAsync(token).then((v) => v.claims);
const remoteStatus: RemoteStatus["state"] = remote.status().state;
const waitFor: Promise<boolean> | undefined = remote.pending;
remoteVerifier.setKeys(jwks);
const edgeRemote = new EdgeVerifier(new EdgeRemoteKeySet("https://auth.example.test/jwks"), { issuer: "a", audience: "b" });
const edgeReady: Promise<void> = edgeRemote.ready();
// @ts-expect-error: a policy member that does not exist
new RemoteKeySet("https://auth.example.test/jwks", { max_age: 5 });
const oneOff: CheckResult = check({ token, jwks, issuer: "a", audience: "b", client_ip: "203.0.113.9", request, now: 1_700_000_000 });

const set = new PermissionSet(setTypeDefaults("wallets").permissions);
const allowed: boolean = set.authorize(request, "org_1").allowed;
const texts: string[] = set.permissions;
set.free();

const parsed = parsePermission("balances:read:vault:vlt_1");
const canonical: string = parsed.canonical;
const bearer = parseBearer(null);
const noHeader = parseBearer();
const bearerStatus: number | undefined = bearer.ok ? undefined : bearer.status;

try {
  parsePermission("nope");
} catch (e) {
  // A class: `instanceof` narrows.
  if (e instanceof CredgateError) {
    const code: string = e.code;
    const expired: boolean = e.code === CredgateError.codes.TOKEN_EXPIRED;
    // @ts-expect-error: the constants are derived from the codes: no such code
    console.log(expired, CredgateError.codes.TOKEN_EXPIRD);
    console.log(code, e.errors?.length);
  }
}
const madeError: Error = new CredgateError("input.invalid", "by hand");
// @ts-expect-error: a code outside the vocabulary
new CredgateError("nope.never", "x");

// @ts-expect-error: a request type outside the vocabulary
const badRequest: AccessRequest = { type: "wallet", action: "read" };
// @ts-expect-error: permissions must be a list
authorize({ permissions: "vault:read:org", request });
// @ts-expect-error: the check result has no `claimz`
console.log(result.claimz);
// @ts-expect-error: an integer claim may be a BigInt, not only a number
const expiryNumber: number = claims.exp;
// @ts-expect-error: a Verifier needs its options
new Verifier(jwks);

console.log(fromFetch, fromFetchAsync, tokenRequest, tokenHeaders, bodyLimit, verifiedAtDate, madeError, remoteChecked, remoteVerified, remoteStatus, waitFor, edgeReady, ready, verified, verifiedAt, noHeader, edgeStatus, org, why, status, challenge, viaHeader, oneOff, allowed, texts, canonical, bearerStatus, badRequest, expiry, expiryNumber);
