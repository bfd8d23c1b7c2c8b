// `import module from "credgate/credgate_edge_bg.wasm"` in Node.js: the edge build's compiled
// WebAssembly.Module, as edge runtimes and their bundlers provide for a `.wasm` import.
import { readFileSync } from "node:fs";

export default new WebAssembly.Module(readFileSync(new URL("./credgate_edge_bg.wasm", import.meta.url)));
