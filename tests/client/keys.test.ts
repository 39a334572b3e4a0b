// Key listing (issue 23): listKeys / keys() through our proxy, a page at a time in (key group, key bytes) order with
// an opaque cursor; the cursor survives a relocation and fails clearly for another listing or a rescaled state;
// namespaces and key-group ranges; UNSUPPORTED_BY_PEER where the peer cannot list keys.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { QueryableStateClient } from "../../src/client/queryable-state-client.ts";
import { LocalCluster } from "../../src/cluster/local-cluster.ts";
import { computeKeyGroupForKeyHash } from "../../src/core/key-groups.ts";
import { JobID } from "../../src/core/ids.ts";
import { Client } from "../../src/net/client.ts";
import {
  decodeExtensionAnswer,
  encodeKeys,
  EXTENSION_ID,
  EXTENSION_STATE_NAME,
  ExtOp,
  ExtStatus,
  InvalidCursorError,
  UnsupportedByPeerError,
} from "../../src/protocol/extensions.ts";
import { KvStateRequest, KvStateResponse } from "../../src/protocol/messages.ts";
import { errorFromJavaThrowable } from "../../src/protocol/remote-errors.ts";
import { valueState } from "../../src/state/descriptors.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { timeWindowSerializer } from "../../src/types/time-window.ts";
import { startDeployment } from "../helpers/batch-setup.ts";

const last = valueState("last", longSerializer, { queryable: "last" });
const perWindow = valueState("per-window", longSerializer, { queryable: "per-window" });
const USERS = Array.from({ length: 2500 }, (_, i) => `user-${i}`);

async function withCluster(fn: (c: { cluster: LocalCluster; client: QueryableStateClient; jobId: JobID; relocate(subtask: number, tm: number): void }) => Promise<void>) {
  await using cluster = await LocalCluster.start({ taskManagers: 2 });
  const job = cluster.submit({
    parallelism: 2,
    sources: [USERS.map((user, i) => ({ user, i }))],
    keyBy: (e: { user: string; i: number }) => e.user,
    keyType: stringSerializer,
    steps: [{
      name: "last",
      states: [last, perWindow],
      process: (e, ctx) => {
        ctx.state(last).update(BigInt(e.i));
        if (e.i % 10 === 0) {
          ctx.state(perWindow).update(1n);
        }
      },
    }],
  });
  await job.sourcesDone;
  const { hostname, port } = cluster.proxyAddresses[0];
  await using client = new QueryableStateClient(hostname, port, { requestTimeoutMs: 10_000 });
  await fn({ cluster, client, jobId: job.jobId, relocate: (s, tm) => job.relocateSubtask(s, tm) });
}

const kg = (user: string | null) => computeKeyGroupForKeyHash(stringSerializer.hashCode(user!), 128);

describe("key listing", () => {
  test("every key once, in key-group order, a page at a time", async () => {
    await withCluster(async ({ client, jobId }) => {
      const peer = await client.peerExtensions();
      assert.equal(peer?.extensions.get("keys"), 1);
      const seen: (string | null)[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await client.listKeys(jobId, "last", stringSerializer, { pageSize: 300, cursor });
        assert.ok(page.keys.length <= 300);
        seen.push(...page.keys);
        cursor = page.cursor;
        pages++;
      } while (cursor !== undefined);
      assert.ok(pages >= 9, `${pages} pages`);
      assert.equal(seen.length, USERS.length);
      assert.deepEqual([...seen].sort(), [...USERS].sort());
      for (let i = 1; i < seen.length; i++) assert.ok(kg(seen[i - 1]) <= kg(seen[i]), "key-group order");
      // The iterator gives the same.
      const all: (string | null)[] = [];
      for await (const k of client.keys(jobId, "last", stringSerializer, { pageSize: 1000 })) all.push(k);
      assert.deepEqual(all, seen);
    });
  });

  test("the cursor survives a relocation: nothing missed, nothing repeated", async () => {
    await withCluster(async ({ client, jobId, relocate }) => {
      const first = await client.listKeys(jobId, "last", stringSerializer, { pageSize: 700 });
      const second = await client.listKeys(jobId, "last", stringSerializer, { pageSize: 700, cursor: first.cursor });
      relocate(0, 1); // subtask 0's state moves to task manager 1 under a new id
      relocate(1, 0);
      const rest: (string | null)[] = [];
      let cursor = second.cursor;
      while (cursor !== undefined) {
        const page = await client.listKeys(jobId, "last", stringSerializer, { pageSize: 700, cursor });
        rest.push(...page.keys);
        cursor = page.cursor;
      }
      const all = [...first.keys, ...second.keys, ...rest];
      assert.equal(new Set(all).size, all.length, "no key twice");
      assert.deepEqual(all.sort(), [...USERS].sort());
    });
  });

  test("a namespace, a key-group range", async () => {
    await withCluster(async ({ client, jobId }) => {
      const tenth = USERS.filter((_, i) => i % 10 === 0);
      const listed: (string | null)[] = [];
      for await (const k of client.keys(jobId, "per-window", stringSerializer)) listed.push(k);
      assert.deepEqual(listed.sort(), [...tenth].sort());
      const none = await client.listKeys(jobId, "last", stringSerializer, { namespace: { start: 0n, end: 1n }, namespaceType: timeWindowSerializer });
      assert.deepEqual(none, { keys: [], cursor: undefined });
      const part = await client.listKeys(jobId, "last", stringSerializer, { keyGroups: { from: 10, to: 20 }, pageSize: 10_000 });
      assert.deepEqual(part.keys.sort(), USERS.filter((u) => kg(u) >= 10 && kg(u) <= 20).sort());
      assert.equal(part.cursor, undefined);
    });
  });

  test("cursors of another listing, damaged or of a rescaled state fail with INVALID_CURSOR", async () => {
    await using cluster = await LocalCluster.start({ taskManagers: 1 });
    const jobId = JobID.random();
    const submit = (maxParallelism: number) =>
      cluster.submit({
        jobId,
        maxParallelism,
        sources: [USERS.slice(0, 50)],
        keyBy: (u: string) => u,
        keyType: stringSerializer,
        steps: [{ name: "last", states: [last], process: (_u, ctx) => ctx.state(last).update(1n) }],
      });
    const job = submit(128);
    await job.sourcesDone;
    const { hostname, port } = cluster.proxyAddresses[0];
    await using client = new QueryableStateClient(hostname, port);
    const { cursor } = await client.listKeys(jobId, "last", stringSerializer, { pageSize: 10 });
    assert.ok(cursor !== undefined);
    await assert.rejects(client.listKeys(jobId, "last", stringSerializer, { pageSize: 10, cursor, keyGroups: { from: 0, to: 5 } }), InvalidCursorError);
    await assert.rejects(client.listKeys(jobId, "last", stringSerializer, { cursor: "not a cursor!" }), { code: "INVALID_CURSOR" });
    await assert.rejects(client.listKeys(jobId, "last", stringSerializer, { cursor: "AAAA" }), /damaged|not one of this proxy/);
    await job.cancel();
    const rescaled = submit(256);
    await rescaled.sourcesDone;
    await assert.rejects(client.listKeys(jobId, "last", stringSerializer, { pageSize: 10, cursor }), (e: unknown) => e instanceof InvalidCursorError && /rescaled/.test(e.message));
    await rescaled.cancel();
  });

  test("UNSUPPORTED_BY_PEER: a proxy without extensions, a state server like Flink's, a state that cannot list", async () => {
    const d = await startDeployment(5);
    try {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      for (const state of ["plain", "counts"]) {
        await assert.rejects(client.listKeys(d.jobId, state, stringSerializer), (e: unknown) => e instanceof UnsupportedByPeerError && e.extension === "keys", state);
      }
      await using off = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port, { extensions: "off" });
      await assert.rejects(off.listKeys(d.jobId, "counts", stringSerializer), UnsupportedByPeerError);
      // Bad pages are bad requests, answered in the extension's own way; the connection goes on.
      await using raw = new Client("t", KvStateResponse.decode);
      for (const [pageSize, from, to] of [[0, 0, 10], [10_001, 0, 10], [10, 5, 4]]) {
        const payload = encodeKeys({ jobId: d.jobId.toBytes(), stateName: "counts", flags: 0, fromKeyGroup: from, toKeyGroup: to, namespace: new Uint8Array([0]), pageSize, cursor: null });
        const a = decodeExtensionAnswer((await raw.sendRequest(d.proxyAddress, new KvStateRequest(EXTENSION_ID, EXTENSION_STATE_NAME, 0, payload))).content, ExtOp.KEYS);
        assert.equal(a.status, ExtStatus.FAILED);
        if (a.status === ExtStatus.FAILED) assert.equal(errorFromJavaThrowable(a.failure).code, "BAD_REQUEST");
      }
    } finally {
      await d.close();
    }
    const flinkLike = await startDeployment(5, { extensions: false });
    try {
      await using client = new QueryableStateClient(flinkLike.proxyAddress.hostname, flinkLike.proxyAddress.port);
      await assert.rejects(client.listKeys(flinkLike.jobId, "counts", stringSerializer), /Flink cannot list a state's keys/);
    } finally {
      await flinkLike.close();
    }
  });
});
