// The package's JavaScript layer over the generated classes, shared by the full and the edge
// build (`bind` takes either build's exports): `RemoteKeySet`, a JWKS fetched from a URL with
// `fetch` (Node.js 18+, browsers, Cloudflare Workers / workerd), and `Verifier`, the generated
// class extended to take one in place of a JWKS (docs/REMOTE.md, "JavaScript").
//
// This layer only fetches and waits. When a fetch is due, what an answer means and which keys
// serve are decided by the core's state machine (`RemoteKeySetState`, wasm/src/remote.rs);
// every check is the core's too. The entries (`web.js`, `edge.js`, and the Node.js ones over
// them) export these two classes in place of the generated `Verifier`.

const EMPTY_JWKS = Object.freeze({ keys: Object.freeze([]) });

/** An error as the module throws them: `name` `CredgateError`, a stable `code`. */
function credgateError(code, message) {
  const error = new Error(message);
  error.name = "CredgateError";
  error.code = code;
  return error;
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
     * `now` (Unix seconds for the state machine; default the clock), `timeout` (real seconds
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
      if (now !== undefined && typeof now !== "function") throw credgateError("input.invalid", "`now` must be a function giving Unix seconds");
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

    #now() {
      const now = this.#clock();
      if (typeof now !== "number" || !Number.isFinite(now)) {
        throw credgateError("input.invalid", `the clock gave ${String(now)}, not Unix seconds`);
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

  return { RemoteKeySet, Verifier };
}
