// An edge fetch handler that guards an API with credgate access tokens.
//
// For every request: take the client IP from a configurable header, map method + path to a
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
//   CLIENT_IP_HEADER  "CF-Connecting-IP" (default) or "X-Forwarded-For"
//   XFF_TRUSTED_HOPS  with X-Forwarded-For: how many proxies you run in front (default 1);
//                     the client is the entry that many places from the right
//   UPSTREAM          a Fetcher (service binding) for the API behind the edge
//   AUDIT_LOG         "console" to log each decision record as one JSON line

import { initSync, Verifier } from "credgate/edge";
import wasmModule from "credgate/credgate_edge_bg.wasm";
import { route } from "./routes.mjs";

initSync({ module: wasmModule });

/** Headers the edge sets for the upstream; a caller can never supply them. */
const IDENTITY_HEADERS = ["x-credgate-client-id", "x-credgate-org", "x-credgate-matched"];

let cached = null;

/** The Verifier for this environment, built once and rebuilt only when the JWKS changes. */
function verifierFor(env) {
  const jwks = typeof env.JWKS === "string" ? env.JWKS : JSON.stringify(env.JWKS);
  const key = `${jwks}\n${env.ISSUER}\n${env.AUDIENCE}\n${env.LEEWAY ?? 0}`;
  if (cached?.key !== key) {
    const verifier = new Verifier(JSON.parse(jwks), {
      issuer: env.ISSUER,
      audience: env.AUDIENCE,
      leeway: Number(env.LEEWAY ?? 0),
    });
    cached?.verifier.free();
    cached = { key, verifier };
  }
  return cached.verifier;
}

/** The client's IP as the configured header reports it ("" when absent: credgate denies). */
export function clientIp(request, env) {
  const header = (env.CLIENT_IP_HEADER ?? "CF-Connecting-IP").toLowerCase();
  const value = request.headers.get(header);
  if (value === null) return "";
  if (header !== "x-forwarded-for") return value.trim();
  const hops = value.split(",").map((s) => s.trim());
  const trusted = Math.max(1, Number(env.XFF_TRUSTED_HOPS ?? 1));
  return hops[hops.length - trusted] ?? "";
}

function deny(status, body, wwwAuthenticate, extra = {}) {
  const headers = { "content-type": "application/json", "cache-control": "no-store", ...extra };
  if (wwwAuthenticate) headers["www-authenticate"] = wwwAuthenticate;
  return new Response(JSON.stringify(body), { status, headers });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const target = route(request.method, url.pathname);
    if (!target.request) {
      const extra = target.allow ? { allow: target.allow } : {};
      return deny(target.status, { error: target.status === 405 ? "method_not_allowed" : "not_found" }, null, extra);
    }

    let verifier;
    try {
      verifier = verifierFor(env);
    } catch (e) {
      // A JWKS or option the Verifier refuses is a configuration error: fail closed.
      console.error(`credgate edge worker misconfigured: ${e.code ?? e.name}: ${e.message}`);
      return deny(500, { error: "server_misconfigured" }, null);
    }
    const result = verifier.check({
      authorization: request.headers.get("authorization"),
      client_ip: clientIp(request, env),
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
    return env.UPSTREAM.fetch(new Request(request, { headers }));
  },
};
