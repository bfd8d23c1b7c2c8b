// The API's route table: method + path pattern -> the credgate request it needs.
//
// `:vault` and `:key` capture one path segment each and become the request's `vault` and
// `key`; credgate itself checks the ids (an id outside the grammar is a 400, decided by the
// core, not here). The worker registers each row on its Hono app (`app.on`); `route()` below
// answers the same question with Hono's RegExpRouter, for the 404/405 decision and for tests.
//
// The path is never normalized here: a path that another parser could read differently is
// refused (400 `path_not_canonical`), so the path that is routed and authorized is exactly
// the one forwarded upstream, byte for byte (see `canonicalPath`).

import { METHOD_NAME_ALL } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";

export const ROUTES = [
  ["GET", "/v1/vaults", "vault", "read"],
  ["POST", "/v1/vaults", "vault", "create"],
  ["GET", "/v1/vaults/:vault", "vault", "read"],
  ["PATCH", "/v1/vaults/:vault", "vault", "update"],
  ["DELETE", "/v1/vaults/:vault", "vault", "delete"],
  ["GET", "/v1/vaults/:vault/balances", "balances", "read"],
  ["GET", "/v1/vaults/:vault/keys", "key", "read"],
  ["POST", "/v1/vaults/:vault/keys", "key", "create"],
  ["GET", "/v1/vaults/:vault/keys/:key", "key", "read"],
  ["PATCH", "/v1/vaults/:vault/keys/:key", "key", "update"],
  ["GET", "/v1/vaults/:vault/keys/:key/balances", "balances", "read"],
  ["GET", "/v1/vaults/:vault/transactions", "transaction", "read"],
  ["POST", "/v1/vaults/:vault/keys/:key/transactions", "transaction", "create"],
  ["GET", "/v1/vaults/:vault/addresses", "address", "read"],
  ["POST", "/v1/vaults/:vault/addresses", "address", "create"],
  ["GET", "/v1/vaults/:vault/policies", "policy", "read"],
  ["GET", "/v1/webhooks", "webhook", "read"],
  ["POST", "/v1/webhooks", "webhook", "create"],
  ["GET", "/v1/audit", "audit", "read"],
].map(([method, pattern, type, action]) => ({ method, pattern, type, action }));

/** Every route under Hono's any-method name: one match gives all the methods a path has. */
const router = new RegExpRouter();
for (const r of ROUTES) router.add(METHOD_NAME_ALL, r.pattern, r);

/** The routes whose pattern matches `pathname` (any method), each with its params. */
function matches(pathname) {
  const [handlers, stash] = router.match(METHOD_NAME_ALL, pathname);
  return handlers.map(([r, params]) => ({
    route: r,
    // RegExpRouter gives indexes into its stash; other Hono routers give the values.
    params: stash ? Object.fromEntries(Object.entries(params).map(([k, i]) => [k, stash[i]])) : params,
  }));
}

/** The credgate request of route `r` with its path params (`vault`, `key`). */
export function accessRequest(r, params) {
  const request = { type: r.type, action: r.action };
  if (params.vault !== undefined) request.vault = params.vault;
  if (params.key !== undefined) request.key = params.key;
  return request;
}

/** The `Allow` value for a canonical path: its methods, table order, or null when none. */
export function allowedMethods(pathname) {
  const methods = [...new Set(matches(pathname).map((m) => m.route.method))];
  return methods.length ? methods.join(", ") : null;
}

/** One path segment: RFC 3986 unreserved characters only (no `%`, no sub-delims, no backslash). */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * The path of an absolute URL as its text spells it, when that path is canonical; else null.
 *
 * Canonical: `/`, or `/` followed by non-empty segments of unreserved characters, none of
 * them `.` or `..`. So an empty segment (`//`), a trailing slash, a dot segment, any
 * percent-encoding (`%2F`, `%2e`, `%41`), a backslash, `;` parameters, or any other
 * character that some server decodes, strips or splits on is refused, never rewritten. The
 * path is read from the URL's text (a URL parser may already have resolved `..` or turned
 * backslashes into slashes) and must also equal what the WHATWG URL parser makes of it, so
 * the runtime, this router and the upstream all see one path.
 */
export function canonicalPath(url) {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\\]*([^?#]*)/.exec(url);
  if (!m) return null;
  const path = m[1];
  if (!path.startsWith("/")) return null;
  if (path !== "/") for (const s of path.slice(1).split("/")) {
    if (!SEGMENT.test(s) || s === "." || s === "..") return null;
  }
  let parsed;
  try {
    parsed = new URL(url).pathname;
  } catch {
    return null;
  }
  return parsed === path ? path : null;
}

/**
 * Maps a method and a canonical URL path (`canonicalPath`) to a credgate request.
 * Returns `{ request }`, `{ status: 404 }` for an unknown path, `{ status: 405, allow }`
 * when the path exists with other methods, or `{ status: 400 }` for a path that is not
 * canonical (it is never normalized into another one).
 */
export function route(method, pathname) {
  if (typeof pathname !== "string" || canonicalPath(`https://edge.invalid${pathname}`) !== pathname) {
    return { status: 400 };
  }
  const found = matches(pathname);
  const hit = found.find((m) => m.route.method === method);
  if (hit) return { request: accessRequest(hit.route, hit.params) };
  const allow = allowedMethods(pathname);
  return allow ? { status: 405, allow } : { status: 404 };
}
