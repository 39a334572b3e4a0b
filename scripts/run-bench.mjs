#!/usr/bin/env node
// `npm run bench`: bundles the benchmark to plain JavaScript first (as the npm package runs
// on Node), so the figures do not include tsx's on-the-fly TypeScript loader; then runs it
// with --expose-gc. Deno and Bun run scripts/bench.ts directly.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

// `npm run bench -- --flink`: the side-by-side benchmark against real Flink (scripts/bench-flink.ts).
if (process.argv.includes("--flink")) {
  const args = process.argv.slice(2).filter((a) => a !== "--flink");
  process.exit(spawnSync(process.execPath, ["--import", "tsx", "scripts/bench-flink.ts", ...args], { stdio: "inherit" }).status ?? 1);
}

const out = join("node_modules", ".cache", "queryable-state-bench");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { bench: "scripts/bench.ts", "bench-server": "scripts/bench-server.ts" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outdir: out,
  outExtension: { ".js": ".mjs" },
  logLevel: "warning",
});
const r = spawnSync(process.execPath, ["--expose-gc", join(out, "bench.mjs"), ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
