// An edge fetch handler that guards an API with credgate access tokens.
//
// For every request: take the client IP from the configured source, map method + path to a
// credgate request (./routes.mjs), and run `check` on a Verifier built once from the JWKS,
// handing it the raw `Authorization` header (credgate reads the Bearer token, RFC 6750).
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
//   JWKS              the JWKS (JSON text or object) whose keys sign access tokens
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
//
// A configuration it cannot use (no CLIENT_IP_SOURCE, an unknown one, a bad hop count, a
// JWKS the Verifier refuses) is never guessed around: every request is answered 500 and
// nothing is forwarded; the problem is logged once per configuration.

import { initSync, Verifier } from "credgate/edge";
import wasmModule from "credgate/credgate_edge_bg.wasm";
import { canonicalPath, route } from "./routes.mjs";

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

let cached = null;

/** The Verifier for this environment, built once and rebuilt only when the JWKS changes. */
function verifierFor(env) {
  const jwks = typeof env.JWKS === "string" ? env.JWKS : JSON.stringify(env.JWKS);
  const key = `${jwks}\n${env.ISSUER}\n${env.AUDIENCE}\n${env.LEEWAY ?? 0}`;
  if (cached?.key !== key) {
    cached?.verifier?.free();
    try {
      const verifier = new Verifier(JSON.parse(jwks), {
        issuer: env.ISSUER,
        audience: env.AUDIENCE,
        leeway: Number(env.LEEWAY ?? 0),
      });
      cached = { key, verifier };
    } catch (e) {
      cached = { key, error: new ConfigError(`${e.code ?? e.name}: ${e.message}`) };
    }
  }
  if (cached.error) throw cached.error;
  return cached.verifier;
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

export default {
  async fetch(request, env) {
    let ipConfig;
    let verifier;
    try {
      // Configuration first: a worker that cannot tell where the client IP comes from, or
      // has no usable JWKS, serves nothing at all (fail closed, never guess).
      ipConfig = clientIpConfig(env);
      verifier = verifierFor(env);
    } catch (e) {
      if (e instanceof ConfigError) return misconfigured(e);
      throw e;
    }

    // The path is routed, authorized and forwarded as one string, never normalized.
    const path = canonicalPath(request.url);
    if (path === null) return deny(400, { error: "path_not_canonical" }, null);
    const target = route(request.method, path);
    if (!target.request) {
      const extra = target.allow ? { allow: target.allow } : {};
      return deny(target.status, { error: target.status === 405 ? "method_not_allowed" : "not_found" }, null, extra);
    }

    let ip;
    try {
      ip = clientIp(request, env, ipConfig);
    } catch (e) {
      if (e instanceof ClientIpError) return deny(400, { error: "client_ip_malformed" }, null);
      throw e;
    }
    const result = verifier.check({
      authorization: request.headers.get("authorization"),
      client_ip: ip,
      request: target.request,
    });
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
  },
};
