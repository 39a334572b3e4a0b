// The README's quickstart runs unchanged on the runtime running this test.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { detectRuntime } from "../mod.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

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
});
