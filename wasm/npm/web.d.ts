// The generated API of `credgate.js`, with the package's `Verifier` (which also takes a
// `RemoteKeySet`) and `RemoteKeySet` (a JWKS fetched from a URL): remote.js.
import {
  Verifier as GeneratedVerifier,
  type CheckResult,
  type Jwks,
  type RemoteKeySetOptions,
  type RemotePolicy,
  type RemoteStatus,
  type VerifiedToken,
  type VerifierCheckInput,
  type VerifierOptions,
  type AccessRequest,
  type Now,
  type TokenRequestInput,
  type TokenRequestResult,
} from "./credgate.js";

export { CredgateError } from "./errors.js";

// The generated classes declare `[Symbol.dispose]()` (explicit resource management, for
// `using`). TypeScript's libraries declare `Symbol.dispose` only from `esnext.disposable` /
// `es2025` on; declaring it here, as @types/node does, lets a consumer compile with just
// `"lib": ["es2022", "dom"]` (or any other), and is the same declaration when theirs has it.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

export * from "./credgate.js";
export { default } from "./credgate.js";

/**
 * A JWKS fetched from a URL with `fetch`, cached, refreshed ahead of expiry and kept through
 * failures (docs/REMOTE.md): give it to `new Verifier(remote, options)`. Nothing is fetched
 * until keys are first needed; one fetch at a time serves every caller.
 */
export declare class RemoteKeySet {
  /** Throws `input.invalid` for a URL that is not http(s), a bad option or a policy that cannot work. */
  constructor(url: string | URL, options?: RemoteKeySetOptions);
  /** The key set URL. */
  readonly url: string;
  /** The policy, every field filled in. */
  readonly policy: Required<RemotePolicy>;
  /** Grows by one each time the held keys change (0: none fetched yet). */
  readonly generation: number | bigint;
  /** The fetch in flight, settling once it is reported (never rejecting), for `waitUntil`. */
  readonly pending: Promise<boolean> | undefined;
  /** What is held and happening now. */
  status(): RemoteStatus;
  /** Resolves once keys are usable (fetching them when none are); rejects with `jwks.invalid`. */
  ready(): Promise<void>;
  /**
   * A token named a kid missing from the keys of generation `seen`: fetch (at most once per
   * cooldown, one fetch for all callers); whether the keys are now newer.
   */
  refreshUnknownKey(seen: number | bigint): Promise<boolean>;
}

/**
 * A parsed JWKS, or a `RemoteKeySet`, and verification options, prepared once and used for
 * every token. With a remote key set, `check` and `verify` use the keys it holds (throwing
 * `jwks.invalid` while none are usable; a due refresh starts in the background);
 * `checkAsync` and `verifyAsync` first wait for usable keys and, after
 * `token.unknown_key`, for newer ones (at most once per cooldown), and check once more.
 */
export declare class Verifier extends GeneratedVerifier {
  constructor(keys: Jwks | RemoteKeySet, options: VerifierOptions);
  /** The remote key set the keys come from, or `undefined`. */
  readonly remote: RemoteKeySet | undefined;
  /** Resolves once the remote's keys are usable and held (at once without a remote). */
  ready(): Promise<void>;
  /** `check`, after waiting for usable keys; once more with newer keys after `token.unknown_key`. */
  checkAsync(input: VerifierCheckInput): Promise<CheckResult>;
  /** `verify`, after waiting for usable keys; once more with newer keys after `token.unknown_key`. */
  verifyAsync(token: string, now?: Now | null): Promise<VerifiedToken>;
  /**
   * `check` for a Fetch `Request` (or anything with `headers.get`): its `Authorization` header
   * is read; `clientIp` is where the request came from (required), `access` what it wants to
   * do, `now` a `Date` or Unix seconds (default the clock). An unknown option is `input.invalid`.
   */
  checkRequest(request: RequestLike, options: CheckRequestOptions): CheckResult;
  /** `checkRequest`, waiting for usable keys as `checkAsync` does. */
  checkRequestAsync(request: RequestLike, options: CheckRequestOptions): Promise<CheckResult>;
}

/** What `checkRequest` reads of a request: a Fetch `Request`, or anything with `headers.get`. */
export interface RequestLike {
  readonly headers: { get(name: string): string | null };
}

/** The options of `Verifier.checkRequest`. */
export interface CheckRequestOptions {
  /** The client's address (behind Cloudflare: the `cf-connecting-ip` header). */
  clientIp: string;
  /** What the request wants to do, and where. */
  access: AccessRequest;
  /** Defaults to the current time. */
  now?: Now | null;
}

/** A Fetch `Request`, as `parseTokenRequest` reads it (method, headers, body). */
export interface TokenHttpRequest {
  readonly method: string;
  readonly headers: { get(name: string): string | null; entries(): Iterable<[string, string]> };
  arrayBuffer(): Promise<ArrayBuffer>;
  readonly body?: unknown;
}

/** The headers of a token request, as a plain object, `[name, value]` pairs or a Fetch `Headers`. */
export type TokenRequestHeaders =
  | NonNullable<TokenRequestInput["headers"]>
  | { get(name: string): string | null; entries(): Iterable<[string, string]> };

/**
 * Parses an OAuth 2.0 token request (method, headers, form body). A request the token
 * endpoint must refuse is returned as its OAuth error with HTTP status. Given a Fetch
 * `Request`, it reads the body (no more than the token endpoint's limit, `limits()`) and
 * returns a promise; `headers` may be a Fetch `Headers`.
 */
export declare function parseTokenRequest(input: TokenHttpRequest): Promise<TokenRequestResult>;
export declare function parseTokenRequest(input: Omit<TokenRequestInput, "headers"> & { headers?: TokenRequestHeaders }): TokenRequestResult;
