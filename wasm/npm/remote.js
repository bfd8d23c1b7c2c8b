// The package's JavaScript layer over the generated classes, shared by the full and the edge
// build (`bind` takes either build's exports): `RemoteKeySet`, a JWKS fetched from a URL with
// `fetch` (Node.js, browsers, Cloudflare Workers / workerd), `Verifier`, the generated class
// extended to take one in place of a JWKS (docs/REMOTE.md, "JavaScript") and to read a Fetch
// `Request` (`checkRequest`), and the full build's `parseTokenRequest`, which also takes a
// Fetch `Request` or `Headers` (docs/JS.md).
//
// This layer only fetches, reads Fetch objects and waits. When a fetch is due, what an answer
// means and which keys serve are decided by the core's state machine (`RemoteKeySetState`,
// wasm/src/remote.rs); every check is the core's too. The entries (`web.js`, `edge.js`, and
// the Node.js ones over them) export these in place of the generated ones.

import { CredgateError } from "./errors.js";

const EMPTY_JWKS = Object.freeze({ keys: Object.freeze([]) });

/** An error as the module throws them: the package's `CredgateError`, a stable `code`. */
const credgateError = (code, message) => new CredgateError(code, message);

/** Refuses an options bag's members other than `known`: `input.invalid` naming the first. */
function knownOptions(options, known, what) {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      const hint = name === "client_ip" ? ": use `clientIp`" : name === "request" ? ": use `access`" : "";
      throw credgateError("input.invalid", `unknown ${what} option \`${name}\`${hint}: it takes ${known.map((k) => `\`${k}\``).join(", ")}`);
    }
  }
}

/** Reads `options` (an object, or absent) as its own enumerable members, or throws `input.invalid`. */
function optionsOf(options, what) {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object") throw credgateError("input.invalid", `the ${what} options must be an object`);
  try {
    return { ...options };
  } catch (error) {
    throw credgateError("input.invalid", `reading the ${what} options threw ${describe(error)}`);
  }
}

/** A header of a Fetch `Request`-like value (anything with `headers.get`), or `null`. */
function headerOf(request, name) {
  let value;
  try {
    const headers = request?.headers;
    if (typeof headers?.get !== "function") {
      throw credgateError("input.invalid", "the request must be a Fetch `Request` (or have `headers.get`)");
    }
    value = headers.get(name);
  } catch (error) {
    if (error instanceof CredgateError) throw error;
    throw credgateError("input.invalid", `reading the request's \`${name}\` header threw ${describe(error)}`);
  }
  if (value !== null && value !== undefined && typeof value !== "string") {
    throw credgateError("input.invalid", `the request's \`${name}\` header must be a string or null`);
  }
  return value ?? null;
}

/** The body of a response, at most `limit` bytes (the rest is not read). */
async function readBody(response, limit) {
  const stream = response.body;
  if (stream === undefined && typeof response.arrayBuffer === "function") {
    return new Uint8Array(await response.arrayBuffer()).subarray(0, limit);
  }
  if (stream === null || stream === undefined) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Whatever is left (a huge body) is not read: the connection is let go.
    reader.cancel().catch(() => {});
  }
  const body = new Uint8Array(Math.min(size, limit));
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, body.length - at);
    body.set(part, at);
    at += part.length;
    if (at === body.length) break;
  }
  return body;
}

/** A thrown value as a line of text. */
const describe = (error) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * The JS classes over one build's generated exports: `{ RemoteKeySet, Verifier }`.
 */
export function bind(generated) {
  const { Verifier: GeneratedVerifier, RemoteKeySetState } = generated;
  // Lets `Verifier` reach a RemoteKeySet's internals, which nothing else can.
  let internals;

  class RemoteKeySet {
    #url;
    #state;
    #fetch;
    #clock;
    #timeout;
    #headers;
    #log;
    /** The fetch in flight, settling to whether the keys changed (never rejects), or null. */
    #inflight = null;

    static {
      internals = (remote) => ({ state: remote.#state, sync: () => remote.#sync() });
    }

    /**
     * A JWKS fetched from `url` (http or https). `options`: the state machine's policy
     * (`RemotePolicy`: seconds, docs/REMOTE.md), and `fetch` (default `globalThis.fetch`),
     * `now` (a function giving Unix seconds or a `Date`; default the clock), `timeout` (real seconds
     * before a fetch is aborted; default the policy's `fetch_timeout`), `headers` (sent with
     * every fetch), `log` (a function given each failed fetch's message; default
     * `console.warn`). Nothing is fetched until keys are first needed. A policy that cannot
     * work, or a bad option, throws `input.invalid`.
     */
    constructor(url, options = {}) {
      const { fetch, now, timeout, headers, log, ...policy } = options ?? {};
      let parsed = null;
      try {
        parsed = new URL(url);
      } catch {
        // refused below
      }
      if (parsed === null || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) {
        throw credgateError("input.invalid", `the key set URL must be http(s), not ${JSON.stringify(String(url))}`);
      }
      const fetcher = fetch ?? globalThis.fetch;
      if (typeof fetcher !== "function") throw credgateError("input.invalid", "`fetch` must be a function (no global fetch here: give one)");
      if (now !== undefined && typeof now !== "function") throw credgateError("input.invalid", "`now` must be a function giving Unix seconds or a Date");
      if (timeout !== undefined && !(typeof timeout === "number" && timeout > 0 && Number.isFinite(timeout))) {
        throw credgateError("input.invalid", `\`timeout\` must be positive seconds, not ${String(timeout)}`);
      }
      if (log !== undefined && typeof log !== "function") throw credgateError("input.invalid", "`log` must be a function");
      this.#state = new RemoteKeySetState(policy);
      this.#url = parsed.href;
      // `fetch` called as a plain function: a method of globalThis in some runtimes.
      this.#fetch = fetch === undefined ? (input, init) => globalThis.fetch(input, init) : fetch;
      this.#clock = now ?? (() => Date.now() / 1000);
      this.#timeout = timeout;
      this.#headers = { ...headers };
      this.#log = log ?? ((message) => console.warn(message));
    }

    /** The key set URL. */
    get url() {
      return this.#url;
    }

    /** The policy, every field filled in. */
    get policy() {
      return this.#state.policy;
    }

    /** Grows by one each time the held keys change (0: none fetched yet). */
    get generation() {
      return this.#state.generation;
    }

    /** The fetch in flight (settling when it is reported), or `undefined`: for `waitUntil`. */
    get pending() {
      return this.#inflight ?? undefined;
    }

    /** What is held and happening now (`RemoteStatus`). */
    status() {
      return this.#state.status(this.#now());
    }

    /**
     * Resolves once keys are usable, fetching them first when none are (and waiting for a
     * fetch another caller started); rejects with `jwks.invalid` when there are none (never
     * fetched, or too stale while fetches fail).
     */
    async ready() {
      for (let waited = false; ; waited = true) {
        const now = this.#sync();
        if (this.#state.usable(now)) return;
        const pending = this.#inflight;
        if (pending === null || waited) {
          this.#state.kids(now); // throws the core's jwks.invalid, saying why
          return;
        }
        await pending;
      }
    }

    /**
     * A token named a kid missing from the keys of generation `seen`: fetch (at most once
     * per cooldown; concurrent callers share the one fetch) and resolve to whether the keys
     * are now of a newer generation.
     */
    async refreshUnknownKey(seen) {
      if (this.#state.generation !== seen) return true;
      const order = this.#state.onUnknownKey(this.#now());
      const pending = order === undefined ? this.#inflight : this.#start(order);
      if (pending !== null) await pending;
      return this.#state.generation !== seen;
    }

    /** Starts a fetch when one is due (in the background); the state machine's `now`. */
    #sync() {
      const now = this.#now();
      const order = this.#state.poll(now);
      if (order !== undefined) this.#start(order);
      return now;
    }

    /**
     * The clock's time for the state machine: a `Date` as it is (the module reads it, and
     * refuses an invalid one), a number floored to whole seconds (the module refuses one
     * that looks like milliseconds).
     */
    #now() {
      const now = this.#clock();
      if (now instanceof Date) return now;
      if (typeof now !== "number" || !Number.isFinite(now)) {
        throw credgateError("input.invalid", `the clock gave ${String(now)}, not Unix seconds or a Date`);
      }
      return Math.floor(now);
    }

    /** Performs an order; the promise is shared by every caller until it is reported. */
    #start(order) {
      const fetched = this.#perform(order).finally(() => {
        if (this.#inflight === fetched) this.#inflight = null;
      });
      this.#inflight = fetched;
      return fetched;
    }

    /**
     * One fetch: `GET` with `If-None-Match`, aborted after the timeout, the body read up to
     * one byte past the limit (so the core can tell it is over), then reported: always
     * exactly once (the single flight ends only when the state machine hears back).
     */
    async #perform(order) {
      const seconds = this.#timeout ?? order.timeout;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`no answer within ${seconds} s`)), seconds * 1000);
      let answer;
      try {
        const headers = { accept: "application/jwk-set+json, application/json", ...this.#headers };
        if (order.if_none_match !== null) headers["if-none-match"] = order.if_none_match;
        const response = await this.#fetch(this.#url, { method: "GET", headers, signal: controller.signal, redirect: "follow" });
        const body = await readBody(response, order.max_bytes + 1);
        answer = { status: response.status, cacheControl: response.headers.get("cache-control"), etag: response.headers.get("etag"), body };
      } catch (error) {
        answer = { error: controller.signal.aborted ? controller.signal.reason : error };
      } finally {
        clearTimeout(timer);
      }
      return this.#report(answer);
    }

    /** Hands a fetch's outcome to the state machine: whether the keys changed. */
    #report(answer) {
      let now;
      try {
        now = this.#now();
      } catch {
        now = undefined; // a broken clock: the module's own
      }
      if (answer.error !== undefined) {
        const detail = describe(answer.error);
        this.#state.onFailure(now, detail);
        this.#warn(`fetching the key set ${this.#url} failed: ${detail}`);
        return false;
      }
      try {
        return this.#state.onResponse(now, answer.status, answer.cacheControl, answer.etag, answer.body) === "updated";
      } catch (error) {
        this.#warn(`the key set ${this.#url} was refused: ${describe(error)}`);
        return false;
      }
    }

    #warn(message) {
      try {
        this.#log(`credgate: ${message}`);
      } catch {
        // a log that throws loses the line, not the fetch
      }
    }
  }

  /**
   * The generated `Verifier`, which also takes a `RemoteKeySet` in place of a JWKS. With one,
   * `check`/`verify` use the keys it holds (throwing `jwks.invalid` when none are usable; a
   * due refresh starts in the background), and `checkAsync`/`verifyAsync` first wait for
   * usable keys and, after `token.unknown_key`, ask the remote for newer keys (one fetch for
   * all callers, at most once per cooldown) and check once more.
   */
  class Verifier extends GeneratedVerifier {
    #remote;

    constructor(keys, options) {
      const remote = keys instanceof RemoteKeySet ? keys : undefined;
      if (remote !== undefined && options !== null && typeof options === "object" && options.revocations != null) {
        throw credgateError(
          "input.invalid",
          "a revocation list cannot be checked before the remote key set is fetched: `await verifier.ready()`, then `verifier.loadRevocations(text)`",
        );
      }
      super(remote === undefined ? keys : EMPTY_JWKS, options);
      this.#remote = remote;
    }

    /** The remote key set the keys come from, or `undefined`. */
    get remote() {
      return this.#remote;
    }

    /** Takes the remote's usable keys when they changed; `jwks.invalid` when none are. */
    #sync() {
      const remote = this.#remote;
      if (remote === undefined) return;
      const { state, sync } = internals(remote);
      this.useKeysFrom(state, sync());
    }

    check(input) {
      this.#sync();
      return super.check(input);
    }

    verify(token, now) {
      this.#sync();
      return super.verify(token, now);
    }

    /** Resolves once the keys are usable (`RemoteKeySet.ready`), and holds them. */
    async ready() {
      if (this.#remote === undefined) return;
      await this.#remote.ready();
      this.#sync();
    }

    async checkAsync(input) {
      const remote = this.#remote;
      if (remote === undefined) return super.check(input);
      await this.ready();
      const seen = remote.generation;
      const out = super.check(input);
      if (out.reason !== "token.unknown_key" || !(await remote.refreshUnknownKey(seen))) return out;
      this.#sync();
      return super.check(input);
    }

    /**
     * `check` for a Fetch `Request` (or anything with `headers.get`): its `Authorization`
     * header is read, and `options` give the rest: `clientIp` (required: where the request
     * came from, e.g. `request.headers.get("cf-connecting-ip")` behind Cloudflare), `access`
     * (the `AccessRequest` to authorize) and `now` (a `Date` or Unix seconds; default the
     * clock). An unknown option is `input.invalid`.
     */
    checkRequest(request, options) {
      return this.check(checkInputOf(request, options));
    }

    /** `checkRequest`, waiting for usable keys as `checkAsync` does. */
    async checkRequestAsync(request, options) {
      return this.checkAsync(checkInputOf(request, options));
    }

    async verifyAsync(token, now) {
      const remote = this.#remote;
      if (remote === undefined) return super.verify(token, now);
      await this.ready();
      const seen = remote.generation;
      try {
        return super.verify(token, now);
      } catch (error) {
        if (error?.code !== "token.unknown_key" || !(await remote.refreshUnknownKey(seen))) throw error;
      }
      this.#sync();
      return super.verify(token, now);
    }
  }

  const out = { RemoteKeySet, Verifier };
  if (typeof generated.parseTokenRequest === "function") out.parseTokenRequest = tokenRequestParser(generated);
  return out;
}

const CHECK_REQUEST_OPTIONS = ["clientIp", "access", "now"];

/** A `Verifier.check` input from a Fetch `Request` and `checkRequest`'s options. */
function checkInputOf(request, options) {
  const given = optionsOf(options, "checkRequest");
  knownOptions(given, CHECK_REQUEST_OPTIONS, "checkRequest");
  const { clientIp, access, now } = given;
  if (typeof clientIp !== "string") {
    throw credgateError("input.invalid", "`clientIp` must be the client's address as a string (e.g. the `cf-connecting-ip` header behind Cloudflare)");
  }
  const authorization = headerOf(request, "authorization");
  return { authorization, client_ip: clientIp, request: access, now };
}

/** Whether a value is a Fetch `Request` (or like one: a method, headers with `get`, a body to read). */
function isRequestLike(value) {
  try {
    return typeof value === "object" && value !== null && typeof value.headers?.get === "function" && typeof value.method === "string" && typeof value.arrayBuffer === "function";
  } catch {
    return false;
  }
}

/** Headers given as a Fetch `Headers` (anything with `get` and `entries`) as `[name, value]` pairs. */
function headerPairs(headers) {
  try {
    if (typeof headers === "object" && headers !== null && typeof headers.get === "function" && typeof headers.entries === "function") {
      return Array.from(headers.entries(), ([name, value]) => [String(name), String(value)]);
    }
  } catch (error) {
    throw credgateError("input.invalid", `reading the headers threw ${describe(error)}`);
  }
  return headers;
}

/**
 * The full build's `parseTokenRequest`, which also takes a Fetch `Request` (then it returns a
 * promise: the body is read, no more of it than the token endpoint's limit and one byte, so
 * the core can tell a body that is too large) or `{ method, headers, body }` with a Fetch
 * `Headers`.
 */
function tokenRequestParser(generated) {
  const parse = generated.parseTokenRequest;
  const bodyLimit = () => generated.limits().token_request_body_bytes;
  const decoder = new TextDecoder();
  return function parseTokenRequest(input) {
    if (isRequestLike(input)) {
      return (async () => {
        let method;
        let headers;
        let body;
        try {
          method = input.method;
          headers = headerPairs(input.headers);
          body = decoder.decode(await readBody(input, bodyLimit() + 1));
        } catch (error) {
          if (error instanceof CredgateError) throw error;
          throw credgateError("input.invalid", `reading the request threw ${describe(error)}`);
        }
        return parse({ method, headers, body });
      })();
    }
    if (typeof input === "object" && input !== null && !Array.isArray(input)) {
      let headers;
      try {
        headers = input.headers;
      } catch (error) {
        throw credgateError("input.invalid", `reading the input threw ${describe(error)}`);
      }
      const pairs = headerPairs(headers);
      if (pairs !== headers) {
        let copy;
        try {
          copy = { ...input, headers: pairs };
        } catch (error) {
          throw credgateError("input.invalid", `reading the input threw ${describe(error)}`);
        }
        return parse(copy);
      }
    }
    return parse(input);
  };
}
