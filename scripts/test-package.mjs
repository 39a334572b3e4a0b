#!/usr/bin/env node
// Tests the npm package as a user gets it: `npm pack`, install the tarball into a fresh project,
// then use it from Node ESM, Node CommonJS, the qstate bin, TypeScript (with and without
// @types/node), a Bun script and Deno. Ends with "N passed, M failed".
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const bin = (name) => join(root, "node_modules", ".bin", name);
const dir = mkdtempSync(join(tmpdir(), "qstate-package-"));
let passed = 0, failed = 0;

function check(label, cmd, args, { expect, env, cwd = dir, status = 0 } = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1", ...env } });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const good = r.status === status && (expect === undefined || expect.test(out));
  if (good) passed++;
  else failed++;
  console.log(`${good ? "ok" : "FAIL"}: ${label}${good ? "" : `\n  exit ${r.status ?? r.signal}\n  ${out.trim().split("\n").slice(-15).join("\n  ")}`}`);
}

/** The files `entry` loads statically: itself and the chunks it imports, transitively. */
function staticClosure(distDir, entry) {
  const seen = new Set();
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFileSync(join(distDir, f), "utf8");
    for (const m of text.matchAll(/(?:^|[;\n])\s*(?:import|export)\s*(?:[^'"]*?from\s*)?["']\.\/([^"']+)["']/g)) todo.push(m[1]);
  }
  return seen;
}

// What every consumer does: the README's quickstart, plus class names and cross-build errors.
const QUICKSTART = (imp) => `${imp}
const clicks = reducingState("clicks", (a, b) => a + b, longSerializer, { queryable: "clicks" });
const cluster = await LocalCluster.start({ taskManagers: 2 });
const job = cluster.submit({
  sources: [[{ user: "ada", n: 3n }, { user: "bob", n: 1n }, { user: "ada", n: 2n }]],
  keyBy: (e) => e.user,
  keyType: stringSerializer,
  steps: [{ name: "count", states: [clicks], process: (e, ctx) => ctx.state(clicks).add(e.n) }],
});
await job.sourcesDone;
const { hostname, port } = cluster.proxyAddresses[0];
const client = new QueryableStateClient(hostname, port);
const ada = await client.getKvState(job.jobId, "clicks", "ada", stringSerializer, clicks);
const missing = await client.getKvState(job.jobId, "clicks", "eve", stringSerializer, clicks).catch((e) => e);
console.log("ada clicked " + ada.get() + " times;", missing.name, missing.code, JobID.random().constructor.name, LocalCluster.name);
await client.close();
await cluster.close();
`;
const NAMES = /ada clicked 5 times; UnknownKeyOrNamespaceError UNKNOWN_KEY_OR_NAMESPACE JobID LocalCluster/;
const IMPORTS = "LocalCluster, longSerializer, QueryableStateClient, reducingState, stringSerializer, JobID";

try {
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: root, encoding: "utf8" }).trim().split("\n").pop();
  const tarball = join(dir, packed);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: dir, stdio: "inherit" });

  writeFileSync(join(dir, "esm.mjs"), QUICKSTART(`import { ${IMPORTS} } from "queryable-state";`));
  writeFileSync(join(dir, "cjs.cjs"), `(async () => {\n${QUICKSTART(`const { ${IMPORTS} } = require("queryable-state");`)}\n})();`);
  writeFileSync(join(dir, "dual.mjs"), `import * as esm from "queryable-state";
import { createRequire } from "node:module";
const cjs = createRequire(import.meta.url)("queryable-state");
const e = new cjs.UnknownJobError({ className: "org.apache.flink.runtime.messages.FlinkJobNotFoundException", message: "m" });
const protocol = await import("queryable-state/protocol");
if (typeof protocol.FrameDecoder !== "function") throw new Error("queryable-state/protocol has no FrameDecoder");
console.log("cross-build instanceof:", e instanceof esm.UnknownJobError, e instanceof esm.QueryableStateError, !(e instanceof esm.UnknownStateNameError));
`);
  const TS = `import { QueryableStateClient, longSerializer, valueState, type QueryableStateError } from "queryable-state";
const client: QueryableStateClient = new QueryableStateClient("127.0.0.1", 9069, { requestTimeoutMs: 100 });
const ac = new AbortController();
const p: Promise<unknown> = client.getKvState("0102030405060708090a0b0c0d0e0f10", "s", 1n, longSerializer, valueState("s", longSerializer), { signal: ac.signal });
p.catch((e: QueryableStateError) => e.code);
void client.close();
`;
  writeFileSync(join(dir, "consumer.ts"), TS);
  const tsconfig = (types) => JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", skipLibCheck: false, types, typeRoots: [join(root, "node_modules", "@types")] }, files: ["consumer.ts"] });
  writeFileSync(join(dir, "tsconfig.plain.json"), tsconfig([]));
  writeFileSync(join(dir, "tsconfig.node.json"), tsconfig(["node"]));

  check("Node ESM import (quickstart, class names)", process.execPath, ["esm.mjs"], { expect: NAMES });
  check("Node CommonJS require (quickstart, class names)", process.execPath, ["cjs.cjs"], { expect: NAMES });
  check("ESM and CJS builds in one program: instanceof works across them", process.execPath, ["dual.mjs"], { expect: /cross-build instanceof: true true true/ });
  // The examples for Node and Bun, run against the installed tarball.
  for (const f of ["node-esm.mjs", "node-cjs.cjs", "bun.ts"]) copyFileSync(join(root, "examples", f), join(dir, f));
  const promised = (f) => new RegExp([...readFileSync(join(root, "examples", f), "utf8").matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("\\n"));
  check("examples/node-esm.mjs", process.execPath, ["node-esm.mjs"], { expect: promised("node-esm.mjs") });
  check("examples/node-cjs.cjs", process.execPath, ["node-cjs.cjs"], { expect: promised("node-cjs.cjs") });
  check("examples/bun.ts", bin("bun"), ["bun.ts"], { expect: promised("bun.ts") });
  check("qstate bin: --help", join(dir, "node_modules", ".bin", "qstate"), ["--help"], { expect: /qstate/ });
  check("qstate bin: explain", join(dir, "node_modules", ".bin", "qstate"), ["explain", "--key", "hello", "--key-type", "string"], { expect: /requestFrame\s+[0-9a-f]+/ });
  check("TypeScript consumer without @types/node", process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.plain.json"]);
  check("TypeScript consumer with @types/node", process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.node.json"]);
  check("Bun script importing the installed package", bin("bun"), ["esm.mjs"], { expect: NAMES });
  check("Deno importing the installed package (node_modules)", bin("deno"), ["run", "-A", "esm.mjs"], { expect: NAMES });
  // The Avro entry. Its peer avsc is optional: the main entries never load it (not even through their chunks),
  // without it the CLI says what to install, and with it the entry works, sharing the main entry's classes.
  const dist = join(dir, "node_modules", "queryable-state", "dist");
  for (const entry of ["mod.js", "protocol.js", "cli.js", "mod.cjs", "protocol.cjs"]) {
    const files = staticClosure(dist, entry);
    const loads = [...files].filter((f) => /(?:from\s*|require\(\s*|import\s*)["']avsc["']/.test(readFileSync(join(dist, f), "utf8")));
    const good = loads.length === 0 && files.size > 0;
    if (good) passed++;
    else failed++;
    console.log(`${good ? "ok" : "FAIL"}: ${entry} and the ${files.size - 1} chunk(s) it imports do not load avsc${good ? "" : `: ${loads.join(", ")}`}`);
  }
  writeFileSync(join(dir, "user.avsc"), JSON.stringify({ type: "record", name: "User", fields: [{ name: "id", type: "long" }, { name: "name", type: "string" }] }));
  const qstateBin = join(dir, "node_modules", ".bin", "qstate");
  const getAvro = ["get", "--proxy", "127.0.0.1:9", "--job", "0".repeat(32), "--state", "users", "--key", "ada", "--key-type", "string", "--value-type", "avro:user.avsc", "--timeout", "2000", "--json"];
  check("qstate get --value-type avro:FILE without avsc: AVRO_NOT_INSTALLED, says npm install avsc", qstateBin, getAvro, { status: 1, expect: /AVRO_NOT_INSTALLED.*npm install avsc/ });
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "avsc@^5.7.9"], { cwd: dir, stdio: "inherit" });
  const AVRO = (imp) => `${imp}
const s = avroSerializer({ type: "record", name: "R", fields: [{ name: "id", type: "long" }, { name: "price", type: { type: "bytes", logicalType: "decimal", precision: 9, scale: 2 } }] });
const w = new ByteWriter();
s.serialize({ id: 9007199254740993n, price: Decimal.parse("1.50") }, w);
const v = s.deserialize(new ByteReader(w.toBytes()));
console.log("avro:", JSON.stringify(toJsonValue(v)), v.price instanceof Decimal, toHex(w.toBytes()));
`;
  const AVRO_OUT = /avro: \{"id":"9007199254740993","price":"1.50"\} true 0020000000000001000000020096/;
  writeFileSync(join(dir, "avro.mjs"), AVRO(`import { avroSerializer } from "queryable-state/avro";\nimport { ByteReader, ByteWriter, Decimal, toHex, toJsonValue } from "queryable-state";`));
  writeFileSync(join(dir, "avro.cjs"), AVRO(`const { avroSerializer } = require("queryable-state/avro");\nconst { ByteReader, ByteWriter, Decimal, toHex, toJsonValue } = require("queryable-state");`));
  check("queryable-state/avro from Node ESM (classes shared with the main entry)", process.execPath, ["avro.mjs"], { expect: AVRO_OUT });
  check("queryable-state/avro from Node CommonJS", process.execPath, ["avro.cjs"], { expect: AVRO_OUT });
  check("queryable-state/avro from Bun", bin("bun"), ["avro.mjs"], { expect: AVRO_OUT });
  check("queryable-state/avro from Deno (node_modules)", bin("deno"), ["run", "-A", "avro.mjs"], { expect: AVRO_OUT });
  // The query runs in a child while this process serves it: execFile, not a blocking spawnSync.
  writeFileSync(join(dir, "avro-cli.mjs"), `import { execFile } from "node:child_process";
import { avroSerializer } from "queryable-state/avro";
import { LocalCluster, stringSerializer, valueState } from "queryable-state";
import { readFileSync } from "node:fs";
const users = valueState("users", avroSerializer(readFileSync("user.avsc", "utf8")), { queryable: "users" });
const cluster = await LocalCluster.start({ taskManagers: 1 });
const job = cluster.submit({ sources: [[{ id: 7n, name: "ada" }]], keyBy: (e) => e.name, keyType: stringSerializer,
  steps: [{ name: "keep", states: [users], process: (e, ctx) => ctx.state(users).update(e) }] });
await job.sourcesDone;
const { hostname, port } = cluster.proxyAddresses[0];
const args = ${JSON.stringify(getAvro)}.map((a) => a === "127.0.0.1:9" ? hostname + ":" + port : a === "${"0".repeat(32)}" ? job.jobId.toString() : a);
const r = await new Promise((done) => execFile(${JSON.stringify(qstateBin)}, args, (e, stdout, stderr) => done({ status: e ? e.code : 0, stdout, stderr })));
console.log("qstate:", r.status, r.stdout.trim(), r.stderr.trim());
await cluster.close();
`);
  check("qstate bin: get --value-type avro:FILE with avsc installed", process.execPath, ["avro-cli.mjs"], { expect: /qstate: 0 \{"value":\{"id":"7","name":"ada"\}\}/ });
  // The repository's deno.json tasks, with the npm-installed deno.
  check("deno task check (type-checks mod.ts)", bin("deno"), ["task", "check"], { cwd: root });
  check("deno publish --dry-run (JSR-ready: no slow types)", bin("deno"), ["publish", "--dry-run", "--allow-dirty"], { cwd: root, expect: /Dry run complete/ });
  check("deno task qstate explain", bin("deno"), ["task", "qstate", "explain", "--key", "a", "--key-type", "string"], { cwd: root, expect: /requestFrame/ });
} catch (e) {
  failed++;
  console.log(`FAIL: packing or installing: ${e.message}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
