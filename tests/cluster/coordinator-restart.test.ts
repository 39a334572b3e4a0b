// Coordinator restarts without an outage: a registration grace period answering "not ready, retry"
// (which proxies retry within their deadline), and task managers that wait for their coordinator.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Coordinator,
  CoordinatorClient,
  CoordinatorUnauthorizedError,
  CoordinatorUnavailableError,
  type Endpoint,
  InvalidArgumentError,
  JobID,
  KeyGroupRange,
  type KeyedJob,
  KvStateClientProxy,
  KvStateID,
  LocationNotReadyError,
  longSerializer,
  QueryableStateClient,
  reducingState,
  stringSerializer,
  TaskManager,
  UnknownJobError,
  UnknownLocationError,
  UnknownStateNameError,
} from "../../mod.ts";
import { eventually } from "../helpers/eventually.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { freePort } from "../helpers/free-port.ts";

const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });
const KEYS = Array.from({ length: 12 }, (_, i) => `k-${i}`);
const MAX_PARALLELISM = 128;
const SERVER = { hostname: "127.0.0.1", port: 1 };

function job(): KeyedJob<string, string> {
  return {
    sources: [KEYS],
    keyBy: (k) => k,
    keyType: stringSerializer as unknown as KeyedJob<string, string>["keyType"],
    steps: [{ name: "count", states: [counts], process: (_k, ctx) => ctx.state(counts).add(1n) }],
  };
}

const addr = (a: Endpoint) => `${a.hostname}:${a.port}`;


/** Runs the fake clock's timers as they are armed (after real I/O) until `p` settles. */
async function runUntilSettled<T>(clock: FakeClock, p: Promise<T>, onTick: () => Promise<void> | void = () => {}): Promise<T> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  while (!settled) {
    // (A message of our own: without one, assert.ok parses this file to describe the expression.)
    await eventually("a timer armed, or the outcome", () => assert.ok(settled || clock.pending > 0, "neither yet"));
    if (settled) break;
    await clock.next();
    await onTick();
  }
  return p;
}

describe("coordinator restarts without an outage", () => {
  test("in the grace period an unknown job or state is 'not ready'; afterwards as before", async () => {
    const clock = new FakeClock();
    await using service = await Coordinator.serve({ heartbeatTimeoutMs: 5000, clock });
    await using client = new CoordinatorClient(service.address!);
    const jobId = JobID.random();
    const notReady = (what: RegExp) => (e: unknown) => {
      assert.ok(e instanceof LocationNotReadyError, String(e));
      assert.equal(e.code, "LOCATION_NOT_READY");
      assert.match(e.message, what);
      assert.match(e.message, /task managers are registering again .*Retry shortly/);
      return true;
    };
    await assert.rejects(client.requestKvStateLocation(jobId, "s"), notReady(/job not registered yet/));
    await client.registerJob("tm", jobId, new Map([["v", 4]]));
    await assert.rejects(client.requestKvStateLocation(jobId, "s"), notReady(/state not registered yet/));
    // A partly registered state is answered as it is: its other keys can be served meanwhile.
    await client.registerState("tm", jobId, "v", new KeyGroupRange(0, 1), "s", KvStateID.random(), SERVER);
    assert.equal((await client.requestKvStateLocation(jobId, "s")).numRegisteredKeyGroups, 2);
    await client.registerState("tm", jobId, "v", new KeyGroupRange(2, 3), "s", KvStateID.random(), SERVER);
    assert.equal((await client.requestKvStateLocation(jobId, "s")).numRegisteredKeyGroups, 4);
    // Listings are not held back.
    await assert.rejects(client.listStates(JobID.random()), UnknownJobError);
    // The grace period defaults to the heartbeat timeout; then unknown is unknown again.
    await clock.tick(5000);
    await client.heartbeat("tm");
    await assert.rejects(client.requestKvStateLocation(JobID.random(), "s"), UnknownJobError);
    await assert.rejects(client.requestKvStateLocation(jobId, "t"), UnknownStateNameError);
    await client.unregisterState("tm", jobId, "v", new KeyGroupRange(2, 3), "s");
    assert.equal((await client.requestKvStateLocation(jobId, "s")).numRegisteredKeyGroups, 2);
  });

  test("registrationGraceMs: 0 turns it off; a negative one is refused", async () => {
    await using service = await Coordinator.serve({ registrationGraceMs: 0 });
    await using client = new CoordinatorClient(service.address!);
    await assert.rejects(client.requestKvStateLocation(JobID.random(), "s"), UnknownJobError);
    await assert.rejects(Coordinator.serve({ registrationGraceMs: -1 }), InvalidArgumentError);
  });

  test("a proxy retries 'not ready' until its deadline, then answers UNKNOWN_LOCATION saying so", async () => {
    await using service = await Coordinator.serve({ registrationGraceMs: 60_000 });
    const oracle = new CoordinatorClient(service.address!);
    let retries = 0;
    await using proxy = new KvStateClientProxy({ oracle, requestTimeoutMs: 300, maxAttempts: 2, diagnostics: (e) => void (e.type === "retry" && retries++) });
    await proxy.start();
    await using client = new QueryableStateClient(addr(proxy.address!), { requestTimeoutMs: 10_000 });
    await assert.rejects(client.getKvState(JobID.random(), "counts", "k-1", stringSerializer, counts), (e: unknown) => {
      assert.ok(e instanceof UnknownLocationError, String(e));
      assert.match(e.message, /not ready.*registering again/s);
      return true;
    });
    // More tries than maxAttempts (2, so 1 retry): the registry was asked until the deadline.
    assert.ok(retries > 1, `${retries} retries`);
    await oracle.close();
  });

  test("after a restart, a proxy with nothing cached answers as soon as the task manager registered again", async () => {
    let service = await Coordinator.serve({ heartbeatTimeoutMs: 5000 });
    const port = service.address!.port;
    const jobId = JobID.random();
    const tm = await TaskManager.join({ coordinator: `127.0.0.1:${port}`, heartbeatIntervalMs: 200, log: () => {} });
    try {
      const subtask = tm.serve(job(), { jobId, subtask: 0, parallelism: 1, maxParallelism: MAX_PARALLELISM });
      await subtask.ready;
      // Every key processed (asked through the task manager's own proxy, which caches the location).
      await using warm = new QueryableStateClient(addr(tm.proxyAddress), { requestTimeoutMs: 10_000 });
      for (const key of KEYS) {
        await eventually(`${key} counted`, async () => assert.equal((await warm.getKvState(jobId, "counts", key, stringSerializer, counts)).get(), 1n));
      }
      await service.close();
      service = await Coordinator.serve({ port, heartbeatTimeoutMs: 5000 });
      // A proxy that never looked anything up, asked at once: not ready, retried, answered.
      const oracle = new CoordinatorClient(service.address!);
      const proxy = new KvStateClientProxy({ oracle, requestTimeoutMs: 5000 });
      await proxy.start();
      const client = new QueryableStateClient(addr(proxy.address!), { requestTimeoutMs: 10_000 });
      try {
        for (const key of KEYS) assert.equal((await client.getKvState(jobId, "counts", key, stringSerializer, counts)).get(), 1n);
      } finally {
        await client.close();
        await proxy.close();
        await oracle.close();
      }
    } finally {
      await tm.close({ timeoutMs: 200 });
      await service.close();
    }
  });

  test("a task manager waits for a coordinator that is not up yet, then joins", async () => {
    const port = await freePort();
    const clock = new FakeClock();
    const logs: string[] = [];
    const joining = TaskManager.join({ coordinator: `127.0.0.1:${port}`, clock, log: (m) => logs.push(m) });
    let service: Awaited<ReturnType<typeof Coordinator.serve>> | undefined;
    let ticks = 0;
    const tm = await runUntilSettled(clock, joining, async () => {
      if (++ticks === 5) service = await Coordinator.serve({ port });
    });
    try {
      assert.ok(ticks >= 5);
      assert.deepEqual(service!.taskManagers, [tm.membership!.id]);
      assert.match(logs[0], /not reachable .*retrying for up to 60000 ms/);
      assert.match(logs.at(-1)!, /reached/);
    } finally {
      await tm.close({ timeoutMs: 200 });
      await service?.close();
    }
  });

  test("a task manager gives up after joinTimeoutMs with COORDINATOR_UNAVAILABLE; a refusal fails at once", async () => {
    const port = await freePort();
    const clock = new FakeClock();
    const start = clock.now();
    const joining = TaskManager.join({ coordinator: `127.0.0.1:${port}`, clock, joinTimeoutMs: 5000, log: () => {} });
    await assert.rejects(runUntilSettled(clock, joining), (e: unknown) => {
      assert.ok(e instanceof CoordinatorUnavailableError, String(e));
      assert.equal(e.code, "COORDINATOR_UNAVAILABLE");
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port} within 5000 ms .*joinTimeoutMs`));
      return true;
    });
    assert.equal(clock.now() - start, 5000);
    await using service = await Coordinator.serve({ token: "right", log: () => {} });
    await assert.rejects(TaskManager.join({ coordinator: addr(service.address!), token: "wrong", log: () => {} }), CoordinatorUnauthorizedError);
  });
});
