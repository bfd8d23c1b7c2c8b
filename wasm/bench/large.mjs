// `make bench-wasm`, second part: `authorize` over a very large permission list (issue 8: 1M
// entries took 11 s on a module's first call, 3M 112 s), in a module instance of its own, with
// the WebAssembly memory it holds after each call, beside the native core on the same input in
// the same run (`cargo bench -p credgate-core --bench bounded -- --authorize-large N RUNS`,
// run first; set NATIVE=0 to skip it).
//
//   node wasm/bench/large.mjs [--count N]

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pkg = process.env.CREDGATE_PKG ? new URL(`file://${process.env.CREDGATE_PKG}/`) : new URL("../pkg/", import.meta.url);
const args = process.argv.slice(2);
const count = Number(args[args.indexOf("--count") + 1]) || 1_000_000;
const RUNS = Math.max(2, Number(process.env.RUNS ?? 6));
const MiB = (bytes) => `${(bytes / 2 ** 20).toFixed(0)}`;

/** The native times per form (`text`, `objects`), in ms, call by call. */
function native() {
  if (process.env.NATIVE === "0") return {};
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const run = spawnSync(
    process.env.CARGO ?? "cargo",
    ["bench", "-q", "-p", "credgate-core", "--bench", "bounded", "--", "--authorize-large", String(count), String(RUNS)],
    { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (run.status !== 0) throw new Error(`the native bench failed (${run.status})`);
  return Object.fromEntries(
    run.stdout
      .split("\n")
      .filter((line) => line.startsWith("native "))
      .map((line) => {
        const [, form, ...times] = line.split(" ");
        return [form, times.map(Number)];
      }),
  );
}

const nativeTimes = native();
const shapes = [
  ["text", (i) => `balances:read:vault:vlt_${i}`],
  ["objects", (i) => ({ type: "balances", action: "read", scope: "vault", resource: `vlt_${i}` })],
];
const fmt = (times) => `first ${times[0].toFixed(0)} ms, next ${times.slice(1).map((t) => t.toFixed(0)).join(" / ")}`;
for (const [name, make] of shapes) {
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
  const label = `authorize, ${count.toLocaleString("en")} ${name} permissions`;
  const nat = nativeTimes[name];
  const best = (list) => Math.min(...list.slice(1));
  console.log(`wasm-node bench: ${label}`);
  console.log(`  js     ${fmt(times)}; memory MiB ${MiB(start)} -> ${sizes.map(MiB).join(" / ")}`);
  if (nat) {
    console.log(`  native ${fmt(nat)}; js/native ${(times[0] / nat[0]).toFixed(1)}x first, ${(best(times) / best(nat)).toFixed(1)}x best repeated`);
  }
}
