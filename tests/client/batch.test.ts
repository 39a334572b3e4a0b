// Batch get (issue 23): QueryableStateClient.getKvStates through our proxy (the batch-get extension: one request
// per chunk, one per state server), through a proxy that speaks no extensions (fallback to single queries), and
// against a state server that speaks no extensions (the proxy falls back per server). Each key gets its own value
// or error, in order.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { QueryableStateClient } from "../../src/client/queryable-state-client.ts";
import { InvalidArgumentError } from "../../src/core/errors.ts";
import { JobID } from "../../src/core/ids.ts";
import { RequestAbortedError } from "../../src/net/errors.ts";
import { RemoteError, UnknownJobError, UnknownKeyOrNamespaceError, UnknownStateNameError } from "../../src/protocol/remote-errors.ts";
import { valueState } from "../../src/state/descriptors.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { type Deployment, HIGH, startDeployment } from "../helpers/batch-setup.ts";
import type { KvStateLocationOracle } from "../../src/proxy/location-oracle.ts";
import { KvStateID } from "../../src/core/ids.ts";

const counts = valueState("counts", longSerializer);

async function withDeployment(n: number, fn: (d: Deployment) => Promise<void>, ...rest: Parameters<typeof startDeployment> extends [number, ...infer R] ? R : never): Promise<void> {
  const d = await startDeployment(n, ...rest);
  try {
    await fn(d);
  } finally {
    await d.close();
  }
}

/** Asks for users 0..n+extra-1 (the last `extra` unknown) and checks every result in order. */
async function checkAll(client: QueryableStateClient, d: Deployment, state: string, extra = 5): Promise<void> {
  const keys = [...d.table.keys(), ...Array.from({ length: extra }, (_, i) => `nobody-${i}`)];
  const results = await client.getKvStates(d.jobId, state, keys, stringSerializer, counts);
  assert.equal(results.length, keys.length);
  results.forEach((r, i) => {
    assert.equal(r.key, keys[i]);
    if (i < d.table.size) {
      assert.ok(r.ok, `${keys[i]}: ${r.ok ? "" : r.error.message}`);
      assert.equal(r.state.value(), d.table.get(keys[i]));
    } else {
      assert.ok(!r.ok);
      assert.ok(r.error instanceof UnknownKeyOrNamespaceError, r.error.message);
    }
  });
}

describe("getKvStates", () => {
  test("through our proxy: one HELLO, one batch, one request per state server", async () => {
    await withDeployment(300, async (d) => {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      await checkAll(client, d, "counts");
      assert.equal(d.proxy.stats().requests, 2, "the HELLO and one batch");
      assert.equal(d.servers[0].stats().requests, 1);
      assert.equal(d.servers[1].stats().requests, 1);
      const peer = await client.peerExtensions();
      assert.ok(peer !== null);
      assert.equal(peer.extensions.get("batch-get"), 1);
      assert.equal(peer.limits.get("batch-get.max-keys"), 4096);
      assert.match(peer.implementation, /^queryable-state .* \(proxy\)$/);
      // A second batch needs no second HELLO.
      await checkAll(client, d, "counts", 0);
      assert.equal(d.proxy.stats().requests, 3);
    });
  });

  test("a state server that speaks no extensions (Flink's) is asked key by key by the proxy", async () => {
    await withDeployment(120, async (d) => {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      await checkAll(client, d, "plain");
      // One batch probe (refused as an unknown KvStateID), then one request per key.
      assert.equal(d.plain.server.stats().requests, 1 + 125);
      assert.equal(d.plain.server.stats().failed, 1 + 5);
      // The proxy remembers: the next batch goes key by key at once.
      await checkAll(client, d, "plain", 0);
      assert.equal(d.plain.server.stats().requests, 126 + 120);
    });
  });

  test("extensions: 'off' sends single queries only; so does a proxy with extensions disabled", async () => {
    await withDeployment(50, async (d) => {
      await using off = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port, { extensions: "off" });
      await checkAll(off, d, "counts");
      assert.equal(d.proxy.stats().requests, 55);
      assert.equal(await off.peerExtensions(), null);
    });
    await withDeployment(50, async (d) => {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      await checkAll(client, d, "counts");
      // The HELLO failed as a query of an unknown job would (REQUEST_FAILURE), then 55 single queries.
      assert.equal(d.proxy.stats().requests, 56);
      assert.equal(d.proxy.stats().failed, 1 + 5);
      assert.equal(await client.peerExtensions(), null);
    }, { extensions: false });
  });

  test("the proxy's key limit splits a batch into chunks, sent at once", async () => {
    await withDeployment(230, async (d) => {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      await checkAll(client, d, "counts", 0);
      assert.equal(d.proxy.stats().requests, 1 + 5, "HELLO + ceil(230 / 50) batches");
    }, { maxBatchKeys: 50 });
  });

  test("an answer above the proxy's size limit is split until it fits", async () => {
    await withDeployment(100, async (d) => {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      await checkAll(client, d, "counts");
      // 105 keys of ~14 bytes each do not fit in 600 bytes: the client halves until they do.
      assert.ok(d.proxy.stats().requests > 3, `${d.proxy.stats().requests} requests`);
    }, { maxBatchAnswerBytes: 600 });
  });

  test("failures of the whole call reject, in batch mode and in fallback mode", async () => {
    for (const extensions of ["auto", "off"] as const) {
      await withDeployment(10, async (d) => {
        await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port, { extensions });
        await assert.rejects(client.getKvStates(JobID.random(), "counts", ["user-1", "user-2"], stringSerializer, counts), UnknownJobError);
        await assert.rejects(client.getKvStates(d.jobId, "no-such-state", ["user-1", "user-2"], stringSerializer, counts), UnknownStateNameError);
        const aborted = new AbortController();
        aborted.abort(new Error("stop"));
        await assert.rejects(client.getKvStates(d.jobId, "counts", ["user-1"], stringSerializer, counts, { signal: aborted.signal }), RequestAbortedError);
        assert.deepEqual(await client.getKvStates(d.jobId, "counts", [], stringSerializer, counts), []);
      });
    }
  });

  test("a key that does not serialize is its own error; when all fail, the call rejects", async () => {
    await withDeployment(10, async (d) => {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      const results = await client.getKvStates(d.jobId, "counts", ["user-1", null as unknown as string, "user-2"], stringSerializer, counts);
      assert.ok(results[0].ok && results[2].ok);
      assert.ok(!results[1].ok && results[1].error instanceof InvalidArgumentError);
      await assert.rejects(client.getKvStates(d.jobId, "counts", ["user-1", "user-2"], {} as never, counts), InvalidArgumentError);
    });
  });

  test("a lookup that throws fails its key only, with the single query's error", async () => {
    await withDeployment(20, async (d) => {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      const keys = ["user-1", "user-3", "user-4"];
      const results = await client.getKvStates(d.jobId, "counts", keys, stringSerializer, counts);
      const single = await client.getKvState(d.jobId, "counts", "user-3", stringSerializer, counts).then(() => undefined, (e) => e);
      assert.ok(results[0].ok && results[2].ok);
      assert.ok(!results[1].ok);
      assert.ok(single instanceof RemoteError);
      assert.equal(results[1].error.constructor, single.constructor);
      assert.equal(results[1].error.code, single.code);
      assert.match(results[1].error.message, /lookup of user-3 failed/);
    }, {}, { throwFor: "user-3" });
  });

  test("a stale location (the state moved) is looked up again and only its keys retried", async () => {
    // An oracle that does not tell the proxy about changes: the proxy learns of the move from the server.
    await withDeployment(200, async (d) => {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      await checkAll(client, d, "counts", 0); // caches the location
      // Server 1's half moves to server 0 under a new id.
      const state = d.servers[1].registry.get(d.ids[1])!;
      d.servers[1].registry.unregister(d.ids[1]);
      const moved = d.servers[0].registry.register(state, { name: "counts", id: KvStateID.random() });
      d.coordinator.notifyKvStateRegistered(d.jobId, "op", HIGH, "counts", moved, d.servers[0].address!);
      await checkAll(client, d, "counts");
      assert.equal(d.servers[1].stats().requests, 2, "the stale server was asked once more, and refused");
    }, {}, { oracle: (c) => ({ requestKvStateLocation: (j, n) => c.requestKvStateLocation(j, n) }) as KvStateLocationOracle });
  });
});
