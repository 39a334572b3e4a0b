// Proves the benchmark runs on this runtime (a tiny --quick run); timing is never asserted.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { detectRuntime } from "../mod.ts";

const root = fileURLToPath(new URL("../", import.meta.url));

describe("benchmark", () => {
  test("bench --quick --json prints one JSON line per point with the documented fields", () => {
    const runtime = detectRuntime();
    const args = ["scripts/bench.ts", "--quick", "--json", "--requests", "2000", "--concurrency", "1,16"];
    const [cmd, pre] = runtime === "deno"
      ? [`${root}node_modules/.bin/deno`, ["run", "-A", "--no-check"]]
      : runtime === "bun"
      ? [`${root}node_modules/.bin/bun`, []]
      : ["node", ["--import", "tsx"]];
    const r = spawnSync(cmd, [...pre, ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const points = rows.filter((x) => x.mode !== "heap" && x.mode !== "scale");
    assert.deepEqual(new Set(points.map((x) => x.mode)), new Set(["raw", "direct", "proxy", "proxy-remote"]));
    for (const p of points) {
      assert.equal(p.runtime, runtime);
      for (const field of ["valueBytes", "concurrency", "requests", "rps", "p50Ms", "p99Ms", "p999Ms"]) {
        assert.equal(typeof p[field], "number", `${field} in ${JSON.stringify(p)}`);
      }
      assert.ok("rssMB" in p);
      assert.equal(p.requests, 2000);
      assert.ok(p.rps > 0 && p.p50Ms > 0 && p.p50Ms <= p.p99Ms && p.p99Ms <= p.p999Ms);
    }
    assert.ok(rows.some((x) => x.mode === "scale" && x.keys > 0));
    const heap = rows.find((x) => x.mode === "heap");
    assert.ok(heap && heap.bytesPerKey > 0);
  });
});
