#!/usr/bin/env node
// The documentation check (`npm run doclint`, run by .ci/run): fails on any finding of
//  1. `deno doc --lint` over every entry point of deno.json: each exported symbol and public member
//     has a JSDoc, and no public signature refers to a type that is not exported;
//  2. `deno check --doc-only` over the entry points and src/: every @example code block type-checks,
//     with "queryable-state" and "queryable-state/<entry>" resolving to this checkout (an import map
//     made from deno.json's exports, so a new entry point is covered without editing this file).
// --no-npm for the lint: without it Deno resolves @types/node's reference paths as packages and prints a
// warning per file (noise, not findings); the avro entry's one npm import (avsc) is then left unresolved,
// which the lint does not need. The example check resolves avsc from node_modules (deno.json's mapping).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(new URL("..", import.meta.url).pathname);
const deno = join(root, "scripts", "deno.sh");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).name;
const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const exports = denoJson.exports;
const entries = Object.values(exports);

// deno.json's own imports (the optional avsc of the avro entry) stay mapped: --import-map replaces them.
const imports = { ...denoJson.imports };
for (const [subpath, file] of Object.entries(exports)) {
  imports[subpath === "." ? pkg : `${pkg}/${subpath.replace(/^\.\//, "")}`] = pathToFileURL(join(root, file)).href;
}
const dir = mkdtempSync(join(tmpdir(), "qstate-doclint-"));
const importMap = join(dir, "import-map.json");
writeFileSync(importMap, JSON.stringify({ imports }, null, 2));

function run(label, args) {
  console.log(`\n=== ${label}: deno ${args.join(" ")}`);
  const r = spawnSync(deno, args, { cwd: root, stdio: "inherit", env: { ...process.env, NO_COLOR: "1" } });
  return r.status === 0;
}

let ok = true;
try {
  ok = run("doc lint", ["doc", "--lint", "--no-npm", ...entries]) && ok;
  ok = run("@example blocks", ["check", "--doc-only", `--import-map=${importMap}`, ...entries, "src/"]) && ok;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(ok ? "\ndoclint: clean" : "\ndoclint: FAILED (see the findings above)");
process.exit(ok ? 0 : 1);
