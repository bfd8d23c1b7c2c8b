// `import module from "credgate/credgate_bg.wasm"` (or `credgate/credgate_edge_bg.wasm`): the
// compiled module, ready for `initSync({ module })` (edge runtimes refuse to compile
// WebAssembly from bytes).
declare const module: WebAssembly.Module;
export default module;
