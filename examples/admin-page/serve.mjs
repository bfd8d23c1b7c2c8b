// A tiny static server for the admin page: the page (public/) at `/` and the built npm
// package (wasm/pkg, `make build-wasm`) at `/pkg/`. Loopback only, GET/HEAD only, no
// directory listings, `.wasm` as `application/wasm`, and a Content-Security-Policy that lets
// the page talk to nothing but this server.
//
//   node examples/admin-page/serve.mjs [--port 8787] [--host 127.0.0.1]
//
// Also imported by the test: `startServer({ port: 0 })` picks a free port.

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
export const PAGE_DIR = resolve(here, "public");
export const PKG_DIR = resolve(here, "../../wasm/pkg");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

// 'wasm-unsafe-eval' allows compiling WebAssembly and nothing else that `eval` would.
const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Maps a URL path to a file inside one of the two served folders, or null. */
function locate(pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const [base, rest] = decoded.startsWith("/pkg/")
    ? [PKG_DIR, decoded.slice("/pkg/".length)]
    : [PAGE_DIR, decoded === "/" ? "index.html" : decoded.slice(1)];
  const file = resolve(base, rest);
  return file.startsWith(base + sep) ? file : null;
}

async function handle(request, response) {
  const headers = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CSP,
  };
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { ...headers, Allow: "GET, HEAD", "Content-Type": "text/plain" });
    response.end("method not allowed\n");
    return;
  }
  const { pathname } = new URL(request.url, "http://localhost");
  const file = locate(pathname);
  const info = file && (await stat(file).catch(() => null));
  if (!info?.isFile()) {
    response.writeHead(404, { ...headers, "Content-Type": "text/plain" });
    response.end(pathname.startsWith("/pkg/") ? "not found (build the package: make build-wasm)\n" : "not found\n");
    return;
  }
  const body = await readFile(file);
  response.writeHead(200, {
    ...headers,
    "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
    "Content-Length": body.length,
  });
  response.end(request.method === "HEAD" ? undefined : body);
}

/**
 * Starts the server on `host:port` (port 0 = a free one).
 * Resolves to `{ url, port, close() }`.
 */
export function startServer({ host = "127.0.0.1", port = 0 } = {}) {
  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      if (!response.headersSent) response.writeHead(500, { "Content-Type": "text/plain" });
      response.end(`server error: ${error.message}\n`);
    });
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolvePromise({
        url: `http://${host}:${actual}/`,
        port: actual,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const option = (name, fallback) => {
    const at = process.argv.indexOf(`--${name}`);
    return at > 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
  };
  const port = Number(option("port", "8787"));
  const host = option("host", "127.0.0.1");
  const missing = await stat(join(PKG_DIR, "credgate_bg.wasm")).then(() => false, () => true);
  if (missing) console.error(`warning: ${PKG_DIR} has no credgate_bg.wasm yet — run \`make build-wasm\``);
  const { url } = await startServer({ host, port });
  console.log(`credgate admin page: ${url}  (Ctrl-C to stop)`);
}
