// The Node.js entry: loads and instantiates the WebAssembly module synchronously on import,
// so every export is ready to call. Browsers, bundlers and edge runtimes use `credgate/web`
// (or the default condition) and call `init` / `initSync` themselves.
import { readFileSync } from "node:fs";
import { initSync } from "./web.js";

initSync({ module: readFileSync(new URL("./credgate_bg.wasm", import.meta.url)) });

export * from "./web.js";
export { default } from "./web.js";
