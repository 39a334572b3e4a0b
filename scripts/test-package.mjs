#!/usr/bin/env node
// Tests the npm package as a user gets it: `npm pack`, install the tarball into a fresh project,
// then use it from Node ESM, Node CommonJS, the qstate bin, TypeScript (a matrix of consumer
// tsconfigs), a Bun script and Deno, with the optional entries (avro, gateway) before and after their
// peers are installed; and holds the README to the package's real size.
// Ends with "N passed, M failed".
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(new URL("..", import.meta.url).pathname);
const README = readFileSync(join(root, "README.md"), "utf8");
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

/** The files `entry` loads statically: itself and the chunks it imports (or requires), transitively. */
function staticClosure(distDir, entry) {
  const seen = new Set();
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFileSync(join(distDir, f), "utf8");
    for (const m of text.matchAll(/(?:^|[;\n])\s*(?:import|export)\s*(?:[^'"]*?from\s*)?["']\.\/([^"']+)["']/g)) todo.push(m[1]);
    for (const m of text.matchAll(/\brequire\(\s*["']\.\/([^"']+)["']\s*\)/g)) todo.push(m[1]);
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

// A TypeScript consumer of the three entries. It compiles for any target (no bigint literal, no async), and passes an
// AbortSignal where the consumer's types declare AbortController (the DOM or @types/node).
const TS_CONSUMER = (signal) => `import { ByteWriter, JobID, longArraySerializer, longSerializer, QueryableStateClient, type QueryableStateError, type Source, valueState } from "queryable-state";
import { FrameDecoder, KvStateRequest, PROTOCOL_VERSION } from "queryable-state/protocol";
import { type AvroSerializer, avroSerializer } from "queryable-state/avro";

const client: QueryableStateClient = new QueryableStateClient("127.0.0.1", 9069, { requestTimeoutMs: 100 });
const clicks = valueState("clicks", longSerializer);
const jobId: JobID = JobID.fromHex("0102030405060708090a0b0c0d0e0f10");
const query: Promise<bigint> = client.getKvState(jobId, "clicks", BigInt(7), longSerializer, clicks${signal ? ", { signal: new AbortController().signal }" : ""}).then((s) => s.value());
query.then(undefined, (e: QueryableStateError) => e.code);
// @ts-expect-error the key is not of the key serializer's type (proves the declarations are read, not any)
void client.getKvState(jobId, "clicks", "seven", longSerializer, clicks);
const longs: BigInt64Array = new BigInt64Array(2);
longArraySerializer.serialize(longs, new ByteWriter());
const decoder = new FrameDecoder();
const source: Source<number> = ({ signal }) => (signal.aborted ? [] : [1, 2]);
const request = new KvStateRequest(jobId, "clicks", 7, new Uint8Array(0));
const users: AvroSerializer<{ id: bigint }> = avroSerializer({ type: "record", name: "User", fields: [{ name: "id", type: "long" }] });
const version: number = PROTOCOL_VERSION;
void client.close();
void [source, decoder, request, users, version];
`;

/**
 * The consumer compiled under each tsconfig the README promises works ("any target, lib, module, moduleResolution
 * node10, node16, nodenext or bundler"), with skipLibCheck false (TypeScript's default): our declarations are
 * checked too. `file` sets the consumer's module format where the resolution mode tells them apart
 * (.mts ESM, .cts CommonJS); `signal` says the consumer's types declare AbortController; `since`, the first
 * TypeScript release that has the setting.
 */
const TS_MATRIX = [
  { label: "TypeScript's defaults, only strict (target ES5, module commonjs, node10, lib ES5 + DOM)", options: {}, file: "ts", signal: true },
  { label: "module commonjs, no target", options: { module: "commonjs" }, file: "ts", signal: true },
  { label: "module commonjs, target ES2015, lib es2015 (no DOM)", options: { module: "commonjs", target: "es2015", lib: ["es2015"], types: [] }, file: "ts" },
  { label: "lib es2022, no DOM, nodenext ESM", options: { module: "nodenext", target: "es2022", lib: ["es2022"], types: [] }, file: "mts" },
  { label: "lib es2022, no DOM, nodenext CommonJS", options: { module: "nodenext", target: "es2022", lib: ["es2022"], types: [] }, file: "cts" },
  { label: "lib es2022, no DOM, @types/node, nodenext ESM", options: { module: "nodenext", target: "es2022", lib: ["es2022"], types: ["node"] }, file: "mts", signal: true },
  { label: "lib es2022, no DOM, @types/node, nodenext CommonJS", options: { module: "nodenext", target: "es2022", lib: ["es2022"], types: ["node"] }, file: "cts", signal: true },
  { label: "DOM and @types/node, nodenext ESM", options: { module: "nodenext", target: "es2022", types: ["node"] }, file: "mts", signal: true },
  { label: "moduleResolution node16, ESM", options: { module: "node16", target: "es2022", types: [] }, file: "mts", signal: true },
  { label: "moduleResolution node16, CommonJS", options: { module: "node16", target: "es2022", types: [] }, file: "cts", signal: true },
  { label: "moduleResolution nodenext, ESM", options: { module: "nodenext", target: "esnext", types: [] }, file: "mts", signal: true },
  { label: "moduleResolution nodenext, CommonJS", options: { module: "nodenext", target: "esnext", types: [] }, file: "cts", signal: true },
  { label: "moduleResolution bundler (module esnext)", options: { module: "esnext", moduleResolution: "bundler", target: "es2022", types: [] }, file: "ts", signal: true },
  { label: "module preserve (bundler resolution)", options: { module: "preserve", target: "esnext", types: [] }, file: "ts", signal: true, since: "5.4" },
  {
    label: "strictest flags (exactOptionalPropertyTypes, noUncheckedIndexedAccess, ...)",
    options: { module: "nodenext", target: "es2022", types: [], exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noImplicitOverride: true, noPropertyAccessFromIndexSignature: true },
    file: "mts",
    signal: true,
  },
];

/**
 * Compiles the consumer under each tsconfig of the matrix, with this checkout's TypeScript and with the oldest the
 * README promises (installed into the consumer's project); the release before that must fail, as documented.
 */
function typeScriptConsumers() {
  const [, major, minor] = /TypeScript\s+itself\s+must\s+be\s+(\d+)\.(\d+)\s+or\s+later/.exec(README) ?? [];
  if (major === undefined || minor === "0") throw new Error("README: no \"TypeScript itself must be N.M or later\" with M > 0");
  const oldest = `${major}.${minor}`, older = `${major}.${minor - 1}`;
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", `typescript-oldest@npm:typescript@${oldest}`, `typescript-older@npm:typescript@${older}`], { cwd: dir, stdio: "inherit" });
  const compilers = [
    [JSON.parse(readFileSync(join(root, "node_modules", "typescript", "package.json"), "utf8")).version, join(root, "node_modules", "typescript", "bin", "tsc")],
    [oldest, join(dir, "node_modules", "typescript-oldest", "bin", "tsc")],
  ];
  const atLeast = (version, since) => {
    const [a, b] = [version, since].map((v) => v.split(".").map(Number));
    return a[0] !== b[0] ? a[0] > b[0] : a[1] >= b[1];
  };
  TS_MATRIX.forEach(({ label, options, file, signal, since = "0.0" }, i) => {
    const source = `consumer-${i}.${file}`;
    writeFileSync(join(dir, source), TS_CONSUMER(signal));
    // @types/node comes from this checkout; a consumer without `types` sees none (the temporary project has none).
    const typeRoots = options.types?.includes("node") ? { typeRoots: [join(root, "node_modules", "@types")] } : {};
    const compilerOptions = { strict: true, noEmit: true, skipLibCheck: false, ...options, ...typeRoots };
    writeFileSync(join(dir, `tsconfig-${i}.json`), JSON.stringify({ compilerOptions, files: [source] }));
    for (const [version, tsc] of compilers.filter(([version]) => atLeast(version, since))) check(`TypeScript ${version} consumer: ${label}`, process.execPath, [tsc, "-p", `tsconfig-${i}.json`]);
  });
  check(`TypeScript ${older} cannot read the declarations (no esnext.disposable lib), as the README says`, process.execPath,
    [join(dir, "node_modules", "typescript-older", "bin", "tsc"), "-p", `tsconfig-${TS_MATRIX.length - 1}.json`], { status: 2, expect: /Cannot find lib definition for 'esnext\.disposable'/ });
  writeFileSync(join(dir, "consumer.deno.ts"), TS_CONSUMER(true));
}

/** A size as the README writes it ("300 kB", "1.16 MB"), in bytes (npm's units: 1 kB = 1000 B). */
function bytesOf(figure, unit) {
  return Math.round(Number(figure) * { B: 1, kB: 1e3, MB: 1e6 }[unit]);
}

try {
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: root, encoding: "utf8" }).trim().split("\n").pop();
  const tarball = join(dir, packed);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: dir, stdio: "inherit" });

  // The README's figures ("N kB packed (M MB unpacked)") stay within 5% of what npm reports for the package.
  const [{ size, unpackedSize }] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" }));
  const stated = /(\d+(?:\.\d+)?)\s+(B|kB|MB)\s+packed\s+\((\d+(?:\.\d+)?)\s+(B|kB|MB)\s+unpacked\b/.exec(README);
  for (const [what, real, figure, unit] of [["packed", size, stated?.[1], stated?.[2]], ["unpacked", unpackedSize, stated?.[3], stated?.[4]]]) {
    const claimed = figure === undefined ? undefined : bytesOf(figure, unit);
    const good = claimed !== undefined && Math.abs(real - claimed) <= 0.05 * claimed;
    if (good) passed++;
    else failed++;
    const says = claimed === undefined ? 'has no "N kB packed (M MB unpacked)"' : `says ${figure} ${unit} ${what}`;
    console.log(`${good ? "ok" : "FAIL"}: README ${says}; npm pack: ${real} bytes ${what}${good ? "" : " (more than 5% apart: update the README)"}`);
  }

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
  typeScriptConsumers();
  check("Deno type-checks a TypeScript consumer of the installed package", bin("deno"), ["check", "consumer.deno.ts"]);
  check("Bun script importing the installed package", bin("bun"), ["esm.mjs"], { expect: NAMES });
  check("Deno importing the installed package (node_modules)", bin("deno"), ["run", "-A", "esm.mjs"], { expect: NAMES });
  // The Avro entry. Its peer avsc is optional: the main entries never load it (not even through their chunks),
  // without it the CLI says what to install, and with it the entry works, sharing the main entry's classes.
  const dist = join(dir, "node_modules", "queryable-state", "dist");
  for (const entry of ["mod.js", "protocol.js", "cli.js", "mod.cjs", "protocol.cjs"]) {
    const files = staticClosure(dist, entry);
    const loads = [...files].filter((f) => /(?:from\s*|require\(\s*|import\s*)["'](?:avsc|hono|hono\/[^"']*|@hono\/node-server)["']/.test(readFileSync(join(dist, f), "utf8")));
    const good = loads.length === 0 && files.size > 0;
    if (good) passed++;
    else failed++;
    console.log(`${good ? "ok" : "FAIL"}: ${entry} and the ${files.size - 1} chunk(s) it imports load neither avsc nor hono${good ? "" : `: ${loads.join(", ")}`}`);
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
  // The gateway entry. Its peers hono and @hono/node-server are optional: without them `qstate gateway` says what to
  // install; with them the entry serves a LocalCluster's state over HTTP from ESM, CommonJS, Bun and Deno, and the
  // catalog's JSON Schema ships as queryable-state/catalog.schema.json.
  const catalog = { catalogVersion: 1, jobs: [{ name: "clicks", states: [{ name: "clicks", kind: "reducing", key: "string", value: "long" }] }] };
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(catalog));
  check("qstate gateway without hono: GATEWAY_NOT_INSTALLED, says npm install hono @hono/node-server", qstateBin,
    ["gateway", "--proxy", "127.0.0.1:9", "--catalog", "catalog.json", "--port", "0", "--json"], { status: 1, expect: /GATEWAY_NOT_INSTALLED.*npm install hono @hono\/node-server/ });
  const peers = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).peerDependencies;
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", `hono@${peers.hono}`, `@hono/node-server@${peers["@hono/node-server"]}`], { cwd: dir, stdio: "inherit" });
  const GATEWAY = (imp) => `${imp}
const clicks = reducingState("clicks", (a, b) => a + b, longSerializer, { queryable: "clicks" });
const cluster = await LocalCluster.start({ taskManagers: 1 });
const job = cluster.submit({ name: "clicks", sources: [["ada", "ada", "bob"]], keyBy: (u) => u, keyType: stringSerializer,
  steps: [{ name: "count", states: [clicks], process: (_u, ctx) => ctx.state(clicks).add(1n) }] });
await job.sourcesDone;
const { hostname, port } = cluster.proxyAddresses[0];
const catalog = ${JSON.stringify(catalog)};
catalog.jobs[0].jobId = job.jobId.toString();
const served = await serveGateway({ proxies: hostname + ":" + port, catalog, port: 0 });
const value = await (await fetch(served.url + "/v1/jobs/clicks/states/clicks?key=ada")).json();
const page = await fetch(served.url + "/");
const missing = await (await fetch(served.url + "/v1/jobs/clicks/states/clicks?key=eve")).json();
console.log("gateway:", value.value, page.status, (await page.text()).includes("queryable-state console"), missing.code, schema.properties.catalogVersion.const);
await served.close();
await cluster.close();
`;
  const GATEWAY_OUT = /gateway: 2 200 true UNKNOWN_KEY_OR_NAMESPACE 1/;
  const mainImports = "LocalCluster, longSerializer, reducingState, stringSerializer";
  writeFileSync(join(dir, "gateway.mjs"), GATEWAY(`import { serveGateway } from "queryable-state/gateway";
import { ${mainImports} } from "queryable-state";
import { createRequire } from "node:module";
const schema = createRequire(import.meta.url)("queryable-state/catalog.schema.json");`));
  writeFileSync(join(dir, "gateway.cjs"), `(async () => {\n${GATEWAY(`const { serveGateway } = require("queryable-state/gateway");
const { ${mainImports} } = require("queryable-state");
const schema = require("queryable-state/catalog.schema.json");`)}\n})();`);
  check("queryable-state/gateway from Node ESM (node:http through @hono/node-server)", process.execPath, ["gateway.mjs"], { expect: GATEWAY_OUT });
  check("queryable-state/gateway from Node CommonJS", process.execPath, ["gateway.cjs"], { expect: GATEWAY_OUT });
  check("queryable-state/gateway from Bun (Bun.serve)", bin("bun"), ["gateway.mjs"], { expect: GATEWAY_OUT });
  check("queryable-state/gateway from Deno (Deno.serve, node_modules)", bin("deno"), ["run", "-A", "gateway.mjs"], { expect: GATEWAY_OUT });
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
