// The admin API client: every request the console makes goes through `request`, with the
// administrator's bearer token. An error answer becomes an ApiError carrying the server's
// stable `code`, its HTTP status, its message and, for a spec credgate refused, its problems
// (the same `{path, code, message}` shape the browser's validateSpec returns).
//
// The token lives in sessionStorage (this tab only, gone when it closes). Nothing else the
// console learns is ever stored: never a client secret.

const TOKEN_KEY = "credgate-console.admin-token";

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  save: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    const description = typeof body?.error_description === "string" ? body.error_description : null;
    super(description ?? (body?.error === "invalid_spec" ? "credgate refused this credential" : `the server answered HTTP ${status}`));
    this.name = "ApiError";
    this.status = status;
    this.code = typeof body?.error === "string" ? body.error : `http.${status}`;
    this.problems = Array.isArray(body?.problems) ? body.problems : [];
  }
}

/** Listeners told when the server no longer accepts the token (401): the app signs out. */
const expiredListeners = new Set();
export function onSessionExpired(listener) {
  expiredListeners.add(listener);
  return () => expiredListeners.delete(listener);
}

/**
 * `method path` with an optional JSON body; resolves to `{ status, body }` for a 2xx answer,
 * rejects with an ApiError otherwise (a network failure is `network.failed`, status 0).
 * `token` overrides the stored one (sign-in tries a token before keeping it).
 */
export async function request(method, path, { body, token = session.token() } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch (error) {
    throw new ApiError(0, { error: "network.failed", error_description: `the server could not be reached (${error.message})` });
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, parsed);
    if (response.status === 401 && token && token === session.token()) {
      session.clear();
      for (const listener of expiredListeners) listener(error);
    }
    throw error;
  }
  return { status: response.status, body: parsed };
}

/** A query string of the members that are set (`undefined`, `null` and "" are left out). */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const id = (clientId) => encodeURIComponent(clientId);

/** The routes the console calls (api-contract.md). */
export const admin = {
  me: (token) => request("GET", "/admin/me", { token }),
  credentials: (params) => request("GET", `/admin/credentials${query(params)}`),
  credential: (clientId) => request("GET", `/admin/credentials/${id(clientId)}`),
  create: (spec) => request("POST", "/admin/credentials", { body: spec }),
  update: (clientId, spec) => request("PATCH", `/admin/credentials/${id(clientId)}`, { body: spec }),
  disable: (clientId, reason) => request("POST", `/admin/credentials/${id(clientId)}/disable`, { body: reason }),
  enable: (clientId) => request("POST", `/admin/credentials/${id(clientId)}/enable`),
  remove: (clientId) => request("DELETE", `/admin/credentials/${id(clientId)}`),
  rotate: (clientId, graceSeconds) =>
    request("POST", `/admin/credentials/${id(clientId)}/rotate`, { body: { grace_seconds: graceSeconds } }),
  usage: (clientId) => request("GET", `/admin/credentials/${id(clientId)}/usage`),
  policy: () => request("GET", "/admin/approval-policy"),
  changes: (params) => request("GET", `/admin/changes${query(params)}`),
  approve: (changeId) => request("POST", `/admin/changes/${changeId}/approve`, { body: {} }),
  reject: (changeId) => request("POST", `/admin/changes/${changeId}/reject`, { body: {} }),
  audit: (params) => request("GET", `/admin/audit${query(params)}`),
};

// The reasons POST /disable takes, with the words the console shows (api-contract.md point 3).
export const DISABLE_REASONS = [
  ["compromised", "The secret may be compromised"],
  ["unused", "No longer used"],
  ["security_review", "Paused for a security review"],
  ["other", "Another reason"],
];
export const MAX_DISABLE_COMMENT = 500;
