// `qstate states` (and CoordinatorClient.listStates under it): the jobs a coordinator knows and the
// queryable states each registered, as text and JSON; and a task manager reports its advertised proxy.
import assert from "node:assert/strict";
import process from "node:process";
import { describe, test } from "node:test";
import { Coordinator, CoordinatorClient, JobID, KeyGroupRange, KvStateID, TaskManager, UnknownJobError } from "../../mod.ts";
import { run, runtime } from "../helpers/cli.ts";

describe(`qstate states on ${runtime}`, () => {
  test("lists every job's states with how many key groups are served; one job; unknown and malformed jobs", async () => {
    await using service = await Coordinator.serve();
    const at = `${service.address!.hostname}:${service.address!.port}`;
    await using tm = new CoordinatorClient(service.address!);
    const job = JobID.random(), idle = JobID.random();
    await tm.registerJob("tm-1", job, new Map([["op-a", 128], ["op-b", 4]]));
    await tm.registerJob("tm-1", idle, new Map([["op-c", 8]]));
    const server = { hostname: "127.0.0.1", port: 1 };
    await tm.registerState("tm-1", job, "op-a", new KeyGroupRange(0, 63), "clicks", KvStateID.random(), server);
    await tm.registerState("tm-1", job, "op-a", new KeyGroupRange(64, 127), "clicks", KvStateID.random(), server);
    await tm.registerState("tm-1", job, "op-b", new KeyGroupRange(0, 1), "by-type", KvStateID.random(), server);

    // The library call under the command.
    const listed = await tm.listStates(job);
    assert.deepEqual(listed, [{
      jobId: job.toString(),
      states: [
        { name: "by-type", vertex: "op-b", numKeyGroups: 4, registeredKeyGroups: 2 },
        { name: "clicks", vertex: "op-a", numKeyGroups: 128, registeredKeyGroups: 128 },
      ],
    }]);
    await assert.rejects(tm.listStates(JobID.random()), UnknownJobError);

    const all = await run(["states", "--coordinator", at, "--json"]);
    assert.equal(all.code, 0, all.stderr);
    const jobs = JSON.parse(all.stdout) as { jobId: string; states: { name: string }[] }[];
    assert.deepEqual(jobs.map((j) => j.jobId).sort(), [job.toString(), idle.toString()].sort());
    assert.deepEqual(jobs.find((j) => j.jobId === idle.toString())!.states, []);

    const text = await run(["states", "--coordinator", at, "--job", job.toString()]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(
      text.stdout,
      `job ${job}: 2 queryable state(s)\n` +
        `  by-type  2 of 4 key groups served (operator op-b)\n` +
        `  clicks   all 128 key groups served (operator op-a)\n`,
    );

    const unknown = await run(["states", "--coordinator", at, "--job", JobID.random().toString()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^qstate: UNKNOWN_JOB: /);
    const malformed = await run(["states", "--coordinator", at, "--job", "xyz", "--json"]);
    assert.equal(malformed.code, 2);
    assert.equal(JSON.parse(malformed.stdout).error.code, "INVALID_ARGUMENT");
    const neither = await run(["states"], { ...process.env, QSTATE_COORDINATOR: "", QSTATE_ETCD: "" });
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /give --coordinator HOST:PORT or --etcd URL/);
  });

  test("a task manager bound to every interface reports its proxy and server at the advertised host", async () => {
    await using service = await Coordinator.serve();
    await using tm = await TaskManager.join({ coordinator: `127.0.0.1:${service.address!.port}`, host: "0.0.0.0", advertisedHost: "127.0.0.1" });
    assert.equal(tm.proxyAddress.hostname, "127.0.0.1");
    assert.equal(tm.serverAddress.hostname, "127.0.0.1");
    assert.equal(tm.proxyAddress.port, tm.proxy.address!.port);
    assert.equal(tm.proxy.address!.hostname, "0.0.0.0"); // where it is bound
  });
});

describe("qstate demo's table", () => {
  test("a key the job has not seen yet reads as no events, other failures by their code", async () => {
    const { failureCell } = await import("../../src/cli/local.ts");
    const { ConnectionClosedError, UnknownKeyOrNamespaceError } = await import("../../mod.ts");
    const missing = new UnknownKeyOrNamespaceError({ className: UnknownKeyOrNamespaceError.javaClassName, message: "No state for the specified key/namespace." });
    assert.equal(failureCell(missing), "(no events yet)");
    assert.equal(failureCell(new ConnectionClosedError("gone")), "CONNECTION_CLOSED");
  });
});
