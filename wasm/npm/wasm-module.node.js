// `import module from "credgate/credgate_bg.wasm"` in Node.js: the compiled WebAssembly.Module,
// as edge runtimes (Cloudflare Workers, workerd) and their bundlers provide for a `.wasm` import.
import { readFileSync } from "node:fs";

export default new WebAssembly.Module(readFileSync(new URL("./credgate_bg.wasm", import.meta.url)));
