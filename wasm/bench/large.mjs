// `make bench-wasm`, second part: `authorize` over a very large permission list (issue 8: 1M
// entries took 11 s on a module's first call, 3M 112 s), in a module instance of its own, with
// the WebAssembly memory it holds afterwards. The native figure is measured separately (the
// core's `facade::call_json("authorize", …)` on the same input from a throwaway release build,
// see README.md): pass it as NATIVE_MS="text,objects" to print it alongside.
//
//   node wasm/bench/large.mjs [--count N]

import { readFileSync } from "node:fs";

const pkg = process.env.CREDGATE_PKG ? new URL(`file://${process.env.CREDGATE_PKG}/`) : new URL("../pkg/", import.meta.url);
const args = process.argv.slice(2);
const count = Number(args[args.indexOf("--count") + 1]) || 1_000_000;
const [nativeText, nativeObjects] = (process.env.NATIVE_MS ?? "").split(",");
const RUNS = Number(process.env.RUNS ?? 3);
const MiB = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const shapes = [
  ["text", (i) => `balances:read:vault:vlt_${i}`, nativeText],
  ["JSON-form", (i) => ({ type: "balances", action: "read", scope: "vault", resource: `vlt_${i}` }), nativeObjects],
];
for (const [name, make, native] of shapes) {
  // A fresh instance per shape: the memory figures are this list's alone.
  const credgate = await import(`${new URL("credgate.js", pkg).href}?${name}`);
  const { memory } = credgate.initSync({ module: readFileSync(new URL("credgate_bg.wasm", pkg)) });
  const permissions = Array.from({ length: count }, (_, i) => make(i));
  const request = { type: "balances", action: "read", vault: `vlt_${count - 1}` };
  const start = memory.buffer.byteLength;
  const times = [];
  const sizes = [];
  for (let run = 0; run < RUNS; run += 1) {
    const t = process.hrtime.bigint();
    const out = credgate.authorize({ permissions, request });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    sizes.push(memory.buffer.byteLength);
    if (!out.allowed) throw new Error(`authorize refused: ${JSON.stringify(out)}`);
  }
  const label = `authorize, ${count.toLocaleString("en")} ${name} permissions`.padEnd(46);
  console.log(
    `wasm-node bench: ${label} first call ${times[0].toFixed(0).padStart(6)} ms, next ${times[1].toFixed(0)} / ${times[2].toFixed(0)} ms;` +
      ` memory ${MiB(start)} -> ${sizes.map(MiB).join(" / ")}` +
      (native ? `; native ${native} ms` : ""),
  );
}
