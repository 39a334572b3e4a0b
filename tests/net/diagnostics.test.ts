import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type DiagnosticEvent, JobID, KvStateClientProxy, Coordinator, computeKeyGroupRangeForOperatorIndex, serializeKeyAndNamespace, intSerializer, VoidNamespace, voidNamespaceSerializer, KvStateID } from "../../mod.ts";
import { KvStateRequest, KvStateResponse } from "../../protocol.ts";
import { Client } from "../../src/net/client.ts";
import { keyRequest, startFixtureServer, valueOf } from "../helpers/fixture.ts";

describe("diagnostics hooks", () => {
  test("a client reports connected, disconnected, reconnect and connect-failed; a throwing hook changes nothing", async () => {
    const events: DiagnosticEvent[] = [];
    const client = new Client("Test Client", KvStateResponse.decode, {
      requestTimeoutMs: 5000,
      diagnostics: (e) => {
        events.push(e);
        throw new Error("a faulty hook");
      },
    });
    try {
      let server = await startFixtureServer(10);
      const address = server.address!;
      assert.equal(valueOf(await client.sendRequest(address, keyRequest(1))), "value-1");
      await server.close();
      await assert.rejects(client.sendRequest(address, keyRequest(1)));
      server = await startFixtureServer(10, { port: address.port });
      assert.equal(valueOf(await client.sendRequest(address, keyRequest(2))), "value-2");
      await server.close();
      const types = events.map((e) => e.type);
      assert.equal(types[0], "connected");
      assert.ok(types.includes("disconnected"), types.join());
      assert.ok(types.includes("connect-failed"), types.join());
      const connects = events.filter((e) => e.type === "connected") as Extract<DiagnosticEvent, { type: "connected" }>[];
      assert.deepEqual(connects.map((e) => e.reconnect), [false, true]);
      assert.ok(events.every((e) => e.component === "Test Client"));
    } finally {
      await client.close();
    }
  });

  test("a proxy reports its retries (with attempt and delay)", async () => {
    const events: DiagnosticEvent[] = [];
    const coordinator = new Coordinator();
    const job = JobID.random();
    coordinator.registerJob(job, new Map([["op", 128]]));
    // The location names a server that does not exist: every attempt fails and is retried.
    coordinator.notifyKvStateRegistered(job, "op", computeKeyGroupRangeForOperatorIndex(128, 1, 0), "s", new KvStateID(1n, 1n), { hostname: "127.0.0.1", port: 1 });
    const proxy = new KvStateClientProxy({ oracle: coordinator, maxAttempts: 3, retryInitialDelayMs: 1, diagnostics: (e) => events.push(e) });
    const addr = await proxy.start();
    const client = new Client("Test Client", KvStateResponse.decode, { requestTimeoutMs: 5000 });
    try {
      const keyNs = serializeKeyAndNamespace(1, intSerializer, VoidNamespace, voidNamespaceSerializer);
      await assert.rejects(client.sendRequest(addr, new KvStateRequest(job, "s", intSerializer.hashCode(1), keyNs)));
      const retries = events.filter((e) => e.type === "retry") as Extract<DiagnosticEvent, { type: "retry" }>[];
      assert.deepEqual(retries.map((r) => r.attempt), [1, 2]);
      assert.ok(retries.every((r) => r.stateName === "s" && r.delayMs > 0));
      assert.ok(events.some((e) => e.type === "connect-failed"), "the proxy's own client reports too");
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});
