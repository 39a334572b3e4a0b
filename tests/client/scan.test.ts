// Map scans (issue 23): scanMapState / scanMap through our proxy, a page at a time in user-key order (strings and
// numbers by value, other keys by their bytes), with a prefix or a range, an opaque cursor that survives a relocation
// and fails clearly for another scan; typed errors for a missing key, bad bounds and peers that cannot scan.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { QueryableStateClient } from "../../src/client/queryable-state-client.ts";
import { LocalCluster } from "../../src/cluster/local-cluster.ts";
import { InvalidCursorError, UnsupportedByPeerError } from "../../src/protocol/extensions.ts";
import { UnknownKeyOrNamespaceError } from "../../src/protocol/remote-errors.ts";
import { mapState } from "../../src/state/descriptors.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { tupleSerializer } from "../../src/types/tuple-serializer.ts";
import { startDeployment } from "../helpers/batch-setup.ts";

const pages = mapState("pages", stringSerializer, longSerializer, { queryable: "pages" });
const byNumber = mapState("by-number", longSerializer, stringSerializer, { queryable: "by-number" });
const byPair = mapState("by-pair", tupleSerializer(stringSerializer, longSerializer), longSerializer, { queryable: "by-pair" });
const PATHS = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? `/docs/${i}` : i % 3 === 1 ? `/blog/${i}` : `/shop/${i}`));
const NUMBERS = [-5n, 3n, -100n, 42n, 0n, 7n, 2n ** 40n, -(2n ** 40n)];

async function withCluster(fn: (c: { client: QueryableStateClient; jobId: string; relocate(s: number, tm: number): void }) => Promise<void>) {
  await using cluster = await LocalCluster.start({ taskManagers: 2 });
  const job = cluster.submit({
    parallelism: 2,
    sources: [["ada"]],
    keyBy: (u: string) => u,
    keyType: stringSerializer,
    steps: [{
      name: "maps",
      states: [pages, byNumber, byPair],
      process: (_u, ctx) => {
        PATHS.forEach((p, i) => ctx.state(pages).put(p, BigInt(i)));
        ctx.state(pages).put("/null", null as unknown as bigint);
        for (const n of NUMBERS) ctx.state(byNumber).put(n, `n${n}`);
        ctx.state(byPair).put(["b", 1n], 1n);
        ctx.state(byPair).put(["a", 2n], 2n);
      },
    }],
  });
  await job.sourcesDone;
  const { hostname, port } = cluster.proxyAddresses[0];
  await using client = new QueryableStateClient(hostname, port);
  await fn({ client, jobId: job.jobId.toString(), relocate: (s, tm) => job.relocateSubtask(s, tm) });
}

describe("map scans", () => {
  test("every entry in user-key order, a page at a time; null values; numbers by value; other keys by bytes", async () => {
    await withCluster(async ({ client, jobId }) => {
      assert.equal((await client.peerExtensions())?.extensions.get("map-scan"), 1);
      const seen: [string | null, bigint | null][] = [];
      let cursor: string | undefined;
      do {
        const page = await client.scanMapState(jobId, "pages", "ada", stringSerializer, pages, { pageSize: 70, cursor });
        assert.ok(page.entries.length <= 70);
        seen.push(...page.entries);
        cursor = page.cursor;
      } while (cursor !== undefined);
      const expected = [...PATHS, "/null"].sort();
      assert.deepEqual(seen.map(([k]) => k), expected);
      assert.equal(seen.find(([k]) => k === "/null")![1], null);
      assert.equal(seen.find(([k]) => k === "/docs/3")![1], 3n);
      const numbers: (bigint | null)[] = [];
      for await (const [k] of client.scanMap(jobId, "by-number", "ada", stringSerializer, byNumber, { pageSize: 3 })) numbers.push(k);
      assert.deepEqual(numbers, [...NUMBERS].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      const pairs = await client.scanMapState(jobId, "by-pair", "ada", stringSerializer, byPair);
      assert.deepEqual(pairs.entries.map(([k]) => k), [["a", 2n], ["b", 1n]]);
    });
  });

  test("a prefix, a range; the cursor survives a relocation", async () => {
    await withCluster(async ({ client, jobId, relocate }) => {
      const docs: (string | null)[] = [];
      for await (const [k] of client.scanMap(jobId, "pages", "ada", stringSerializer, pages, { prefix: "/docs/", pageSize: 25 })) docs.push(k);
      assert.deepEqual(docs, PATHS.filter((p) => p.startsWith("/docs/")).sort());
      const range = await client.scanMapState(jobId, "pages", "ada", stringSerializer, pages, { from: "/blog/50", to: "/docs", pageSize: 1000 });
      assert.deepEqual(range.entries.map(([k]) => k), PATHS.filter((p) => p >= "/blog/50" && p < "/docs").sort());
      assert.equal(range.cursor, undefined);
      const numbers = await client.scanMapState(jobId, "by-number", "ada", stringSerializer, byNumber, { from: -5n, to: 42n });
      assert.deepEqual(numbers.entries.map(([k]) => k), [-5n, 0n, 3n, 7n]);
      const first = await client.scanMapState(jobId, "pages", "ada", stringSerializer, pages, { pageSize: 100 });
      relocate(0, 1);
      relocate(1, 0);
      const rest: (string | null)[] = [];
      let cursor = first.cursor;
      while (cursor !== undefined) {
        const page = await client.scanMapState(jobId, "pages", "ada", stringSerializer, pages, { pageSize: 100, cursor });
        rest.push(...page.entries.map(([k]) => k));
        cursor = page.cursor;
      }
      assert.deepEqual([...first.entries.map(([k]) => k), ...rest], [...PATHS, "/null"].sort());
    });
  });

  test("typed failures: no value for the key, bad bounds, a cursor of another scan, a state that is no map", async () => {
    await withCluster(async ({ client, jobId }) => {
      await assert.rejects(client.scanMapState(jobId, "pages", "eve", stringSerializer, pages), UnknownKeyOrNamespaceError);
      await assert.rejects(client.scanMapState(jobId, "by-number", "ada", stringSerializer, byNumber, { prefix: 4n }), { code: "BAD_REQUEST" });
      await assert.rejects(client.scanMapState(jobId, "pages", "ada", stringSerializer, pages, { prefix: "/a", from: "/b" }), { code: "INVALID_ARGUMENT" });
      const { cursor } = await client.scanMapState(jobId, "pages", "ada", stringSerializer, pages, { pageSize: 5 });
      await assert.rejects(client.scanMapState(jobId, "pages", "ada", stringSerializer, pages, { pageSize: 5, cursor, prefix: "/docs" }), InvalidCursorError);
      await assert.rejects(client.scanMapState(jobId, "nope", "ada", stringSerializer, pages), { code: "UNKNOWN_STATE_NAME" });
    });
    const d = await startDeployment(3);
    try {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      // A hand-made state without scan(), and a state server like Flink's.
      for (const state of ["counts", "plain"]) {
        await assert.rejects(client.scanMapState(d.jobId, state, "user-1", stringSerializer, pages), (e: unknown) => e instanceof UnsupportedByPeerError && e.extension === "map-scan", state);
      }
    } finally {
      await d.close();
    }
    const flinkLike = await startDeployment(3, { extensions: false });
    try {
      await using client = new QueryableStateClient(flinkLike.proxyAddress.hostname, flinkLike.proxyAddress.port);
      await assert.rejects(client.scanMapState(flinkLike.jobId, "counts", "user-1", stringSerializer, pages), /read the whole map with getKvState/);
    } finally {
      await flinkLike.close();
    }
  });
});
