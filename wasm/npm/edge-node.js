// The Node.js entry of the edge build (`credgate/edge`: Verifier and PermissionSet only),
// instantiated on import like the full entry.
import { readFileSync } from "node:fs";
import { initSync } from "./edge.js";

initSync({ module: readFileSync(new URL("./credgate_edge_bg.wasm", import.meta.url)) });

export * from "./edge.js";
export { default } from "./edge.js";
