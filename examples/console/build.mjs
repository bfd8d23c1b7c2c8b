// Builds the console into one folder the backend serves under a strict CSP (no inline
// script or style): esbuild bundles src/main.js (Preact, htm and the credgate package's
// --target web glue, wasm/pkg/credgate.js) into app.js; public/* and the package's
// credgate_bg.wasm are copied next to it (app.js loads the module from its own URL).
//
//   node examples/console/build.mjs [--out DIR]     (default: target/console; needs `make build-wasm`)

import { build } from "esbuild";
import { access, copyFile, cp, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const { values } = parseArgs({ options: { out: { type: "string", default: join(root, "target/console") } } });
const out = resolve(values.out);
const wasm = join(root, "wasm/pkg/credgate_bg.wasm");

try {
  await access(wasm);
} catch {
  console.error(`console build: ${wasm} is missing: run \`make build-wasm\` first`);
  process.exit(1);
}

await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(here, "src/main.js")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: "linked",
  outfile: join(out, "app.js"),
  logLevel: "warning",
  legalComments: "linked",
  // wasm-bindgen's glue lists one import module per import under the same key; the
  // duplicates are the same module objects, so the warning says nothing about this code.
  logOverride: { "duplicate-object-key": "silent" },
});
await cp(join(here, "public"), out, { recursive: true });
await copyFile(wasm, join(out, "credgate_bg.wasm"));
console.log(`console built in ${out}`);
