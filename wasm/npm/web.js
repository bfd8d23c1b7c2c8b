// The full build's entry for browsers, bundlers and edge runtimes (`credgate`, `credgate/web`):
// the generated API, with `Verifier` and `RemoteKeySet` from the package's JS layer
// (remote.js), `parseTokenRequest` that also reads a Fetch `Request`, and `CredgateError`, the
// class of everything thrown (errors.js). Initialise with `init()` or `initSync({ module })`.
import * as generated from "./credgate.js";
import { bind } from "./remote.js";

export * from "./credgate.js";
export { default } from "./credgate.js";
export { CredgateError } from "./errors.js";
export const { Verifier, RemoteKeySet, parseTokenRequest } = bind(generated);
