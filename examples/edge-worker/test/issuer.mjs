// A token issuer's public endpoints for the tests, on a loopback port: its revocation list,
// signed with the package's own `signRevocations`, at GET /.well-known/credgate-revocations,
// and its JWKS (the package's `publicJwks` of its signing keys) at GET /.well-known/jwks.json,
// both with `ETag` and `Cache-Control`, answering 304 to a matching `If-None-Match`, as the
// example backend does. Started and stopped by each test file through the handle it returns.

import { createServer } from "node:http";
import { publicJwks, signRevocations } from "credgate";

export const REVOCATIONS_PATH = "/.well-known/credgate-revocations";
export const JWKS_PATH = "/.well-known/jwks.json";

/**
 * Starts the issuer. `now()` gives the issuer's clock (Unix seconds). Returns
 * `{ url, jwksUrl, requests, revokeClient(clientId, notBefore), serve(text), publish(keys),
 * failJwks(status), close() }`: `requests` records each request's path and `If-None-Match`;
 * `serve` overrides the list's body (a stale or broken list); `publish` replaces the signing
 * keys the JWKS lists (a rotation); `failJwks` answers the JWKS with that status (null: again).
 */
export async function startIssuer({ signingKey, issuer, now = () => Math.floor(Date.now() / 1000) }) {
  let jwksKeys = [signingKey];
  let jwksStatus = null;
  let epoch = 0;
  let entries = [];
  let list = null;
  let override = null;
  const requests = [];
  const sign = () => {
    epoch += 1;
    const signed = signRevocations({ signing_key: signingKey, issuer, epoch, now: now(), entries });
    entries = signed.entries;
    list = signed.revocations;
  };
  sign();
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://issuer.invalid").pathname;
    requests.push({ method: req.method, path, ifNoneMatch: req.headers["if-none-match"] ?? null });
    if (req.method === "GET" && path === JWKS_PATH) {
      if (jwksStatus !== null) {
        res.writeHead(jwksStatus).end();
        return;
      }
      const jwksEtag = `"jwks-${jwksKeys.map((k) => k.kid).join("-")}"`;
      const headers = { etag: jwksEtag, "cache-control": "public, max-age=300" };
      if (req.headers["if-none-match"] === jwksEtag) {
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, { ...headers, "content-type": "application/jwk-set+json" }).end(JSON.stringify(publicJwks(jwksKeys)));
      return;
    }
    if (req.method !== "GET" || path !== REVOCATIONS_PATH) {
      res.writeHead(404).end();
      return;
    }
    const body = override ?? list;
    const etag = `"rev-${override === null ? epoch : `x${body.length}`}"`;
    const headers = { etag, "cache-control": "public, max-age=60" };
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, "content-type": "application/jwt" }).end(body);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}${REVOCATIONS_PATH}`,
    jwksUrl: `http://127.0.0.1:${port}${JWKS_PATH}`,
    requests,
    /** The requests for the JWKS so far. */
    jwksRequests: () => requests.filter((r) => r.path === JWKS_PATH),
    /** The issuer's signing keys change: the JWKS lists these from now on. */
    publish(keys) {
      jwksKeys = keys;
    },
    /** The JWKS endpoint answers `status` (null: the key set again). */
    failJwks(status) {
      jwksStatus = status;
    },
    /** The issuer disables a credential: its tokens issued before `notBefore` are revoked. */
    revokeClient(clientId, notBefore = now()) {
      entries = [...entries, { client_id: clientId, not_before: notBefore }];
      override = null;
      sign();
    },
    /** The list as signed now, and its epoch. */
    current: () => ({ list, epoch }),
    /** Serve this text instead of the list (null: the list again). */
    serve(text) {
      override = text;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
