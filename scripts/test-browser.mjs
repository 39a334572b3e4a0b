#!/usr/bin/env node
// `npm run test:browser`: the web console in Debian's Chromium (tests/browser/*.browser.ts, node:test through tsx),
// ending with one plain line "N passed, M failed" for .ci/run to add up.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const files = readdirSync("tests/browser").filter((f) => f.endsWith(".browser.ts")).map((f) => join("tests/browser", f));
const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", "--test-reporter-destination=stdout",
  "--test-reporter=tap", "--test-reporter-destination=/dev/null", ...files], { stdio: ["ignore", "pipe", "inherit"] });
let out = "";
child.stdout.on("data", (d) => {
  out += d;
  process.stdout.write(d);
});
child.on("close", (code) => {
  const pass = /ℹ pass (\d+)/.exec(out), fail = /ℹ fail (\d+)/.exec(out);
  const passed = pass ? Number(pass[1]) : 0, failed = fail ? Number(fail[1]) : 1;
  console.log(`${passed} passed, ${failed + (code !== 0 && failed === 0 ? 1 : 0)} failed`);
  process.exitCode = code === 0 && passed > 0 ? 0 : 1;
});
