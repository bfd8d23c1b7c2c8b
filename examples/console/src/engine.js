// The console's one door to credgate: the `credgate` package's `--target web` build (the Rust
// core compiled to WebAssembly), loaded once. Every validation, preview, lint, explanation,
// diff and word the editor offers comes from here; the page never decides what is valid and
// never keeps its own copy of the vocabulary (types, actions, scopes, set types, limits).

import init, * as credgate from "../../../wasm/pkg/credgate.js";

let words = null;

/**
 * Loads the module (credgate_bg.wasm sits next to the bundled app.js) and reads the
 * vocabulary. Throws what the module threw, or an Error naming what this build lacks.
 */
export async function load() {
  await init({ module_or_path: new URL("credgate_bg.wasm", import.meta.url) });
  if (typeof credgate.vocabulary !== "function") {
    throw new Error("this credgate package has no `vocabulary()`: rebuild it (make build-wasm)");
  }
  words = credgate.vocabulary();
}

/** The vocabulary of specs, as credgate's core lists it (`vocabulary()`). */
export function vocabulary() {
  if (words === null) throw new Error("credgate is not loaded yet");
  return words;
}

/**
 * Runs a package call; a thrown CredgateError becomes `{ thrown: {code, message} }` so a
 * screen can show it like any other problem instead of breaking.
 */
export function attempt(call) {
  try {
    return { value: call() };
  } catch (error) {
    return { thrown: { code: error.code ?? "error", message: String(error.message ?? error), index: error.index } };
  }
}

export const validateSpec = (spec) => attempt(() => credgate.validateSpec(spec));
export const lint = (input) => attempt(() => credgate.lint(input));
export const preview = (input) => attempt(() => credgate.preview(input));
export const explain = (input) => attempt(() => credgate.explain(input));
export const diff = (input) => attempt(() => credgate.diff(input));
export const parsePermission = (permission) => attempt(() => credgate.parsePermission(permission));
