// The edge build's entry (`credgate/edge`: Verifier and PermissionSet only): the generated
// API, with `Verifier` and `RemoteKeySet` from the package's JS layer (remote.js) and
// `CredgateError`, the class of everything thrown (errors.js).
// Initialise with `init()` or `initSync({ module })`.
import * as generated from "./credgate_edge.js";
import { bind } from "./remote.js";

export * from "./credgate_edge.js";
export { default } from "./credgate_edge.js";
export { CredgateError } from "./errors.js";
export const { Verifier, RemoteKeySet } = bind(generated);
