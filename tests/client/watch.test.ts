// Watch (issue 23): client.watch through our proxy — a key, a list across two state servers (over TCP), a map prefix;
// resuming from a version; a subtask relocated during a watch; abort and break release the state server's held poll;
// typed ends (WATCH_ENDED) and peers that cannot watch (UNSUPPORTED_BY_PEER).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { QueryableStateClient } from "../../src/client/queryable-state-client.ts";
import type { WatchEvent } from "../../src/client/watch.ts";
import { LocalCluster } from "../../src/cluster/local-cluster.ts";
import { WatchEndedError } from "../../src/core/errors.ts";
import { UnsupportedByPeerError } from "../../src/protocol/extensions.ts";
import type { ImmutableReducingState } from "../../src/client/immutable-states.ts";
import { reducingState } from "../../src/state/descriptors.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { formatHostPort } from "../../src/transport/address.ts";
import { startDeployment } from "../helpers/batch-setup.ts";
import { eventually } from "../helpers/eventually.ts";
import { counts, halfOf, oneUserPerHalf, pages, startWatchDeployment, type WatchDeployment } from "../helpers/watch-setup.ts";
import { fedSource } from "../helpers/fed-source.ts";

type CountEvent = WatchEvent<string | null, ImmutableReducingState<bigint>>;

async function withDeployment(fn: (d: WatchDeployment, client: QueryableStateClient) => Promise<void>) {
  const d = await startWatchDeployment();
  try {
    await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
    await fn(d, client);
  } finally {
    await d.close();
  }
}

async function next<T>(it: AsyncIterator<T>): Promise<T> {
  const r = await it.next();
  assert.equal(r.done, false, "the watch ended early");
  return r.value as T;
}

describe("watch", () => {
  test("a key: its current value first, then each change with its version", async () => {
    await withDeployment(async (d, client) => {
      assert.equal((await client.peerExtensions())?.extensions.get("watch"), 1);
      assert.ok((await client.peerExtensions())?.limits.get("watch.max-wait-ms")! > 0);
      const v1 = d.add("ada", 2n);
      const it = client.watch(d.jobId, "counts", ["ada"], stringSerializer, counts, { waitMs: 5000 });
      const first: CountEvent = await next(it);
      assert.equal(first.key, "ada");
      assert.equal(first.state?.get(), 2n);
      assert.equal(first.deleted, false);
      assert.ok(first.version >= v1);
      const v2 = d.add("ada", 3n);
      const second: CountEvent = await next(it);
      assert.equal(second.state?.get(), 5n);
      assert.equal(second.version, v2);
      assert.ok(second.resumeVersion >= v2);
      assert.equal(second.node, formatHostPort(d.addresses[halfOf("ada")]));
      await it.return();
    });
  });

  test("a list across two state servers: one poll per server, each change from its node", async () => {
    await withDeployment(async (d, client) => {
      const [a, b] = oneUserPerHalf();
      const it = client.watch(d.jobId, "counts", [a, b], stringSerializer, counts, { waitMs: 5000 });
      const pending = next(it); // held: nothing was written yet
      await eventually("both servers hold a poll", () => {
        assert.equal(d.servers[0].watchStats().heldPolls, 1);
        assert.equal(d.servers[1].watchStats().heldPolls, 1);
      });
      d.add(b, 7n);
      const e1: CountEvent = await pending;
      assert.equal(e1.key, b);
      assert.equal(e1.state?.get(), 7n);
      assert.equal(e1.node, formatHostPort(d.addresses[1]));
      // The other server's poll was answered at once when server 1 had a change.
      await eventually("server 0 released its poll", () => assert.equal(d.servers[0].watchStats().heldPolls, d.servers[1].watchStats().heldPolls));
      d.add(a, 1n);
      const e2: CountEvent = await next(it);
      assert.equal(e2.key, a);
      assert.equal(e2.state?.get(), 1n);
      assert.equal(e2.node, formatHostPort(d.addresses[0]));
      await it.return();
      await eventually("no poll held", () => assert.equal(d.servers[0].watchStats().heldPolls + d.servers[1].watchStats().heldPolls, 0));
    });
  });

  test("a map prefix: entries under it added, changed and removed; others ignored", async () => {
    await withDeployment(async (d, client) => {
      d.put("ada", "/docs/a", 1n);
      d.put("ada", "/blog/x", 1n);
      const it = client.watch(d.jobId, "pages", { key: "ada", prefix: "/docs" }, stringSerializer, pages, { waitMs: 5000 });
      const first = await next(it);
      assert.deepEqual([first.key, first.userKey, first.value, first.deleted], ["ada", "/docs/a", 1n, false]);
      d.put("ada", "/blog/y", 2n); // outside the prefix: no event
      d.put("ada", "/docs/b", 2n);
      const added = await next(it);
      assert.deepEqual([added.userKey, added.value, added.deleted], ["/docs/b", 2n, false]);
      d.put("ada", "/docs/a", null);
      const removed = await next(it);
      assert.deepEqual([removed.userKey, removed.value, removed.deleted], ["/docs/a", undefined, true]);
      await it.return();
    });
  });

  test("resume from a version: only keys changed since, each with its newest value", async () => {
    await withDeployment(async (d, client) => {
      const [a, b] = oneUserPerHalf();
      d.add(a, 1n);
      d.add(b, 1n);
      const it = client.watch(d.jobId, "counts", [a, b], stringSerializer, counts, { waitMs: 5000 });
      const seen = new Set([(await next(it) as CountEvent).key]);
      const last: CountEvent = await next(it);
      seen.add(last.key);
      assert.deepEqual([...seen].sort(), [a, b].sort());
      const resume = last.resumeVersion;
      await it.return();
      // While nobody watches: a changes twice, b not at all.
      d.add(a, 10n);
      const va = d.add(a, 100n);
      const again = client.watch(d.jobId, "counts", [a, b], stringSerializer, counts, { fromVersion: resume, waitMs: 5000 });
      const e: CountEvent = await next(again);
      assert.deepEqual([e.key, e.state?.get(), e.version], [a, 111n, va]);
      d.add(b, 5n);
      const f: CountEvent = await next(again); // b was not delivered before its own change
      assert.deepEqual([f.key, f.state?.get()], [b, 6n]);
      await again.return();
    });
  });

  test("a version from the future ends the watch with WATCH_ENDED", async () => {
    await withDeployment(async (d, client) => {
      const future = BigInt(Date.now() + 3_600_000) << 16n;
      const it = client.watch(d.jobId, "counts", ["ada"], stringSerializer, counts, { fromVersion: future });
      await assert.rejects(it.next(), (e: unknown) => e instanceof WatchEndedError && e.code === "WATCH_ENDED" && /future/.test(e.message));
    });
  });

  test("abort and break release the state server's held poll at once", async () => {
    await withDeployment(async (d, client) => {
      const ac = new AbortController();
      const it = client.watch(d.jobId, "counts", ["ada"], stringSerializer, counts, { waitMs: 25_000, signal: ac.signal });
      const pending = it.next();
      await eventually("the poll is held", () => assert.equal(d.servers[0].watchStats().heldPolls + d.servers[1].watchStats().heldPolls, 1));
      ac.abort();
      assert.equal((await pending).done, true);
      await eventually("the poll is released", () => assert.equal(d.servers[0].watchStats().heldPolls + d.servers[1].watchStats().heldPolls, 0), 10_000);
      // break after an event: the next poll is not sent, nothing stays held.
      d.add("ada", 1n);
      for await (const e of client.watch(d.jobId, "counts", ["ada"], stringSerializer, counts, { waitMs: 25_000 })) {
        assert.equal(e.state?.get(), 1n);
        break;
      }
      assert.equal(d.servers[0].watchStats().heldPolls + d.servers[1].watchStats().heldPolls, 0);
    });
  });

  test("stopping the state server answers its held polls", async () => {
    const d = await startWatchDeployment();
    try {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      const it = client.watch(d.jobId, "counts", ["ada"], stringSerializer, counts, { waitMs: 25_000, retries: 0 });
      const pending = it.next().catch((e) => e);
      await eventually("the poll is held", () => assert.equal(d.servers[0].watchStats().heldPolls + d.servers[1].watchStats().heldPolls, 1));
      await Promise.all(d.servers.map((s) => s.close()));
      assert.equal(d.servers[0].watchStats().heldPolls + d.servers[1].watchStats().heldPolls, 0);
      assert.equal(d.servers[0].watchStats().trackedStates + d.servers[1].watchStats().trackedStates, 0);
      await pending; // ends one way or another (the state servers are gone)
    } finally {
      await d.close();
    }
  });

  test("a Flink-like state server or a proxy without extensions: UNSUPPORTED_BY_PEER", async () => {
    const d = await startDeployment(4);
    try {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      const it = client.watch(d.jobId, "plain", ["user-1"], stringSerializer, counts);
      await assert.rejects(it.next(), (e: unknown) => e instanceof UnsupportedByPeerError && e.code === "UNSUPPORTED_BY_PEER");
      // A state that cannot be watched (a KvState without watchWrites) ends the watch.
      await assert.rejects(client.watch(d.jobId, "counts", ["user-1"], stringSerializer, counts).next(), { code: "WATCH_ENDED" });
    } finally {
      await d.close();
    }
    const off = await startDeployment(4, { extensions: false });
    try {
      await using client = new QueryableStateClient(off.proxyAddress.hostname, off.proxyAddress.port);
      await assert.rejects(client.watch(off.jobId, "counts", ["user-1"], stringSerializer, counts).next(), { code: "UNSUPPORTED_BY_PEER" });
    } finally {
      await off.close();
    }
  });

  test("through several proxies: a poll held past the per-attempt deadline is not a failure (no failover, no hedge)", async () => {
    const d = await startWatchDeployment();
    const other = await startWatchDeployment(); // a second proxy address that would take over
    const events: string[] = [];
    try {
      const proxies = `${formatHostPort(d.proxyAddress)},${formatHostPort(other.proxyAddress)}`;
      // Attempts of 100 ms (a third of 300), hedging after 50 ms: a 1 s poll outlives both.
      await using client = new QueryableStateClient(proxies, { requestTimeoutMs: 300, hedgeAfterMs: 50, diagnostics: (e) => events.push(e.type) });
      const it = client.watch(d.jobId, "counts", ["ada"], stringSerializer, counts, { waitMs: 1000 });
      const pending = next(it);
      await eventually("the poll is held", () => assert.equal(d.servers[0].watchStats().heldPolls + d.servers[1].watchStats().heldPolls, 1));
      // Let the poll be held past the attempt deadline and the hedge delay, then end empty and be sent again.
      await eventually("the first poll ended empty (HELLO and the poll answered)", () => assert.ok(d.proxy.stats().successful >= 2, `${d.proxy.stats().successful} answered`));
      d.add("ada", 4n);
      const e: CountEvent = await pending;
      assert.equal(e.state?.get(), 4n);
      assert.deepEqual(events.filter((t) => t === "failover" || t === "retry"), []);
      assert.equal(other.proxy.stats().requests, 0, "the other proxy was never asked");
      await it.return();
    } finally {
      await d.close();
      await other.close();
    }
  });

  test("the proxy holding the poll stops: the watch goes on through another proxy from the versions delivered", async () => {
    const d = await startWatchDeployment();
    try {
      const second = await d.anotherProxy();
      await using client = new QueryableStateClient(`${formatHostPort(d.proxyAddress)},${formatHostPort(second.address)}`);
      d.add("ada", 1n);
      const it = client.watch(d.jobId, "counts", ["ada", "bob"], stringSerializer, counts, { waitMs: 10_000 });
      assert.equal((await next(it) as CountEvent).state?.get(), 1n);
      const pending = next(it);
      await eventually("the poll is held", () => assert.equal(d.servers[0].watchStats().heldPolls + d.servers[1].watchStats().heldPolls, 1));
      await d.proxy.close(); // answers its held poll now; the next poll cannot connect and goes to the other proxy
      d.add("ada", 2n);
      d.add("bob", 5n);
      const got = new Map<string | null, bigint | undefined>();
      const first: CountEvent = await pending;
      got.set(first.key, first.state?.get());
      while (got.size < 2) {
        const e: CountEvent = await next(it);
        got.set(e.key, e.state?.get());
      }
      assert.deepEqual([got.get("ada"), got.get("bob")], [3n, 5n]);
      assert.ok(second.proxy.stats().requests > 0, "the other proxy took over");
      await it.return();
    } finally {
      await d.close();
    }
  });

  test("a subtask relocated during a watch: the watch follows it and loses nothing", async () => {
    const sums = reducingState("sums", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "sums" });
    const { source, push } = fedSource<[string, bigint]>();
    await using cluster = await LocalCluster.start({ taskManagers: 2 });
    const job = cluster.submit({
      parallelism: 2,
      sources: [source],
      keyBy: (r: [string, bigint]) => r[0],
      keyType: stringSerializer,
      steps: [{ name: "sum", states: [sums], process: (r, ctx) => ctx.state(sums).add(r[1]) }],
    });
    const { hostname, port } = cluster.proxyAddresses[0];
    await using client = new QueryableStateClient(hostname, port);
    push(["ada", 1n]);
    const it = client.watch(job.jobId, "sums", ["ada"], stringSerializer, sums, { waitMs: 5000 });
    const first = await next(it);
    assert.equal(first.state?.get(), 1n);
    const before = first.node;
    // Move every subtask to the other task manager while the next poll is held.
    const pending = next(it);
    const tmOf = (node: string) => cluster.taskManagers.findIndex((tm) => formatHostPort(tm.serverAddress) === node);
    const from = tmOf(before);
    job.relocateSubtask(0, 1 - from);
    job.relocateSubtask(1, 1 - from);
    let total = 1n;
    for (let i = 2n; i <= 20n; i++) {
      push(["ada", i]);
      total += i;
    }
    let last = await pending;
    while (last.state?.get() !== total) {
      const e = await next(it);
      assert.ok(e.version >= last.version, "versions never go back");
      assert.ok(e.state!.get() > last.state!.get(), "values only grow");
      last = e;
    }
    assert.equal(last.state?.get(), total);
    assert.equal(tmOf(last.node), 1 - from);
    await it.return();
    await job.cancel();
  });
});
