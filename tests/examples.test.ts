// The README's quickstart runs unchanged on the runtime running this test.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { detectRuntime } from "../mod.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

/** The lines an example promises in its `console.log(...); // expected` comments. */
function expectedOutput(file: string): string {
  const text = readFileSync(`${root}examples/${file}`, "utf8");
  return [...text.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => `${m[1]}\n`).join("");
}

describe("examples", () => {
  test("examples/quickstart.ts", () => {
    const runtime = detectRuntime();
    const [cmd, args] = runtime === "deno"
      ? [`${root}node_modules/.bin/deno`, ["run", "-A", "--no-check", "examples/quickstart.ts"]]
      : runtime === "bun"
      ? [`${root}node_modules/.bin/bun`, ["examples/quickstart.ts"]]
      : ["node", ["--import", "tsx", "examples/quickstart.ts"]];
    const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "ada clicked 5 times\neve: UNKNOWN_KEY_OR_NAMESPACE\n");
  });

  // One example per runtime; each prints the lines its `// expected` comments show.
  const perRuntime: Record<string, string[]> = { node: ["node-esm.mjs", "node-cjs.cjs"], deno: ["deno.ts"], bun: ["bun.ts"] };
  for (const file of perRuntime[detectRuntime()]) {
    test(`examples/${file}`, () => {
      const runtime = detectRuntime();
      const [cmd, args] = runtime === "deno"
        ? [`${root}node_modules/.bin/deno`, ["run", "-A", "--no-check", `examples/${file}`]]
        : runtime === "bun"
        ? [`${root}node_modules/.bin/bun`, [`examples/${file}`]]
        : ["node", [`examples/${file}`]];
      const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, expectedOutput(file));
    });
  }
});
