// The size of the package's WebAssembly module, raw and gzipped (level 9), in KB.
//   node wasm/bench/size.mjs [path/to/module.wasm ...]   (default: both modules of wasm/pkg)

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const TARGET_RAW_KB = 250;
export const TARGET_GZIP_KB = 100;

export function moduleSize(path) {
  const bytes = readFileSync(path);
  return { raw: bytes.length / 1024, gzip: gzipSync(bytes, { level: 9 }).length / 1024 };
}

export function sizeLine(path) {
  const { raw, gzip } = moduleSize(path);
  const name = path.split("/").at(-1);
  const verdict = (value, target) => `${value <= target ? "met" : "NOT met"}`;
  return (
    `${name} ${raw.toFixed(1)} KB raw, ${gzip.toFixed(1)} KB gzip ` +
    `(targets ≤ ${TARGET_RAW_KB} KB raw: ${verdict(raw, TARGET_RAW_KB)}, ≤ ${TARGET_GZIP_KB} KB gzip: ${verdict(gzip, TARGET_GZIP_KB)})`
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const paths = process.argv.slice(2);
  if (paths.length === 0) {
    for (const name of ["credgate_bg.wasm", "credgate_edge_bg.wasm"]) paths.push(fileURLToPath(new URL(`../pkg/${name}`, import.meta.url)));
  }
  for (const path of paths) console.log(`wasm-node size: ${sizeLine(path)}`);
}
