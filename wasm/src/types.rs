//! TypeScript types for every input and output, emitted into the generated `.d.ts` by
//! wasm-bindgen. The shapes are the core façade's snake_case JSON (the conformance format),
//! the same wire format on every host.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/**
 * Unix time in whole seconds, and every other integer claim: a number, or a `BigInt` for an
 * integer beyond `Number.MAX_SAFE_INTEGER` (2^53 - 1). Outputs are numbers except such integers,
 * which come back as exact `BigInt`s (SPEC §6); inputs take either.
 */
export type UnixSeconds = number | bigint;

export type ResourceType =
  | "vault" | "key" | "balances" | "transaction" | "address" | "policy" | "webhook" | "audit";
export type Action = "create" | "read" | "update" | "delete";
export type Scope = "org" | "vault" | "key";
export type SetType = "wallets" | "transactions" | "controls" | "monitoring";
export type Environment = "sandbox" | "production";

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
  ok: true;
  /** The canonical text form. */
  canonical: string;
  permission: Permission;
}

/** What a caller wants to do and where. No vault and no key is an org-level action. */
export interface Request {
  type: ResourceType;
  action: Action;
  vault?: string | null;
  /** A key always names its vault. */
  key?: string | null;
  org?: string | null;
}

/** Stable codes for a decision. */
export type DecisionReason =
  | "allow"
  | "deny.no_matching_permission"
  | "deny.ip_not_allowed"
  | "deny.ip_invalid"
  | "deny.org_mismatch";

export interface Decision {
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
  request: Request;
  /** The caller's organisation; a request naming another org is denied. */
  org?: string | null;
}

export interface IpAllowedInput {
  /** IPv4 addresses (`203.0.113.7`) or CIDRs (`198.51.100.0/24`), 1 to 6 entries. */
  allowlist: string[];
  ip: string;
}
export interface IpVerdict {
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
  code: string;
  message: string;
}
export type SpecValidation =
  | { ok: true }
  | {
      ok: false;
      /** The first problem's code. */
      error: string;
      errors: ValidationProblem[];
    };

/** The stored credential record (only the secret's SHA-256 digest is kept). */
export interface Credential {
  client_id: string;
  secret_sha256: string;
  org: string;
  name: string;
  description: string | null;
  permission_set_type: SetType;
  permissions: string[];
  ip_allowlist: string[];
  environment: Environment;
  status: "enabled" | "disabled" | "deleted";
  created_at: UnixSeconds;
  updated_at: UnixSeconds;
}

export interface CreateCredentialInput {
  spec: CredentialSpec;
  org: string;
  /** Defaults to the current time. */
  now?: UnixSeconds;
  /** 48 bytes as 96 lowercase hex characters; defaults to `crypto.getRandomValues`. */
  entropy?: string;
}
export interface CreatedCredential {
  ok: true;
  credential: Credential;
  /** Shown once; never stored. */
  client_secret: string;
}

export interface UpdateCredentialInput {
  credential: Credential;
  action: "enable" | "disable" | "delete";
  /** Defaults to the current time. */
  now?: UnixSeconds;
}
export interface UpdatedCredential {
  ok: true;
  credential: Credential;
}

export interface VerifySecretInput {
  credential: Credential;
  client_secret: string;
}
export interface SecretCheck {
  ok: true;
  /** The secret matches the stored digest (compared in constant time). */
  valid: boolean;
  /** The secret has credgate's format and checksum. */
  well_formed: boolean;
}

export interface SetTypeDefaults {
  ok: true;
  permissions: string[];
}

/** An Ed25519 signing key: its id and 32-byte seed as 64 lowercase hex characters. */
export interface SigningKey {
  kid: string;
  seed: string;
}

export interface Jwk {
  kty: string;
  crv?: string;
  x?: string;
  kid?: string;
  alg?: string;
  use?: string;
  [member: string]: unknown;
}
export interface Jwks {
  keys: Jwk[];
  [member: string]: unknown;
}

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
}

export interface VerifyTokenInput extends VerifierOptions {
  token: string;
  jwks: Jwks;
  /** Defaults to the current time. */
  now?: UnixSeconds;
}
export interface VerifiedToken {
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
  | "token.wrong_audience";

export interface CheckInput extends VerifyTokenInput {
  request: Request;
  client_ip: string;
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
  request: Request;
  client_ip: string;
  /** Defaults to the current time. */
  now?: UnixSeconds;
}

/** The decision record for audit logs. */
export interface AuditRecord {
  time: UnixSeconds;
  client_id: string | null;
  org: string | null;
  jti: string | null;
  request: Request | null;
  client_ip: string;
  allowed: boolean;
  status: number;
  reason: string;
  matched: string | null;
  [member: string]: unknown;
}

export interface CheckResult {
  ok: true;
  allowed: boolean;
  /** 200 allow, 400 invalid request, 401 token failure, 403 IP/org/permission denial. */
  status: 200 | 400 | 401 | 403;
  reason: DecisionReason | TokenErrorCode | "request.invalid" | "bearer.missing" | "bearer.malformed";
  /** A person-readable explanation. */
  message: string;
  matched?: string;
  near_misses?: string[];
  /** The `WWW-Authenticate` header value to send with a 401 or 403. */
  www_authenticate?: string;
  /** Present when the token verified. */
  claims?: Claims;
  /** Absent only for an invalid request (status 400). */
  audit?: AuditRecord;
}

export type BearerResult =
  | { ok: true; token: string }
  | {
      ok: false;
      error: "bearer.missing" | "bearer.malformed";
      message: string;
      status: number;
      www_authenticate: string;
    };

export interface TokenRequestInput {
  method: string;
  /** Header names match case-insensitively. */
  headers: Record<string, string>;
  /** The `application/x-www-form-urlencoded` body. */
  body: string;
}
export type TokenRequestResult =
  | {
      ok: true;
      client_id: string;
      client_secret: string;
      scope?: string;
      auth_method: "client_secret_basic" | "client_secret_post";
    }
  | OAuthFailure;

/** An RFC 6749 §5.2 error: `error` goes to the client, `reason` (a SPEC code) to the logs. */
export interface OAuthFailure {
  ok: false;
  error: "invalid_request" | "invalid_client" | "invalid_grant" | "unauthorized_client"
    | "unsupported_grant_type" | "invalid_scope";
  error_description?: string;
  status: 400 | 401;
  reason: string;
  headers?: Record<string, string>;
  [member: string]: unknown;
}

export interface IssueTokenInput {
  credential: Credential;
  client_secret: string;
  client_ip: string;
  signing_key: SigningKey;
  issuer: string;
  audience: string;
  /** Space-separated permissions to narrow the token to. */
  scope?: string;
  /** Defaults to the current time. */
  now?: UnixSeconds;
  /** Defaults to 16 random bytes in hex. */
  jti?: string;
}
export type IssueTokenResult =
  | {
      ok: true;
      status: 200;
      headers: Record<string, string>;
      response: {
        access_token: string;
        token_type: "Bearer";
        expires_in: number;
        scope: string;
      };
      token: string;
      claims: Claims;
    }
  | OAuthFailure;

export interface PreviewInput {
  permissions: PermissionInput[];
  /** Concrete resources to evaluate: vault ids, each with its key ids. */
  resources?: { vaults?: Record<string, string[]> };
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

export interface LintInput {
  spec: CredentialSpec;
  now?: UnixSeconds;
  created_at?: UnixSeconds;
}
export interface LintFinding {
  /** A stable `lint.*` code. */
  code: string;
  path: string;
  message: string;
}
export type LintReport =
  | { ok: true; findings: LintFinding[] }
  | { ok: false; error: string; errors: ValidationProblem[]; findings: [] };

/**
 * What every function throws: a JS `Error` named `CredgateError` with a stable `code`
 * (SPEC §8 / the project's docs) and, for validation problems, `path` and `errors`.
 */
export interface CredgateError extends Error {
  name: "CredgateError";
  code: string;
  /** Validation: where the first problem is. */
  path?: string;
  /** Validation: every problem. */
  errors?: ValidationProblem[];
  /** A permission list: the position of the invalid entry. */
  index?: number;
}
"#;
