//! TypeScript types for every input and output, emitted into the generated `.d.ts` by
//! wasm-bindgen. The shapes are the core façade's snake_case JSON (the conformance format),
//! the same wire format on every host.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/**
 * Unix time in whole seconds, and every other 64-bit integer: a number, or a `BigInt` for an
 * integer beyond `Number.MAX_SAFE_INTEGER` (2^53 - 1). Outputs are numbers except such integers,
 * which come back as exact `BigInt`s (SPEC §6); inputs take either.
 */
export type UnixSeconds = number | bigint;

/**
 * Every stable code credgate produces (`codes()` lists them): what `CredgateError.code`,
 * `reason` and `errors[].code` / `findings[].code` hold.
 */
export type Code =
  | "allow"
  | "deny.no_matching_permission"
  | "deny.ip_not_allowed"
  | "deny.ip_invalid"
  | "deny.org_mismatch"
  | "request.invalid"
  | "permission.invalid"
  | "permission.unknown_type"
  | "permission.unknown_action"
  | "permission.unknown_scope"
  | "permission.invalid_resource"
  | "permission.resource_with_org_scope"
  | "permission.scope_not_applicable"
  | "spec.invalid"
  | "name.length"
  | "name.invalid_char"
  | "description.length"
  | "description.invalid_char"
  | "set_type.unknown"
  | "permissions.empty"
  | "permissions.too_many"
  | "permissions.duplicate"
  | "environment.unknown"
  | "ip.empty"
  | "ip.too_many"
  | "ip.invalid"
  | "ip.ipv6_unsupported"
  | "ip.host_bits_set"
  | "ip.duplicate"
  | "token.too_large"
  | "token.malformed"
  | "token.unsupported_alg"
  | "token.wrong_type"
  | "token.forbidden_header"
  | "token.unknown_key"
  | "token.bad_signature"
  | "token.missing_claim"
  | "token.invalid_claim"
  | "token.expired"
  | "token.not_yet_valid"
  | "token.wrong_issuer"
  | "token.wrong_audience"
  | "token.revoked"
  | "jwks.invalid"
  | "key.invalid"
  | "bearer.missing"
  | "bearer.malformed"
  | "client.unknown"
  | "client.bad_secret"
  | "client.disabled"
  | "client.deleted"
  | "client.ip_not_allowed"
  | "client.no_auth"
  | "client.malformed_auth"
  | "client.expired"
  | "scope.not_covered"
  | "grant.unsupported"
  | "credential.invalid"
  | "credential.deleted"
  | "entropy.insufficient"
  | "credential.secret_limit"
  | "credential.secret_required"
  | "revocations.invalid"
  | "revocations.stale"
  | "diff.permission_not_covered"
  | "diff.ip_not_covered"
  | "diff.environment_changed"
  | "input.invalid"
  | "op.unknown"
  | "lint.all_addresses"
  | "lint.wide_network"
  | "lint.overlapping_networks"
  | "lint.private_network_in_production"
  | "lint.redundant_permission"
  | "lint.outside_set_type"
  | "lint.org_wide_delete"
  | "lint.stale_credential"
  | "lint.secret_rotation_due"
  | "lint.secret_past_grace"
  | "lint.no_expiry"
  | "lint.expires_soon"
  | "lint.unused_permission";

/**
 * How a returned object was decided by the core (SPEC §9, docs/OUTCOMES.md): `"result"` is
 * what the caller asked for, `"answer"` a decision, refusal, report or verdict to act on.
 * Failures are never returned: they are thrown as `CredgateError`.
 */
export type OutcomeKind = "result" | "answer";

export type ResourceType =
  | "vault" | "key" | "balances" | "transaction" | "address" | "policy" | "webhook" | "audit";
export type Action = "create" | "read" | "update" | "delete";
export type Scope = "org" | "vault" | "key";
export type SetType = "wallets" | "transactions" | "controls" | "monitoring";
export type Environment = "sandbox" | "production";
export type CredentialStatus = "enabled" | "disabled" | "deleted";

/** A permission in JSON form; `resource` is absent for "every resource in the scope". */
export interface Permission {
  type: ResourceType;
  action: Action;
  scope: Scope;
  resource?: string;
}
/** A permission in text form (`"balances:read:vault:vlt_01"`) or JSON form. */
export type PermissionInput = string | Permission;

export interface ParsedPermission {
  outcome: "result";
  ok: true;
  /** The canonical text form. */
  canonical: string;
  permission: Permission;
}

/**
 * What a caller wants to do and where (SPEC §2). No vault and no key is an org-level action.
 * (Named so that it never shadows the Fetch `Request`.)
 */
export interface AccessRequest {
  type: ResourceType;
  action: Action;
  vault?: string | null;
  /** A key always names its vault. */
  key?: string | null;
  org?: string | null;
}
/** A request as the core writes it back (in an audit record): absent members are left out. */
export interface RequestRecord {
  type: ResourceType;
  action: Action;
  vault?: string;
  key?: string;
  org?: string;
}

/** Every reason a decision can give (`authorize`, `check`, audit records). */
export type Reason =
  | "allow"
  | "deny.no_matching_permission"
  | "deny.ip_not_allowed"
  | "deny.ip_invalid"
  | "deny.org_mismatch"
  | "request.invalid"
  | "bearer.missing"
  | "bearer.malformed"
  | TokenErrorCode;

/** The reasons of an authorization decision. */
export type DecisionReason =
  | "allow"
  | "deny.no_matching_permission"
  | "deny.ip_not_allowed"
  | "deny.ip_invalid"
  | "deny.org_mismatch";

export interface Decision {
  outcome: "answer";
  ok: true;
  allowed: boolean;
  reason: DecisionReason;
  /** On allow: the first matching permission, text form. */
  matched?: string;
  /** On deny: permissions of the same type and action whose scope or resource did not cover. */
  near_misses?: string[];
}

export interface AuthorizeInput {
  permissions: PermissionInput[];
  request: AccessRequest;
  /** The caller's organisation; a request naming another org is denied. */
  org?: string | null;
}

export interface IpAllowedInput {
  /** IPv4 addresses (`203.0.113.7`) or CIDRs (`198.51.100.0/24`), 1 to 6 entries. */
  allowlist: string[];
  ip: string;
}
export interface IpVerdict {
  outcome: "answer";
  ok: true;
  allowed: boolean;
  reason: "allow" | "deny.ip_not_allowed" | "deny.ip_invalid";
}

/** A credential spec as a user submits it. */
export interface CredentialSpec {
  name: string;
  description?: string | null;
  permission_set_type: SetType;
  permissions: PermissionInput[];
  ip_allowlist: string[];
  environment: Environment;
}

/** One validation problem: where (`name`, `permissions[2]`, `ip_allowlist[0]`), what, why. */
export interface ValidationProblem {
  path: string;
  code: Code;
  message: string;
}
/** A validation report: valid, or `spec.invalid` with every problem. */
export type SpecValidation =
  | { outcome: "answer"; ok: true; error?: undefined; errors?: undefined }
  | {
      outcome: "answer";
      ok: false;
      error: "spec.invalid";
      errors: ValidationProblem[];
    };

/**
 * One client secret of a credential (only its SHA-256 digest is kept): live until
 * `expires_at` (a rotation's grace period), with the last time it obtained a token.
 */
export interface CredentialSecret {
  sha256: string;
  created_at: UnixSeconds;
  expires_at?: UnixSeconds;
  last_used_at?: UnixSeconds;
}

/** The stored credential record (version 2: docs/LIFECYCLE.md). */
export interface Credential {
  client_id: string;
  org: string;
  name: string;
  description: string | null;
  permission_set_type: SetType;
  permissions: string[];
  ip_allowlist: string[];
  environment: Environment;
  status: CredentialStatus;
  created_at: UnixSeconds;
  updated_at: UnixSeconds;
  /** The credential's own expiry: no token outlives it, none is issued at or after it. */
  expires_at?: UnixSeconds;
  /** Oldest first: one, or two during a rotation. */
  secrets: CredentialSecret[];
}

export interface CreateCredentialInput {
  spec: CredentialSpec;
  org: string;
  /** Defaults to the current time. */
  now?: Now;
  /** 48 bytes as 96 lowercase hex characters; defaults to `crypto.getRandomValues`. */
  entropy?: string;
  /** The credential's own expiry, later than `now`; none by default. */
  expires_at?: UnixSeconds | null;
}
export interface CreatedCredential {
  outcome: "result";
  ok: true;
  credential: Credential;
  /** Shown once; never stored. */
  client_secret: string;
}

/** The changes `updateCredential` makes (docs/LIFECYCLE.md). */
export type CredentialAction =
  | "enable"
  | "disable"
  | "delete"
  | "set_spec"
  | "set_expiry"
  | "secret_used"
  | "revoke_secret";

export interface UpdateCredentialInput {
  credential: Credential;
  action: CredentialAction;
  /** Defaults to the current time. */
  now?: Now;
  /** `set_spec`: the new spec (name, description, set type, permissions, allowlist, environment). */
  spec?: CredentialSpec | null;
  /** `set_expiry`: the new expiry, `null` for never. */
  expires_at?: UnixSeconds | null;
  /** `secret_used`, `revoke_secret`: the index of the secret in `credential.secrets`. */
  secret?: number | bigint | null;
}
export interface UpdatedCredential {
  outcome: "result";
  ok: true;
  credential: Credential;
}

export interface RotateSecretInput {
  credential: Credential;
  /** Seconds the current secret keeps working, 0 to 30 days. */
  grace_seconds: number | bigint;
  /** Defaults to the current time. */
  now?: Now;
  /** 32 bytes as 64 lowercase hex characters; defaults to `crypto.getRandomValues`. */
  entropy?: string;
}
export interface RotatedSecret {
  outcome: "result";
  ok: true;
  /** The record with the new secret appended and the previous one set to expire. */
  credential: Credential;
  /** The new secret: shown once; never stored. */
  client_secret: string;
}

export interface VerifySecretInput {
  credential: Credential;
  client_secret: string;
  /** Only secrets live at `now` count; without it, every secret on the record does. */
  now?: Now | null;
}
export interface SecretCheck {
  outcome: "answer";
  ok: true;
  /** The secret matches a stored digest (compared in constant time with every one). */
  valid: boolean;
  /** The secret has credgate's format and checksum. */
  well_formed: boolean;
  /** When valid: the index of the matching secret in `credential.secrets`. */
  secret?: number;
}

/** A resource type and the scopes that make sense for it (SPEC §1's table). */
export interface TypeScopes {
  type: ResourceType;
  scopes: Scope[];
}
/** A permission set type, one line on what it grants, and its default permissions. */
export interface SetTypeEntry {
  set_type: SetType;
  summary: string;
  /** Canonical texts, all org scope, in the SPEC's order. */
  permissions: string[];
}
/** Inclusive bounds on a count. */
export interface Bounds {
  min: number;
  max: number;
}
/** Every word a credential spec is made of, for a form that offers choices (`vocabulary()`). */
export interface Vocabulary {
  outcome: "result";
  ok: true;
  /** Every resource type with its applicable scopes, in the SPEC's order. */
  types: TypeScopes[];
  actions: Action[];
  scopes: Scope[];
  set_types: SetTypeEntry[];
  environments: Environment[];
  statuses: CredentialStatus[];
  limits: {
    /** A name's and a description's length, in Unicode scalar values. */
    text_chars: Bounds;
    /** Entries of `permissions`. */
    permissions: Bounds;
    /** Entries of `ip_allowlist`. */
    ip_allowlist: Bounds;
    /** A permission's `resource` id, in characters. */
    resource_chars: Bounds;
  };
}

export interface SetTypeDefaults {
  outcome: "result";
  ok: true;
  permissions: string[];
}

/** An Ed25519 signing key: its id and 32-byte seed as 64 lowercase hex characters. */
export interface SigningKey {
  kid: string;
  seed: string;
}

/** A key of a JWKS to verify with (a JWK of whatever kind; credgate uses Ed25519 `OKP` keys). */
export interface Jwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  alg?: string;
  use?: string;
  [member: string]: unknown;
}
/** A JWKS to verify with. */
export interface Jwks {
  keys: Jwk[];
  [member: string]: unknown;
}
/** A public key credgate publishes (a `Jwk`). */
export type PublishedJwk = {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: string;
  use: string;
};
/** The JWKS to publish (`publicJwks`): a `Jwks` to verify with, too. */
export type PublishedJwks = {
  outcome: "result";
  ok: true;
  keys: PublishedJwk[];
};

/** Access-token claims (RFC 9068 profile). */
export interface Claims {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  iat: UnixSeconds;
  exp: UnixSeconds;
  nbf?: UnixSeconds;
  jti: string;
  /** Space-separated canonical permissions. */
  scope: string;
  org: string;
  /** The allowlist in CIDR form (`a.b.c.d/n`). */
  ips: string[];
  env: Environment;
  [member: string]: unknown;
}

export interface VerifierOptions {
  issuer: string;
  audience: string;
  /** Seconds of clock skew tolerated; default 0. */
  leeway?: number | bigint;
  /** Token ids revoked before their expiry; verification fails for them. */
  revoked_jtis?: string[];
  /**
   * A signed revocation list (`signRevocations`), verified with `jwks` and `issuer`: a token
   * it revokes is `token.revoked`. A `Verifier` can also load one later (`loadRevocations`).
   */
  revocations?: string | null;
  /**
   * What a prepared `Verifier`'s cache of verified tokens may hold (on by default: 1,024
   * tokens, 4 MiB); `{ max_entries: 0 }` turns it off. A cached token skips only parsing and
   * the signature: expiry, revocation, IP and permission are checked on every call.
   */
  cache?: CacheLimits;
}

/** The limits of a `Verifier`'s cache; a limit left out keeps its default. */
export interface CacheLimits {
  /** The most tokens held (default 1,024; 0 turns the cache off). */
  max_entries?: number | bigint;
  /** The most bytes held, about twice a token's length each (default 4 MiB). */
  max_bytes?: number | bigint;
}

/** What a `Verifier`'s cache has done (`Verifier.cacheStats`). */
export interface CacheStats {
  /** Tokens found in the cache. */
  hits: number;
  /** Tokens not found (each then verified in full). */
  misses: number;
  /** Tokens dropped to stay within the limits, or because they had expired. */
  evictions: number;
  /** Tokens held now. */
  entries: number;
  /** Estimated bytes held now. */
  bytes: number;
}

/**
 * How a remote key set caches, refreshes and retries (docs/REMOTE.md); seconds unless said,
 * every field optional (the default in parentheses).
 */
export interface RemotePolicy {
  /** Freshness of a set whose answer says nothing usable about it (300). */
  default_max_age?: number | bigint;
  /** The least freshness (30): `max-age=0`, `no-cache` and `no-store` get this. */
  min_max_age?: number | bigint;
  /** The most freshness (86 400), whatever the server says. */
  max_max_age?: number | bigint;
  /** The least time between a fetch and one caused by an unknown `kid` (30). */
  unknown_key_cooldown?: number | bigint;
  /** The wait after a first failed fetch (5), doubling up to `retry_max` (300). */
  retry_min?: number | bigint;
  retry_max?: number | bigint;
  /** How long past its freshness the last good set keeps serving while fetches fail (86 400). */
  stale_if_error?: number | bigint;
  /** A fetch not answered within this time counts as failed (10). */
  fetch_timeout?: number | bigint;
  /** The most entries a JWKS `keys` array may have (32). */
  max_keys?: number | bigint;
  /** The largest body accepted, in bytes (65 536). */
  max_response_bytes?: number | bigint;
}

/** A fetch the state machine orders: `GET` the key set URL this way. */
export interface FetchOrder {
  reason: "initial" | "refresh" | "unknown_key";
  /** The held set's `ETag`, to send as `If-None-Match`. */
  if_none_match: string | null;
  /** Seconds before the fetch counts as failed: abort it then. */
  timeout: number;
  /** The most body bytes accepted: read at most one more. */
  max_bytes: number;
}

/** What a remote key set holds and is doing (`RemoteKeySet.status()`). */
export interface RemoteStatus {
  /** `fresh` until `expires_at`, `stale` until `usable_until`, then `unusable`; `empty` before the first set. */
  state: "empty" | "fresh" | "stale" | "unusable";
  fetched_at: UnixSeconds | null;
  expires_at: UnixSeconds | null;
  /** The first second the held set is refused. */
  usable_until: UnixSeconds | null;
  etag: string | null;
  kids: string[];
  /** Consecutive failed fetches. */
  failures: number;
  last_error: string | null;
  /** When a fetch may start again after failures. */
  retry_at: UnixSeconds | null;
  fetching: boolean;
  /** Grows by one each time the held keys change. */
  generation: number;
}

/** The global `fetch`'s type, where the consumer's libraries declare one (DOM, Node, Workers). */
export type FetchFunction = typeof globalThis extends { fetch: infer F } ? F : (input: string, init?: object) => Promise<unknown>;

/**
 * A `RemoteKeySet`'s options: its policy, and how it fetches. `fetch` (default
 * `globalThis.fetch`) and `now` (a clock giving Unix seconds or a `Date`, default the real one) can be
 * injected; `timeout` is the real seconds a fetch may take before it is aborted (default the
 * policy's `fetch_timeout`); `headers` are sent with every fetch.
 */
export interface RemoteKeySetOptions extends RemotePolicy {
  fetch?: FetchFunction;
  now?: () => number | Date;
  timeout?: number;
  headers?: Record<string, string>;
}

export interface VerifyTokenInput extends VerifierOptions {
  token: string;
  jwks: Jwks;
  /** Defaults to the current time. */
  now?: Now;
}
export interface VerifiedToken {
  outcome: "result";
  ok: true;
  claims: Claims;
}

/** Codes of a token that does not verify (SPEC §6, in checking order). */
export type TokenErrorCode =
  | "token.too_large"
  | "token.malformed"
  | "token.unsupported_alg"
  | "token.wrong_type"
  | "token.forbidden_header"
  | "token.unknown_key"
  | "token.bad_signature"
  | "token.missing_claim"
  | "token.invalid_claim"
  | "token.expired"
  | "token.not_yet_valid"
  | "token.wrong_issuer"
  | "token.wrong_audience"
  | "token.revoked";

/**
 * What `check` judges: the `token`, or else the raw `Authorization` header value for credgate
 * to read (RFC 6750; absent or `null` means no header: 401 `bearer.missing`).
 */
export interface CheckInput extends VerifierOptions {
  jwks: Jwks;
  token?: string | null;
  authorization?: string | null;
  request: AccessRequest;
  client_ip: string;
  /** Defaults to the current time. */
  now?: Now;
}
/**
 * The prepared form of `CheckInput`: the JWKS and options live in the `Verifier`. Give the
 * `token`, or else the `Authorization` header value for credgate to read (RFC 6750; absent or
 * `null` means no header: 401 `bearer.missing`).
 */
export type VerifierCheckInput = VerifierCheckCommon &
  (
    | { token: string; authorization?: undefined }
    | { authorization?: string | null; token?: undefined }
  );
export interface VerifierCheckCommon {
  request: AccessRequest;
  client_ip: string;
  /** Defaults to the current time. */
  now?: Now;
}

/**
 * An entry of a revocation list: every token of a client issued before `not_before`
 * (`iat < not_before`: a disable, a delete, a rotation after a compromise), or one token.
 */
export type RevocationEntry =
  | { client_id: string; not_before: UnixSeconds }
  | { jti: string; revoked_at: UnixSeconds };

export interface SignRevocationsInput {
  /** A token signing key: verifiers check the list with the same JWKS. */
  signing_key: SigningKey;
  issuer: string;
  /** An integer, 0 or more, that only grows from one list to the next. */
  epoch: number | bigint;
  /** The list's `iat`; entries a token lifetime old at `now` are dropped. Defaults to the current time. */
  now?: Now;
  /** At most 10,000 kept. */
  entries: RevocationEntry[];
}
export interface SignedRevocations {
  outcome: "result";
  ok: true;
  /** The list to publish: a compact JWS (`typ` `revocations+jwt`). */
  revocations: string;
  /** The entries kept, in order. */
  entries: RevocationEntry[];
  epoch: number | bigint;
}

export interface LoadRevocationsInput {
  revocations: string;
  jwks: Jwks;
  issuer: string;
  /** The epoch of the list held: a lower one is `revocations.stale`. */
  held_epoch?: number | bigint | null;
}
export interface LoadedRevocations {
  outcome: "result";
  ok: true;
  epoch: number | bigint;
  /** When the list was signed (`iat`). */
  issued_at: UnixSeconds;
  entries: RevocationEntry[];
}

/** The decision record for audit logs. */
export interface AuditRecord {
  time: UnixSeconds;
  client_id: string | null;
  org: string | null;
  jti: string | null;
  request: RequestRecord;
  client_ip: string;
  allowed: boolean;
  status: number;
  reason: Reason;
  matched: string | null;
}

export interface CheckResult {
  outcome: "answer";
  ok: true;
  allowed: boolean;
  /** 200 allow, 400 invalid request, 401 token failure, 403 IP/org/permission denial. */
  status: 200 | 400 | 401 | 403;
  reason: Reason;
  /** A person-readable explanation. */
  message: string;
  matched?: string;
  near_misses?: string[];
  /**
   * The RFC 6750 error code the challenge names (`WWW-Authenticate: Bearer error=…`); absent on
   * allow and for a missing token.
   */
  error?: "invalid_request" | "invalid_token" | "insufficient_scope";
  /** The `WWW-Authenticate` header value to send with a 401 or 403. */
  www_authenticate?: string;
  /** Present when the token verified. */
  claims?: Claims;
  /** Absent only for an invalid request (status 400). */
  audit?: AuditRecord;
}

export type BearerResult =
  | { outcome: "result"; ok: true; token: string }
  | {
      outcome: "answer";
      ok: false;
      error: "bearer.missing" | "bearer.malformed";
      message: string;
      status: 400 | 401;
      www_authenticate: string;
    };

export interface TokenRequestInput {
  method: string;
  /**
   * Header names match case-insensitively; `[name, value]` pairs can carry a header line
   * repeated under one name.
   */
  headers?: Record<string, string> | [string, string][];
  /** The `application/x-www-form-urlencoded` body. */
  body?: string;
}
export type TokenRequestResult =
  | {
      outcome: "result";
      ok: true;
      client_id: string;
      client_secret: string;
      scope?: string;
      auth_method: "client_secret_basic" | "client_secret_post";
    }
  | OAuthFailure;

/** An RFC 6749 §5.2 error: `error` goes to the client, `reason` (a SPEC code) to the logs. */
export interface OAuthFailure {
  outcome: "answer";
  ok: false;
  error: "invalid_request" | "invalid_client" | "unsupported_grant_type" | "invalid_scope";
  error_description: string;
  status: 400 | 401;
  reason: Code;
  headers: Record<string, string>;
  /** A message for the operator. */
  message: string;
}

export interface IssueTokenInput {
  /** The stored record found by the client id, or `null` (an unknown client). */
  credential?: Credential | null;
  /** The client id presented (default: the credential's). */
  client_id?: string | null;
  client_secret: string;
  client_ip: string;
  signing_key: SigningKey;
  issuer: string;
  audience: string;
  /** Space-separated permissions to narrow the token to. */
  scope?: string | null;
  /** How the client authenticated (default `client_secret_post`). */
  auth_method?: "client_secret_basic" | "client_secret_post" | null;
  /** Defaults to the current time. */
  now?: Now;
  /** Defaults to 16 random bytes in hex. */
  jti?: string;
}
export interface IssuedToken {
  outcome: "result";
  ok: true;
  status: 200;
  headers: Record<string, string>;
  response: TokenResponse;
  token: string;
  claims: Claims;
  /** The index of the secret presented: record it with `updateCredential`'s `secret_used`. */
  secret: number;
}
/** The RFC 6749 §5.1 body. */
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number | bigint;
  scope: string;
}
export type IssueTokenResult = IssuedToken | OAuthFailure;

export interface PreviewInput {
  permissions: PermissionInput[];
  /** Concrete resources to evaluate: vault ids, each with its key ids. */
  resources?: { vaults?: Record<string, string[]> } | null;
}
/** The reach of one type and action. */
export interface Grant {
  type: ResourceType;
  action: Action;
  /** Org-level requests (no vault, no key) are allowed. */
  org: boolean;
  all_vaults: boolean;
  vaults: string[];
  all_keys: boolean;
  keys: string[];
}
export interface Preview {
  outcome: "result";
  ok: true;
  /** The permissions, canonical text, in order. */
  permissions: string[];
  grants: Grant[];
  /** With `resources`: the `type:action` pairs allowed at the org, per vault, per `vault/key`. */
  resources?: {
    org: string[];
    vaults: Record<string, string[]>;
    keys: Record<string, string[]>;
  };
}

/** `explain`: a decision and the narrowest single permission that allows the request (SPEC §10). */
export interface Explanation extends Decision {
  /** The narrowest permission (text form) that allows the request; absent on `deny.org_mismatch`. */
  narrowest?: string;
  /** On allow: `matched` is wider than `narrowest`. */
  wider_than_needed?: boolean;
}

export interface DiffInput {
  /** The current version. */
  before: CredentialSpec;
  /** The proposed version. */
  after: CredentialSpec;
}
/** Entries in one version and not in the other. */
export interface Changes {
  /** In `after`, not in `before`. */
  added: string[];
  /** In `before`, not in `after`. */
  removed: string[];
}
/** One cause of new access, at its place in `after`. */
export interface NewAccess {
  code: "diff.permission_not_covered" | "diff.ip_not_covered" | "diff.environment_changed";
  /** `after.permissions[i]`, `after.ip_allowlist[j]` or `after.environment`. */
  path: string;
  message: string;
}
/** The comparison of two valid specs (SPEC §11). */
export interface SpecComparison {
  ok: true;
  /** `new_access` is not empty. */
  grants_new_access: boolean;
  /** Canonical permission texts. */
  permissions: Changes;
  /** Allowlist entries in CIDR form. */
  ip_allowlist: Changes;
  /** Only when it changed. */
  environment?: { before: Environment; after: Environment };
  new_access: NewAccess[];
}
/**
 * `diff` (SPEC §11): what changed and whether the new version grants access the old one did
 * not; or, when a spec is invalid, every problem with its path prefixed `before.` / `after.`.
 */
export type SpecDiff =
  | ({ outcome: "answer"; error?: undefined; errors?: undefined } & SpecComparison)
  | { outcome: "answer"; ok: false; error: "spec.invalid"; errors: ValidationProblem[] };

/** One distinct request a host counted from its audit log as allowed. */
export interface UsageEntry {
  request: AccessRequest;
  /** When it was last allowed. */
  last_at: UnixSeconds;
  /** How often (default 1). */
  count?: number | bigint | null;
}

export interface SuggestInput {
  spec: CredentialSpec;
  /** At most 10,000 entries. */
  usage: UsageEntry[];
  /** With it, a permission unused for `unused_after_days` counts as unused. */
  now?: Now | null;
  /** Default 90. */
  unused_after_days?: number | bigint | null;
}
/** A spec as the core writes it: canonical permissions. */
export interface SuggestedSpec {
  name: string;
  description?: string;
  permission_set_type: SetType;
  permissions: string[];
  ip_allowlist: string[];
  environment: Environment;
}
/** A permission replaced by the narrower ones its uses needed. */
export interface Narrowing {
  from: string;
  to: string[];
}
/**
 * `suggest`: a narrower spec from usage, whose `diff` against the current one never grants new
 * access; `spec` is absent and `unused_credential` true when nothing was used. Or the invalid
 * spec's problems.
 */
export type Suggestion =
  | {
      outcome: "answer";
      ok: true;
      spec?: SuggestedSpec;
      unused_credential: boolean;
      /** Permissions removed as unused. */
      removed: string[];
      narrowed: Narrowing[];
      diff?: SpecComparison;
      error?: undefined;
      errors?: undefined;
    }
  | { outcome: "answer"; ok: false; error: "spec.invalid"; errors: ValidationProblem[] };

/** `lint`: a `spec`, or a stored `credential` (its spec, secrets and expiry). */
export interface LintInput {
  spec?: CredentialSpec;
  credential?: Credential | null;
  /** Needed by the checks of age, rotation and expiry; not defaulted. */
  now?: Now | null;
  created_at?: UnixSeconds | null;
  /** What was used: enables `lint.unused_permission`. */
  usage?: UsageEntry[] | null;
  /** Default 90. */
  unused_after_days?: number | bigint | null;
  /** Default 90. */
  rotation_days?: number | bigint | null;
}
export interface LintFinding {
  /** A stable `lint.*` code. */
  code: Code;
  path: string;
  message: string;
}
export type LintReport =
  | { outcome: "answer"; ok: true; findings: LintFinding[]; error?: undefined; errors?: undefined }
  | { outcome: "answer"; ok: false; error: "spec.invalid"; errors: ValidationProblem[]; findings: [] };

/**
 * The members of what every function throws: the core's failure (SPEC §9) with its code as
 * `code`, and its details: `index` (the bad entry of a permission list), `errors` (every
 * problem of an invalid spec) and `path` (the first problem's).
 */
export interface CredgateErrorShape {
  code: Code;
  message: string;
  /** A permission list: the position of the invalid entry. */
  index?: number;
  /** Validation: every problem. */
  errors?: ValidationProblem[];
  /** Validation: where the first problem is. */
  path?: string;
}
/** The core's limits (`limits()`). */
export interface Limits {
  /** The largest token verified (SPEC §6); a longer one is `token.too_large`. */
  token_bytes: number;
  /** The largest token request body read (SPEC §7). */
  token_request_body_bytes: number;
  /** A verification `now` of this magnitude or more is refused as milliseconds (`input.invalid`). */
  milliseconds_from: number;
}

/**
 * A point in time given to the package: Unix seconds (a number or a `BigInt`) or a `Date` (its
 * whole seconds; an invalid one is `input.invalid`). Where a token or request is judged
 * (`check`, `verify`, `checkRequest`, `verifyToken`, a key set's clock), a number that looks
 * like milliseconds (`Date.now()`: `Limits.milliseconds_from` or more) is `input.invalid`.
 */
export type Now = UnixSeconds | Date;
"#;
