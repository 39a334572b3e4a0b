import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { computeKeyGroupForKeyHash, computeKeyGroupRangeForOperatorIndex, Coordinator, deserializeValue, intSerializer, JobID, type KvState, KvStateClientProxy, type KvStateLocation, KvStateServer, RemoteError, serializeKeyAndNamespace, StateServerUnreachableError, serializeValue, stringSerializer, UnknownJobError, UnknownKeyGroupLocationError, UnknownKeyOrNamespaceError, UnknownStateNameError, VoidNamespace, voidNamespaceSerializer } from "../../mod.ts";
import { Client, KvStateRequest, KvStateResponse } from "../../protocol.ts";
import { eventually } from "../helpers/eventually.ts";
import { FakeClock, settlesAt } from "../helpers/fake-clock.ts";

const MAX_P = 128;

/** A state answering int keys with `<tag>-<key>` (only keys < 1000). */
function taggedState(tag: string): KvState {
  return {
    getSerializedValue(bytes) {
      const key = new DataView(bytes.buffer, bytes.byteOffset).getInt32(0);
      return key < 1000 ? serializeValue(`${tag}-${key}`, stringSerializer) : null;
    },
  };
}

function request(jobId: JobID, name: string, key: number): KvStateRequest {
  return new KvStateRequest(jobId, name, intSerializer.hashCode(key), serializeKeyAndNamespace(key, intSerializer, VoidNamespace, voidNamespaceSerializer));
}

const text = (r: KvStateResponse) => deserializeValue(r.content, stringSerializer);

for (const localShortcut of [true, false]) describe(`KvStateClientProxy (${localShortcut ? "co-located servers asked in-process" : "every hop over TCP"})`, () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function setUp(proxyOptions = {}) {
    const coordinator = new Coordinator();
    let lookups = 0;
    const oracle = {
      requestKvStateLocation(jobId: JobID, name: string): Promise<KvStateLocation> {
        lookups++;
        return coordinator.requestKvStateLocation(jobId, name);
      },
    };
    const servers = [new KvStateServer(), new KvStateServer()];
    for (const s of servers) await s.start();
    const proxy = new KvStateClientProxy({ oracle, localServers: localShortcut ? servers : [], ...proxyOptions });
    await proxy.start();
    const client = new Client("Test Client", KvStateResponse.decode, { requestTimeoutMs: 10_000 });
    cleanup.push(() => client.close(), () => proxy.close({ timeoutMs: 200 }), ...servers.map((s) => () => s.close({ timeoutMs: 200 })));
    const jobId = JobID.random();
    coordinator.registerJob(jobId, new Map([["op", MAX_P]]));
    const ranges = [0, 1].map((i) => computeKeyGroupRangeForOperatorIndex(MAX_P, 2, i));
    const ids = servers.map((s, i) => s.registry.register(taggedState(`tm${i}`)));
    ranges.forEach((r, i) => coordinator.notifyKvStateRegistered(jobId, "op", r, "counts", ids[i], servers[i].address!));
    const send = (key: number, name = "counts", job = jobId) => client.sendRequest(proxy.address!, request(job, name, key));
    return { coordinator, servers, proxy, client, jobId, ranges, ids, send, lookups: () => lookups };
  }

  test("routes each key to the server owning its key group, with one cached lookup", async () => {
    const { send, lookups, ranges } = await setUp();
    const keys = Array.from({ length: 200 }, (_, i) => i);
    const answers = await Promise.all(keys.map((k) => send(k)));
    answers.forEach((a, k) => {
      const kg = computeKeyGroupForKeyHash(intSerializer.hashCode(k), MAX_P);
      const owner = ranges.findIndex((r) => r.contains(kg));
      assert.equal(text(a), `tm${owner}-${k}`);
    });
    assert.equal(lookups(), 1);
  });

  test("a missing key fails with UnknownKeyOrNamespaceError, relayed unchanged", async () => {
    const { send } = await setUp();
    await assert.rejects(send(5000), (e: unknown) => e instanceof UnknownKeyOrNamespaceError && e.remoteMessage === "Queryable State Server : No state for the specified key/namespace.");
  });

  test("unknown job and unknown state name give their errors quickly (as Flink's proxy words them), and failed lookups are not cached", async () => {
    const { send, coordinator, ids, servers, ranges, lookups } = await setUp();
    const other = JobID.random();
    const before = lookups();
    await assert.rejects(send(1, "counts", other), (e: unknown) => {
      assert.ok(e instanceof UnknownJobError, String(e));
      // Flink's proxy: a RuntimeException naming UnknownLocationException; ours adds its cause.
      assert.equal((e as RemoteError).remoteClassName, "java.lang.RuntimeException");
      assert.match((e as RemoteError).remoteMessage!, /^Failed request \d+\.\n Caused by: org\.apache\.flink\.queryablestate\.exceptions\.UnknownLocationException: Could not retrieve location of state=counts of job=/);
      assert.ok((e as RemoteError).remoteMessage!.includes(`\nCaused by: org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (${other})`));
      return true;
    });
    await assert.rejects(send(1, "wrong-name"), (e: unknown) => {
      assert.ok(e instanceof UnknownStateNameError, String(e));
      assert.equal((e as RemoteError).remoteClassName, "java.lang.RuntimeException");
      assert.match((e as RemoteError).remoteMessage!, /^Failed request \d+\.\n Caused by: org\.apache\.flink\.runtime\.query\.UnknownKvStateLocation: No KvStateLocation found for KvState instance with name 'wrong-name'\.$/);
      return true;
    });
    assert.equal(lookups() - before, 2, "one lookup each: no retries for unknown names");
    coordinator.registerJob(other, new Map([["op", MAX_P]]));
    ranges.forEach((r, i) => coordinator.notifyKvStateRegistered(other, "op", r, "counts", ids[i], servers[i].address!));
    assert.match(text(await send(1, "counts", other))!, /^tm\d-1$/);
  });

  test("once a state was asked, its next queries answer and fail as the first did (the proxy's fast path)", async () => {
    const { send, client, proxy, jobId } = await setUp();
    // A body whose key runs past its end: the ordinary decoder's verdict, cold and then warm.
    const odd = {
      writeTo(w: { writeBytes(b: Uint8Array): void; writeInt32(v: number): void }) {
        const name = new TextEncoder().encode("counts");
        w.writeBytes(jobId.toBytes());
        w.writeInt32(name.length);
        w.writeBytes(name);
        w.writeInt32(intSerializer.hashCode(1));
        w.writeInt32(1000);
        w.writeBytes(new Uint8Array(4));
      },
    };
    const failureOf = (p: Promise<unknown>) => p.then(() => assert.fail("answered"), (e: unknown) => e as Error);
    const cold = await failureOf(client.sendRequest(proxy.address!, odd));
    const coldMissing = await failureOf(send(5000));
    assert.match(text(await send(1))!, /^tm\d-1$/);
    for (let i = 0; i < 3; i++) {
      const warm = await failureOf(client.sendRequest(proxy.address!, odd));
      assert.equal(warm.constructor, cold.constructor);
      assert.equal(warm.message, cold.message);
      const missing = await failureOf(send(5000));
      assert.ok(missing instanceof UnknownKeyOrNamespaceError, String(missing));
      assert.equal(missing.message, coldMissing.message);
      assert.match(text(await send(2 + i))!, new RegExp(`^tm\\d-${2 + i}$`));
    }
    assert.equal(proxy.stats().successful, 4);
  });

  test("a stale location (state moved to another server under a new id) is refreshed through the retry path", async () => {
    const { send, coordinator, servers, ids, jobId, ranges, proxy, lookups } = await setUp();
    const key = Array.from({ length: 100 }, (_, i) => i).find((k) => ranges[0].contains(computeKeyGroupForKeyHash(k, MAX_P)))!;
    assert.equal(text(await send(key)), `tm0-${key}`);
    // Relocate subtask 0 from server 0 to server 1.
    servers[0].registry.unregister(ids[0]);
    const moved = servers[1].registry.register(taggedState("moved"));
    coordinator.notifyKvStateRegistered(jobId, "op", ranges[0], "counts", moved, servers[1].address!);
    const before = proxy.forwardingStats().requests;
    assert.equal(text(await send(key)), `moved-${key}`);
    assert.equal(proxy.forwardingStats().requests - before, 2, "one stale attempt, one retry");
    assert.equal(lookups(), 2);
  });

  /** A proxy on a fake clock whose retry back-off passes as soon as the proxy starts waiting; reports each delay. */
  async function setUpBackOff(options: { maxAttempts?: number; requestTimeoutMs?: number }) {
    const clock = new FakeClock();
    const delays: number[] = [];
    const diagnostics = (e: { type: string; delayMs?: number }) => {
      if (e.type !== "retry") return;
      delays.push(e.delayMs!);
      void clock.tick(e.delayMs!);
    };
    const set = await setUp({ ...options, retryInitialDelayMs: 5, clock, diagnostics });
    await set.servers[0].close();
    await set.servers[1].close();
    return { ...set, clock, delays };
  }

  test("a dead server address: bounded retries, backing off, then the failure", async () => {
    const { send, delays, lookups } = await setUpBackOff({ maxAttempts: 4 });
    await assert.rejects(send(1), (e: unknown) => {
      assert.ok(e instanceof StateServerUnreachableError, String(e));
      assert.equal(e.code, "SERVER_UNREACHABLE");
      assert.match(e.remoteMessage!, /[Cc]onnect to 127\.0\.0\.1:\d+: connection refused/);
      return true;
    });
    assert.deepEqual(delays, [5, 10, 20], "doubling from retryInitialDelayMs, maxAttempts in all");
    assert.equal(lookups(), 4, "a fresh lookup per retry");
  });

  test("retries stop when the next back-off would end past the proxy's timeout", async () => {
    // Attempts at 0, 5 and 15 ms; the next would start at 35 ms, past the 30 ms budget.
    const { send, delays } = await setUpBackOff({ requestTimeoutMs: 30 });
    await assert.rejects(send(1), (e: unknown) => e instanceof RemoteError && /connection refused/.test(e.remoteMessage!));
    assert.deepEqual(delays, [5, 10]);
  });

  test("an unregistered key group fails with UnknownKeyGroupLocationError after retries", async () => {
    const { send, coordinator, jobId, ranges } = await setUp({ maxAttempts: 3, retryInitialDelayMs: 1 });
    coordinator.notifyKvStateUnregistered(jobId, "op", ranges[1], "counts");
    const key = Array.from({ length: 100 }, (_, i) => i).find((k) => ranges[1].contains(computeKeyGroupForKeyHash(k, MAX_P)))!;
    await assert.rejects(send(key), (e: unknown) => e instanceof UnknownKeyGroupLocationError && e.remoteMessage === "Queryable State Proxy Server : Unknown key-group location.");
  });

  test("the proxy's own timeout bounds a request whose state never answers", async () => {
    const clock = new FakeClock();
    const { coordinator, servers, send, jobId, ranges, proxy } = await setUp({ requestTimeoutMs: 200, clock });
    const hang = servers[0].registry.register({ getSerializedValue: () => new Promise(() => {}) });
    coordinator.notifyKvStateRegistered(jobId, "op", ranges[0], "counts", hang, servers[0].address!);
    coordinator.notifyKvStateRegistered(jobId, "op", ranges[1], "counts", hang, servers[0].address!);
    const sent = send(1);
    await eventually("the request forwarded", () => assert.equal(proxy.forwardingStats().requests, 1));
    await assert.rejects(settlesAt(clock, 200, sent, "the request (the whole budget is waited for)"), (e: unknown) => e instanceof RemoteError && /no answer within 200 ms/.test(e.remoteMessage!));
  });
});
