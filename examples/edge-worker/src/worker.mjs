// An edge fetch handler that guards an API with credgate access tokens.
//
// For every request: take the client IP from the configured source, route method + path with
// Hono (https://hono.dev) to a credgate request (./routes.mjs), and run `checkRequest` on a Verifier built once from the
// JWKS, handing it the Fetch request (credgate reads its `Authorization` header, RFC 6750).
// Deny -> 400/401/403 with the `WWW-Authenticate` value credgate returns; allow -> forward to
// the upstream API with the caller's identity in `X-Credgate-*` headers. Every decision lives
// in credgate's core.
//
// It uses the package's edge build (`credgate/edge`: Verifier and PermissionSet only, half the
// size of the full module). The same file runs in Cloudflare Workers / workerd (where
// `credgate/credgate_edge_bg.wasm` is a compiled WebAssembly.Module, as edge runtimes require)
// and in Node.js (where the package's `node` condition supplies that module).
//
// Environment:
//   JWKS              the JWKS (JSON text or object) whose keys sign access tokens, or
//   JWKS_URL          the issuer's JWKS URL instead (one of the two): fetched when first needed,
//                     cached as its Cache-Control says, refreshed ahead of expiry in the
//                     background, fetched again (at most once per 30 s) for a token whose kid it
//                     lacks, and kept through failures for a day (credgate's RemoteKeySet,
//                     docs/REMOTE.md); with no usable key set every token is refused (503)
//   ISSUER, AUDIENCE  expected `iss` and `aud`
//   LEEWAY            optional clock-skew seconds (default 0)
//   CLIENT_IP_SOURCE  required, no default: where the client IP comes from, the header that
//                     your platform or your own proxy sets and a client cannot:
//                     "cf-connecting-ip" (only on Cloudflare), "x-real-ip" (a proxy that
//                     overwrites it), or "x-forwarded-for" (a proxy that appends to it)
//   XFF_TRUSTED_HOPS  required with x-forwarded-for (and only then): how many proxies you
//                     run in front, >= 1; the client is that many entries from the right
//   UPSTREAM          a Fetcher (service binding) for the API behind the edge
//   AUDIT_LOG         "console" to log each decision record as one JSON line
//   REVOCATIONS_URL   optional: the issuer's signed revocation list
//                     (GET /.well-known/credgate-revocations); with it, a token of a disabled,
//                     deleted or compromised credential is refused (401 token.revoked) from
//                     the worker's next refresh on, instead of working until it expires
//   REVOCATIONS_REFRESH  seconds between refreshes (default 60; 0: every request), checked
//                     lazily on requests (a worker has no timer that outlives a request)
//   REVOCATIONS_MAX_AGE  optional seconds: with it, when no refresh has succeeded for that
//                     long (or none yet), every token is refused (503); without it, the held
//                     list is kept for as long as refreshes fail (see README)
//
// A configuration it cannot use (no CLIENT_IP_SOURCE, an unknown one, a bad hop count, a
// JWKS the Verifier refuses) is never guessed around: every request is answered 500 and
// nothing is forwarded; the problem is logged once per configuration.

import { initSync, RemoteKeySet, Verifier } from "credgate/edge";
import wasmModule from "credgate/credgate_edge_bg.wasm";
import { Hono } from "hono";
import { accessRequest, allowedMethods, canonicalPath, ROUTES } from "./routes.mjs";

initSync({ module: wasmModule });

/** Headers the edge sets for the upstream; a caller can never supply them. */
const IDENTITY_HEADERS = ["x-credgate-client-id", "x-credgate-org", "x-credgate-matched"];

/** Client-IP sources: the header each one reads, and whether it holds one address or a list. */
const IP_SOURCES = {
  "cf-connecting-ip": "one",
  "x-real-ip": "one",
  "x-forwarded-for": "list",
};

/** A configuration the worker cannot run with (answered 500, logged once). */
export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = "ConfigError";
  }
}

/** A client-IP header that is not what the trusted platform or proxies write (answered 400). */
export class ClientIpError extends Error {
  constructor(message) {
    super(message);
    this.name = "ClientIpError";
  }
}

/**
 * Reads the client-IP configuration: `{ header, kind, hops }`, or throws ConfigError.
 * Nothing has a default: which header is trustworthy depends on where the worker runs,
 * and a header the platform does not overwrite is whatever the client sent.
 */
export function clientIpConfig(env) {
  const sources = Object.keys(IP_SOURCES).join(" | ");
  if (env.CLIENT_IP_HEADER !== undefined) {
    throw new ConfigError(`CLIENT_IP_HEADER is no longer read (it defaulted to CF-Connecting-IP, which any client can send when the worker is not on Cloudflare): set CLIENT_IP_SOURCE to ${sources}`);
  }
  const source = env.CLIENT_IP_SOURCE;
  if (source === undefined || source === null || source === "") {
    const found = source === undefined ? "" : ` (it is ${JSON.stringify(source)})`;
    throw new ConfigError(`CLIENT_IP_SOURCE is not set${found}: set it to the header your platform or proxy sets (${sources}); there is no default`);
  }
  const header = typeof source === "string" ? source.toLowerCase() : "";
  if (!Object.hasOwn(IP_SOURCES, header)) {
    throw new ConfigError(`CLIENT_IP_SOURCE ${JSON.stringify(String(source))} is not one of ${sources}`);
  }
  const kind = IP_SOURCES[header];
  const rawHops = env.XFF_TRUSTED_HOPS;
  if (kind !== "list") {
    if (rawHops !== undefined) throw new ConfigError(`XFF_TRUSTED_HOPS is set but CLIENT_IP_SOURCE is ${header}: it applies to x-forwarded-for only`);
    return { header, kind, hops: 0 };
  }
  const text = typeof rawHops === "number" ? String(rawHops) : rawHops;
  if (typeof text !== "string" || !/^[1-9][0-9]?$/.test(text)) {
    throw new ConfigError(`XFF_TRUSTED_HOPS must be the number of proxies you run in front of the worker, an integer from 1 to 99 (got ${rawHops === undefined ? "nothing" : JSON.stringify(String(rawHops))})`);
  }
  return { header, kind, hops: Number(text) };
}

/** The shape of an IP literal as a proxy writes it: IPv4 or IPv6, no port, no brackets. */
const IP_LITERAL = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|(?=[0-9A-Fa-f]*:)[0-9A-Fa-f:]{2,39}(?::[0-9]{1,3}(?:\.[0-9]{1,3}){3})?)$/;
/** Optional whitespace around a list entry (RFC 9110 OWS). */
const OWS = /^[ \t]+|[ \t]+$/g;

/**
 * The client's IP from the configured source ("" when the header is absent: credgate denies
 * with `deny.ip_invalid`). Throws ClientIpError (400) for a header value that the trusted
 * platform or proxies cannot have written: a list (two header lines are joined with ", " by
 * the Fetch API) in a one-address header, an empty or non-IP entry, or fewer X-Forwarded-For
 * entries than trusted hops. Throws ConfigError when the configuration is unusable.
 */
export function clientIp(request, env, config = clientIpConfig(env)) {
  const value = request.headers.get(config.header);
  if (value === null) return "";
  const entries = value.split(",").map((s) => s.replace(OWS, ""));
  if (config.kind === "one" && entries.length !== 1) {
    throw new ClientIpError(`${config.header} holds ${entries.length} values; the platform sets exactly one`);
  }
  // Only the shape is checked here; credgate parses the address (and denies a bad one).
  if (!entries.every((e) => IP_LITERAL.test(e))) {
    throw new ClientIpError(`${config.header} has an entry that is not an IP address`);
  }
  if (entries.length < config.hops) {
    throw new ClientIpError(`${config.header} has ${entries.length} entries, fewer than the ${config.hops} trusted proxies append`);
  }
  return entries[entries.length - Math.max(1, config.hops)];
}

/** Seconds between refreshes of the revocation list when REVOCATIONS_REFRESH is not set. */
const DEFAULT_REVOCATIONS_REFRESH = 60;

/** A whole number of seconds from the environment (text or number), or ConfigError. */
function seconds(env, name, min) {
  const raw = env[name];
  const text = typeof raw === "number" ? String(raw) : raw;
  if (typeof text !== "string" || !/^[0-9]{1,9}$/.test(text) || Number(text) < min) {
    throw new ConfigError(`${name} must be a whole number of seconds, at least ${min} (got ${JSON.stringify(String(raw))})`);
  }
  return Number(text);
}

/**
 * The revocation-list configuration: null without REVOCATIONS_URL, else
 * `{ url, refresh, maxAge }` (maxAge null when not set). Throws ConfigError.
 */
export function revocationsConfig(env) {
  const url = env.REVOCATIONS_URL;
  if (url === undefined || url === null || url === "") {
    for (const name of ["REVOCATIONS_REFRESH", "REVOCATIONS_MAX_AGE"]) {
      if (env[name] !== undefined) throw new ConfigError(`${name} is set but REVOCATIONS_URL is not`);
    }
    return null;
  }
  const parsed = httpUrl("REVOCATIONS_URL", url);
  const refresh = env.REVOCATIONS_REFRESH === undefined ? DEFAULT_REVOCATIONS_REFRESH : seconds(env, "REVOCATIONS_REFRESH", 0);
  const maxAge = env.REVOCATIONS_MAX_AGE === undefined ? null : seconds(env, "REVOCATIONS_MAX_AGE", 1);
  if (maxAge !== null && maxAge <= refresh) {
    throw new ConfigError(`REVOCATIONS_MAX_AGE (${maxAge}) must be longer than REVOCATIONS_REFRESH (${refresh}): one failed refresh would refuse every token`);
  }
  return { url: parsed.href, refresh, maxAge };
}

/** `url` (the setting `name`) as a URL, when it is an http(s) one. Throws ConfigError. */
function httpUrl(name, url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
    throw new ConfigError(`${name} ${JSON.stringify(String(url))} is not an http(s) URL`);
  }
  return parsed;
}

/** Unix seconds now: the worker's clock (credgate's `check` reads the same one). */
const nowSeconds = () => Math.floor(Date.now() / 1000);

let cached = null;

/** The JWKS_URL, when the worker fetches its keys (an http(s) URL), else null. Throws ConfigError. */
export function jwksUrlConfig(env) {
  const url = env.JWKS_URL;
  if (url === undefined || url === null || url === "") return null;
  if (env.JWKS !== undefined) throw new ConfigError("JWKS and JWKS_URL are both set: give the keys or where to fetch them, not both");
  return httpUrl("JWKS_URL", url).href;
}

/**
 * The Verifier for this environment, built once and rebuilt only when the JWKS (or its URL)
 * or an option changes (key rotation with inline keys); with REVOCATIONS_URL, the state of
 * its revocation list too. Its cache of verified tokens is on (the default): a client's
 * repeated token is not signature-checked again.
 */
/** The settings without which no token can be checked. Throws ConfigError naming the first one missing. */
function requireVerifierSettings(env) {
  const empty = (name) => env[name] === undefined || env[name] === null || env[name] === "";
  if (empty("JWKS") && empty("JWKS_URL")) {
    throw new ConfigError("neither JWKS nor JWKS_URL is set: give the issuer's public keys (JWKS, JSON text) or where to fetch them (JWKS_URL)");
  }
  for (const name of ["ISSUER", "AUDIENCE"]) {
    if (empty(name)) throw new ConfigError(`${name} is not set: the access tokens' ${name === "ISSUER" ? "iss" : "aud"} value this worker accepts`);
  }
}

function verifierFor(env) {
  const jwks = typeof env.JWKS === "string" ? env.JWKS : JSON.stringify(env.JWKS);
  const key = [jwks, env.JWKS_URL, env.ISSUER, env.AUDIENCE, env.LEEWAY ?? 0, env.REVOCATIONS_URL, env.REVOCATIONS_REFRESH, env.REVOCATIONS_MAX_AGE].join("\n");
  if (cached?.key !== key) {
    cached?.verifier?.free();
    try {
      requireVerifierSettings(env);
      const revocations = revocationsConfig(env);
      const url = jwksUrlConfig(env);
      const keys = url === null ? JSON.parse(jwks) : new RemoteKeySet(url, { log: (line) => console.error(`credgate edge worker: ${line}`) });
      const verifier = new Verifier(keys, {
        issuer: env.ISSUER,
        audience: env.AUDIENCE,
        leeway: Number(env.LEEWAY ?? 0),
      });
      cached = {
        key,
        verifier,
        remote: verifier.remote ?? null,
        revocations: revocations && { config: revocations, etag: null, epoch: null, lastSuccess: null, lastAttempt: null },
      };
    } catch (e) {
      cached = { key, error: e instanceof ConfigError ? e : new ConfigError(`${e.code ?? e.name}: ${e.message}`) };
    }
  }
  if (cached.error) throw cached.error;
  return cached;
}

/**
 * Refreshes the held revocation list when a refresh is due (REVOCATIONS_REFRESH seconds after
 * the last attempt; the first request always fetches). The attempt is recorded before the
 * fetch starts, so requests that arrive meanwhile go on with the held list rather than wait
 * on another request's I/O (which edge runtimes forbid). The request carries `If-None-Match` with the ETag of the held list;
 * a 304 confirms it. A list the Verifier refuses (`revocations.invalid`, or
 * `revocations.stale`: an epoch lower than the held one's), an HTTP error or a network
 * failure is logged and the held list is kept.
 */
function refreshRevocations(entry, now) {
  const state = entry.revocations;
  if (state.lastAttempt !== null && now - state.lastAttempt < state.config.refresh) return null;
  state.lastAttempt = now;
  return (async () => {
    try {
      const headers = state.etag !== null ? { "if-none-match": state.etag } : {};
      const response = await fetch(state.config.url, { headers, redirect: "manual" });
      if (response.status === 304 && state.epoch !== null) {
        state.lastSuccess = now;
        return;
      }
      if (response.status !== 200) throw new Error(`HTTP ${response.status} from ${state.config.url}`);
      const text = await response.text();
      // A list is verified with the keys: with JWKS_URL, once they are held.
      await entry.verifier.ready();
      const loaded = entry.verifier.loadRevocations(text);
      state.etag = response.headers.get("etag");
      state.epoch = loaded.epoch;
      state.lastSuccess = now;
    } catch (e) {
      const held = state.epoch === null ? "no list held yet" : `keeping the held list (epoch ${state.epoch})`;
      console.error(`credgate edge worker: revocation list refresh failed, ${held}: ${e.code ?? e.name}: ${e.message}`);
    }
  })();
}

/**
 * Whether tokens can be judged: always without REVOCATIONS_MAX_AGE (fail open to SPEC §5's
 * default when no list was ever loaded, keeping the held one when refreshes fail), else only
 * while the last successful refresh is at most REVOCATIONS_MAX_AGE seconds old (fail closed).
 */
function revocationsUsable(state, now) {
  if (state.config.maxAge === null) return true;
  return state.lastSuccess !== null && now - state.lastSuccess <= state.config.maxAge;
}

let loggedConfigError = null;

/** 500 for a configuration the worker cannot use; each distinct problem is logged once. */
function misconfigured(error) {
  if (error.message !== loggedConfigError) {
    loggedConfigError = error.message;
    console.error(`credgate edge worker misconfigured, refusing every request: ${error.message}`);
  }
  return deny(500, { error: "server_misconfigured" }, null);
}

function deny(status, body, wwwAuthenticate, extra = {}) {
  const headers = { "content-type": "application/json", "cache-control": "no-store", ...extra };
  if (wwwAuthenticate) headers["www-authenticate"] = wwwAuthenticate;
  return new Response(JSON.stringify(body), { status, headers });
}

/**
 * The Hono app. Its first middleware runs for every request, whatever the method or path:
 * configuration first (a worker that cannot tell where the client IP comes from, or has no
 * usable JWKS, serves nothing at all: fail closed, never guess), then the canonical-path
 * guard, in front of the router, so that the path Hono routes is byte for byte the one
 * authorized and forwarded. Then one Hono route per row of the table (./routes.mjs), whose
 * `:vault` and `:key` params become the credgate request; anything else is 404, or 405 with
 * `Allow` when the path has other methods.
 */
const app = new Hono();

app.use(async (c, next) => {
  let ipConfig;
  let entry;
  try {
    ipConfig = clientIpConfig(c.env);
    entry = verifierFor(c.env);
  } catch (e) {
    if (e instanceof ConfigError) return misconfigured(e);
    throw e;
  }
  // The path is routed, authorized and forwarded as one string, never normalized.
  const path = canonicalPath(c.req.raw.url);
  if (path === null) return deny(400, { error: "path_not_canonical" }, null);
  // Hono answers HEAD with a GET route; the table has no HEAD rows, so HEAD is refused like
  // any other method the path lacks.
  if (c.req.method === "HEAD") return unrouted(path);
  c.set("edge", { ipConfig, entry, path });
  await next();
});

for (const r of ROUTES) {
  app.on(r.method, r.pattern, (c) => guarded(c, accessRequest(r, c.req.param())));
}

app.notFound((c) => unrouted(c.get("edge").path));

// An unexpected error is the runtime's to report, as before: not Hono's plain-text 500.
app.onError((e) => {
  throw e;
});

/** 404 for a path the table lacks; 405 with `Allow` when the path exists with other methods. */
function unrouted(path) {
  const allow = allowedMethods(path);
  if (allow === null) return deny(404, { error: "not_found" }, null);
  return deny(405, { error: "method_not_allowed" }, null, { allow });
}

/** A routed request: credgate checks it (`access` is the table's request), then upstream. */
async function guarded(c, access) {
  const { ipConfig, entry, path } = c.get("edge");
  const request = c.req.raw;
  const env = c.env;
  let ctx;
  try {
    ctx = c.executionCtx;
  } catch {
    ctx = undefined; // called without one (e.g. in Node tests): nothing to keep alive
  }
  let ip;
  try {
    ip = clientIp(request, env, ipConfig);
  } catch (e) {
    if (e instanceof ClientIpError) return deny(400, { error: "client_ip_malformed" }, null);
    throw e;
  }
  if (entry.revocations) {
    const now = nowSeconds();
    await refreshRevocations(entry, now);
    if (!revocationsUsable(entry.revocations, now)) {
      return deny(503, { error: "revocations_unavailable" }, null, { "retry-after": String(entry.revocations.config.refresh || 1) });
    }
  }
  // credgate reads the request's Authorization header itself (RFC 6750).
  const options = { clientIp: ip, access };
  let result;
  if (entry.remote === null) {
    result = entry.verifier.checkRequest(request, options);
  } else {
    // Waits for the first key set, and fetches again (at most once per cooldown) for a
    // token whose kid the held set lacks; a refresh due later runs in the background, kept
    // alive past the response where the runtime allows it.
    try {
      result = await entry.verifier.checkRequestAsync(request, options);
    } catch (e) {
      if (e?.code !== "jwks.invalid") throw e;
      console.error(`credgate edge worker: no usable key set from JWKS_URL, refusing the request: ${e.message}`);
      return deny(503, { error: "jwks_unavailable" }, null, { "retry-after": "5" });
    } finally {
      const pending = entry.remote.pending;
      if (pending !== undefined && typeof ctx?.waitUntil === "function") ctx.waitUntil(pending);
    }
  }
  if (env.AUDIT_LOG === "console" && result.audit) console.log(JSON.stringify(result.audit));
  if (!result.allowed) {
    return deny(result.status, { error: result.reason }, result.www_authenticate);
  }

  const headers = new Headers(request.headers);
  for (const name of IDENTITY_HEADERS) headers.delete(name);
  headers.set("x-credgate-client-id", result.claims.client_id);
  headers.set("x-credgate-org", result.claims.org);
  headers.set("x-credgate-matched", result.matched);
  // The upstream URL is built from the very `path` that was authorized (and the query,
  // which no permission depends on).
  const url = new URL(request.url);
  return env.UPSTREAM.fetch(new Request(`${url.origin}${path}${url.search}`, {
    method: request.method,
    headers,
    body: request.body,
    redirect: "manual",
    duplex: "half",
  }));
}

export default app;
