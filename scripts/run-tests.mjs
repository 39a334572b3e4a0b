#!/usr/bin/env node
// Runs the whole test suite on Node, then Deno, then Bun (each runner's own output stays
// visible), and ends with one plain line "N passed, M failed" summing all three.
// Exit code is non-zero when any runtime failed or ran no test.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const bin = (name) => join("node_modules", ".bin", name);

function testFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => join(dir, f))
    .sort();
}

function run(label, cmd, args) {
  return new Promise((resolve) => {
    console.log(`\n=== ${label}: ${cmd} ${args.join(" ")}`);
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
    let out = "";
    child.stdout.on("data", (d) => { out += d; process.stdout.write(d); });
    child.stderr.on("data", (d) => { out += d; process.stderr.write(d); });
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

// Pull the runner's own totals out of its summary.
const parsers = {
  node(out) {
    const pass = /^# pass (\d+)/m.exec(out), fail = /^# fail (\d+)/m.exec(out);
    return pass && fail ? { passed: +pass[1], failed: +fail[1] } : null;
  },
  deno(out) {
    // "ok | 12 passed (40 steps) | 0 failed" / "FAILED | 11 passed (3 steps) | 1 failed (2 steps)"
    const m = /\|\s*(\d+) passed(?: \((\d+) steps?\))?\s*\|\s*(\d+) failed(?: \((\d+) steps?\))?/.exec(out);
    if (!m) return null;
    // Our tests all live in describe() blocks, which Deno reports as steps: count the steps,
    // so the three runtimes report comparable numbers.
    return { passed: m[2] !== undefined ? +m[2] : +m[1], failed: m[4] !== undefined ? +m[4] : +m[3] };
  },
  bun(out) {
    const pass = /^\s*(\d+) pass/m.exec(out), fail = /^\s*(\d+) fail/m.exec(out);
    const errors = /^\s*(\d+) errors?$/m.exec(out); // unhandled errors between tests
    return pass ? { passed: +pass[1], failed: (fail ? +fail[1] : 0) + (errors ? +errors[1] : 0) } : null;
  },
};

const build = await run("build", process.execPath, [join("scripts", "build.mjs")]);
if (build.code !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const files = testFiles("tests");
const runs = [
  ["node", process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files]],
  ["deno", bin("deno"), ["test", "-A", "--no-check", "tests/"]],
  ["bun", bin("bun"), ["test", "--timeout", "120000", "./tests"]],
];

let passed = 0, failed = 0, bad = false;
const lines = [];
for (const [label, cmd, args] of runs) {
  const r = await run(label, cmd, args);
  const counts = parsers[label](r.out);
  if (!counts) {
    lines.push(`${label}: no summary found (exit ${r.code})`);
    failed++;
    bad = true;
    continue;
  }
  // A runner that exits non-zero has failed even if its summary counted no failed test.
  if (r.code !== 0 && counts.failed === 0) counts.failed = 1;
  passed += counts.passed;
  failed += counts.failed;
  if (r.code !== 0 || counts.failed > 0 || counts.passed === 0) bad = true;
  lines.push(`${label}: ${counts.passed} passed, ${counts.failed} failed (exit ${r.code})`);
}
console.log("\n=== summary");
for (const l of lines) console.log(l);
console.log(`${passed} passed, ${failed} failed`);
process.exit(bad ? 1 : 0);
