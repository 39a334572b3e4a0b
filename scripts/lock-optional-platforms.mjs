#!/usr/bin/env node
// Our npm registry serves only the platform packages of this machine's kind, so `npm install`
// leaves other platforms' optional binaries (deno, bun, esbuild, rollup) out of
// package-lock.json, and `npm ci` then refuses the lock as out of sync. This records each
// missing optional platform package with the os/cpu its name declares, so `npm ci` skips it
// on other platforms exactly as it would with a complete lock. Run after `npm install`.
import { readFileSync, writeFileSync } from "node:fs";

const OS = ["darwin", "linux", "win32", "android", "freebsd", "openbsd", "netbsd", "sunos", "aix", "openharmony", "cygwin"];
const CPU = ["arm64", "x64", "arm", "ia32", "loong64", "ppc64", "riscv64", "s390x", "mips64el", "wasm32"];
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
let added = 0;
for (const [path, pkg] of Object.entries({ ...lock.packages })) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (lock.packages[key] || lock.packages[`${path}/node_modules/${dep}`]) continue;
    const name = dep.split("/").pop();
    const os = OS.filter((o) => name.includes(o));
    const cpu = CPU.filter((c) => new RegExp(`(^|-)${c}($|-)`).test(name));
    if (os.length === 0) continue;
    lock.packages[key] = { version, dev: pkg.dev, optional: true, os, ...(cpu.length ? { cpu } : {}) };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n");
console.log(`recorded ${added} optional platform package(s)`);
