// The API's route table: method + path pattern -> the credgate request it needs.
//
// `:vault` and `:key` capture one path segment each and become the request's `vault` and
// `key`; credgate itself checks the ids (an id outside the grammar is a 400, decided by the
// core, not here). Order does not matter: patterns are matched segment by segment.

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
].map(([method, pattern, type, action]) => ({
  method,
  pattern,
  segments: pattern.split("/").filter(Boolean),
  type,
  action,
}));

/**
 * Maps a method and URL path to a credgate request.
 * Returns `{ request }`, `{ status: 404 }` for an unknown path, or `{ status: 405, allow }`
 * when the path exists with other methods.
 */
export function route(method, pathname) {
  const parts = pathname.split("/").filter(Boolean);
  const allow = [];
  for (const r of ROUTES) {
    const params = match(r.segments, parts);
    if (!params) continue;
    if (r.method !== method) {
      allow.push(r.method);
      continue;
    }
    const request = { type: r.type, action: r.action };
    if (params.vault !== undefined) request.vault = params.vault;
    if (params.key !== undefined) request.key = params.key;
    return { request };
  }
  return allow.length ? { status: 405, allow: allow.join(", ") } : { status: 404 };
}

function match(segments, parts) {
  if (segments.length !== parts.length) return null;
  const params = {};
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s.startsWith(":")) params[s.slice(1)] = parts[i];
    else if (s !== parts[i]) return null;
  }
  return params;
}
