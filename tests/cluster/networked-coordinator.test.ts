// The networked coordinator and task managers that join it, over loopback sockets in one process
// (the multi-process suite is tests/cluster/multi-process.test.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  Coordinator,
  CoordinatorClient,
  CoordinatorService,
  CoordinatorUnauthorizedError,
  JobID,
  KeyGroupRange,
  KvStateID,
  QueryableStateClient,
  reducingState,
  VersionMismatchError,
  stringSerializer,
  longSerializer,
  TaskManager,
  UnknownStateNameError,
  type KeyedJob,
} from "../../mod.ts";
import { Client, KvStateResponse } from "../../protocol.ts";
import { CoordinatorOp, CoordinatorRequest, CoordinatorResponse, COORDINATOR_PROTOCOL_VERSION } from "../../mod.ts";
import { keyRequest, startFixtureServer } from "../helpers/fixture.ts";
import { eventually as retryUntil } from "../helpers/eventually.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });
const KEYS = Array.from({ length: 24 }, (_, i) => `k-${i}`);
const MAX_PARALLELISM = 128;

/** Subtask `index`'s job: its source writes each of its own keys once (`index + 1` as the count). */
function job(index: number, parallelism: number, stepName = "count"): KeyedJob<string, string> {
  const range = computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, parallelism, index);
  const mine = KEYS.filter((k) => range.contains(computeKeyGroupForKeyHash(stringSerializer.hashCode(k), MAX_PARALLELISM)));
  return {
    sources: [mine],
    keyBy: (k) => k,
    keyType: stringSerializer as unknown as KeyedJob<string, string>["keyType"],
    steps: [{ name: stepName, states: [counts], process: (_k, ctx) => ctx.state(counts).add(BigInt(index + 1)) }],
  };
}

const eventually = <T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> => retryUntil(what, fn, timeoutMs, 200);

const addr = (a: { hostname: string; port: number }) => `${a.hostname}:${a.port}`;

describe("networked coordinator", () => {
  test("joined task managers serve their subtasks; every key answers through every proxy; close unregisters at once", async () => {
    const logs: string[] = [];
    const service = await Coordinator.serve({ token: "s3cret", log: (m) => logs.push(m) });
    const coordinator = addr(service.address!);
    const jobId = JobID.random();
    const tms = [await TaskManager.join({ coordinator, token: "s3cret" }), await TaskManager.join({ coordinator, token: "s3cret" })];
    const clients: QueryableStateClient[] = [];
    try {
      const subtasks = tms.map((tm, i) => tm.serve(job(i, 2), { jobId, subtask: i, parallelism: 2, maxParallelism: MAX_PARALLELISM }));
      await Promise.all(subtasks.map((s) => s.ready));
      for (const tm of tms) clients.push(new QueryableStateClient(tm.proxyAddress.hostname, tm.proxyAddress.port, { requestTimeoutMs: 5000 }));
      for (const client of clients) {
        for (const key of KEYS) {
          const owner = subtasks.findIndex((s) => s.range.contains(computeKeyGroupForKeyHash(stringSerializer.hashCode(key), MAX_PARALLELISM)));
          const state = await eventually(`${key} answers`, () => client.getKvState(jobId, "counts", key, stringSerializer, counts));
          assert.equal(state.get(), BigInt(owner + 1));
        }
      }
      assert.equal(service.taskManagers.length, 2);
      // Leaving removes task manager 1's ranges at once (no heartbeat timeout involved).
      await tms[1].close();
      const lookup = new CoordinatorClient(service.address!);
      const location = await lookup.requestKvStateLocation(jobId, "counts");
      await lookup.close();
      assert.equal(location.numRegisteredKeyGroups, subtasks[0].range.numberOfKeyGroups);
      assert.equal(service.taskManagers.length, 1);
      assert.deepEqual(logs, []);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.all(tms.map((tm) => tm.close({ timeoutMs: 200 })));
      await service.close();
    }
  });

  test("a wrong token is refused with a typed error and logged; lookups stay open", async () => {
    const logs: string[] = [];
    // (No registration grace period: an unknown job is unknown at once.)
    await using service = await Coordinator.serve({ token: "right", log: (m) => logs.push(m), registrationGraceMs: 0 });
    await assert.rejects(TaskManager.join({ coordinator: addr(service.address!), token: "wrong" }), CoordinatorUnauthorizedError);
    assert.equal(logs.length, 1);
    assert.match(logs[0], /wrong token/);
    await using open = new CoordinatorClient(service.address!);
    await assert.rejects(open.requestKvStateLocation(JobID.random(), "x"), (e: Error) => (e as { code?: string }).code === "UNKNOWN_JOB");
  });

  test("a registry made for the service is closed with it; serve() refuses etcd and locations together", async () => {
    let closed = 0;
    const oracle = new Coordinator();
    const registry = Object.assign(Object.create(oracle), { requestKvStateLocation: oracle.requestKvStateLocation.bind(oracle), close: () => {
      closed++;
      return Promise.resolve();
    } });
    const kept = new CoordinatorService(new Coordinator(), { locations: registry });
    await kept.start();
    await kept.close();
    assert.equal(closed, 0, "not closed unless closeLocations is set");
    const owned = new CoordinatorService(new Coordinator(), { locations: registry, closeLocations: true });
    await owned.start();
    await owned.close();
    await owned.close();
    assert.equal(closed, 1, "closed once, after the service");
    await assert.rejects(Coordinator.serve({ etcd: "http://127.0.0.1:1", locations: oracle }), (e: Error) => (e as { code?: string }).code === "INVALID_ARGUMENT");
  });

  test("its frames carry their own version: a Flink port refuses them and it refuses Flink's", async () => {
    await using service = await Coordinator.serve();
    await using flinkServer = await startFixtureServer();
    const flinkClient = new Client("flink-like", KvStateResponse.decode, { requestTimeoutMs: 5000 });
    // The refusal comes back in the other protocol's version: the client names that mismatch.
    await assert.rejects(flinkClient.sendRequest(service.address!, keyRequest(1)), (e: unknown) => e instanceof VersionMismatchError && e.code === "VERSION_MISMATCH");
    await flinkClient.close();
    const ours = new Client("coordinator-like", CoordinatorResponse.decode, { requestTimeoutMs: 5000, protocolVersion: COORDINATOR_PROTOCOL_VERSION });
    await assert.rejects(ours.sendRequest(flinkServer.address!, new CoordinatorRequest(CoordinatorOp.HEARTBEAT, { tm: "x" })), VersionMismatchError);
    const known = await ours.sendRequest(service.address!, new CoordinatorRequest(CoordinatorOp.HEARTBEAT, { tm: "x" }));
    assert.deepEqual([known.ok, known.value.known], [true, false]);
    await ours.close();
  });

  test("a task manager that stops heartbeating loses its registrations", async () => {
    const logs: string[] = [];
    const clock = new FakeClock();
    await using service = await Coordinator.serve({ heartbeatTimeoutMs: 300, log: (m) => logs.push(m), clock });
    await using ghost = new CoordinatorClient(service.address!);
    const jobId = JobID.random();
    await ghost.registerJob("ghost", jobId, new Map([["v", 4]]));
    await ghost.registerState("ghost", jobId, "v", new KeyGroupRange(0, 3), "s", KvStateID.random(), { hostname: "127.0.0.1", port: 1 });
    assert.equal((await ghost.requestKvStateLocation(jobId, "s")).numRegisteredKeyGroups, 4);
    await clock.tick(250);
    assert.equal(await ghost.heartbeat("ghost"), true, "a heartbeat within the timeout keeps it");
    await clock.tick(300);
    assert.equal((await ghost.requestKvStateLocation(jobId, "s")).numRegisteredKeyGroups, 4, "kept for heartbeatTimeoutMs after the last heartbeat");
    assert.deepEqual(logs, []);
    await clock.tick(100); // past the timeout, and one expiry check (every timeout / 4) later
    await assert.rejects(ghost.requestKvStateLocation(jobId, "s"), UnknownStateNameError);
    assert.ok(logs.some((l) => /ghost sent no heartbeat for 300 ms/.test(l)), logs.join("\n"));
  });

  test("after a coordinator restart the task managers register everything again", async () => {
    let service = await Coordinator.serve({ heartbeatTimeoutMs: 5000 });
    const port = service.address!.port;
    const jobId = JobID.random();
    const tm = await TaskManager.join({ coordinator: `127.0.0.1:${port}`, heartbeatIntervalMs: 100, log: () => {} });
    try {
      await tm.serve(job(0, 1), { jobId, subtask: 0, parallelism: 1, maxParallelism: MAX_PARALLELISM }).ready;
      await service.close();
      service = await Coordinator.serve({ port, heartbeatTimeoutMs: 5000 });
      await using lookup = new CoordinatorClient(service.address!);
      const location = await eventually("re-registration", () => lookup.requestKvStateLocation(jobId, "counts"));
      assert.equal(location.numRegisteredKeyGroups, MAX_PARALLELISM);
    } finally {
      await tm.close({ timeoutMs: 200 });
      await service.close();
    }
  });

  test("a state name clash fails that job", async () => {
    await using service = await Coordinator.serve();
    const coordinator = addr(service.address!);
    const jobId = JobID.random();
    await using a = await TaskManager.join({ coordinator });
    await using b = await TaskManager.join({ coordinator });
    await a.serve(job(0, 2, "one"), { jobId, subtask: 0, parallelism: 2, maxParallelism: MAX_PARALLELISM }).ready;
    const clash = b.serve(job(1, 2, "two"), { jobId, subtask: 1, parallelism: 2, maxParallelism: MAX_PARALLELISM });
    await assert.rejects(clash.result, (e: Error) => (e as { code?: string }).code === "STATE_NAME_CLASH");
    assert.equal(clash.status, "FAILED");
  });
});
