import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { ClientClosedError, ConnectError, defaultTransport, KvStateServer, RequestAbortedError, RequestTimeoutError, ServerFailureError, type Listener, ProtocolError, detectRuntime } from "../../mod.ts";
import { encodeResponseFrame, FrameDecoder, type Frame, KvStateResponse, encodeServerFailureFrame, PROTOCOL_VERSION } from "../../protocol.ts";
import { eventually } from "../helpers/eventually.ts";
import { FakeClock, settlesAt } from "../helpers/fake-clock.ts";
import { keyRequest, newClient, startFixtureServer, valueOf } from "../helpers/fixture.ts";

/** A scripted server: `onFrame` decides what to write back for each request frame. */
async function scriptedServer(onFrame: (f: Frame, write: (b: Uint8Array) => void, close: () => void) => void): Promise<Listener> {
  const t = await defaultTransport();
  return t.listen({
    hostname: "127.0.0.1",
    port: 0,
    onConnection(conn) {
      const d = new FrameDecoder();
      conn.onData((chunk) => {
        d.push(chunk);
        for (let f = d.next(); f; f = d.next()) onFrame(f, (b) => conn.write(b), () => conn.abort());
      });
    },
  });
}

describe("Client", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test("requests made while connecting wait and go out in order, with ids from 0", async () => {
    const seen: bigint[] = [];
    const listener = await scriptedServer((f, write) => {
      seen.push(f.requestId);
      write(encodeResponseFrame(f.requestId, new KvStateResponse(new Uint8Array([Number(f.requestId)]))));
    });
    const client = newClient();
    cleanup.push(() => client.close(), () => listener.close());
    const answers = await Promise.all([0, 1, 2, 3, 4].map(() => client.sendRequest(listener.addr, keyRequest(0))));
    assert.deepEqual(answers.map((a) => a.content[0]), [0, 1, 2, 3, 4]);
    assert.deepEqual(seen, [0n, 1n, 2n, 3n, 4n]);
  });

  test("answers out of order each complete their own request", async () => {
    const held: [bigint, (b: Uint8Array) => void][] = [];
    const listener = await scriptedServer((f, write) => {
      held.push([f.requestId, write]);
      if (held.length === 50) {
        for (const [id, w] of held.reverse()) w(encodeResponseFrame(id, new KvStateResponse(new TextEncoder().encode(`answer-${id}`))));
      }
    });
    const client = newClient();
    cleanup.push(() => client.close(), () => listener.close());
    const answers = await Promise.all(Array.from({ length: 50 }, () => client.sendRequest(listener.addr, keyRequest(0))));
    answers.forEach((a, i) => assert.equal(new TextDecoder().decode(a.content), `answer-${i}`));
  });

  test("thousands in flight, some abandoned, answered shuffled: each answer reaches its own request only", async () => {
    const held: [bigint, (b: Uint8Array) => void][] = [];
    const total = 3000;
    const listener = await scriptedServer((f, write) => {
      if (f.requestId === 0n) return write(encodeResponseFrame(0n, new KvStateResponse(new Uint8Array(0)))); // connects
      held.push([f.requestId, write]);
      if (held.length === total) {
        // A fixed shuffle (no randomness: the test replays), then every answer, abandoned ones included.
        for (let i = held.length - 1; i > 0; i--) {
          const j = (i * 7919) % (i + 1);
          [held[i], held[j]] = [held[j], held[i]];
        }
        for (const [id, w] of held) w(encodeResponseFrame(id, new KvStateResponse(new TextEncoder().encode(`answer-${id}`))));
      }
    });
    const client = newClient();
    cleanup.push(() => client.close(), () => listener.close());
    await client.sendRequest(listener.addr, keyRequest(0));
    const controllers = Array.from({ length: total }, () => new AbortController());
    const results = Array.from({ length: total }, (_, i) => client.sendRequest(listener.addr, keyRequest(0), { signal: controllers[i].signal }));
    // Every 7th is abandoned once written (all went out on the open connection): its answer still comes, late.
    for (let i = 0; i < total; i += 7) controllers[i].abort();
    const settled = await Promise.allSettled(results);
    settled.forEach((r, i) => {
      if (i % 7 === 0) assert.ok(r.status === "rejected" && r.reason instanceof RequestAbortedError, `request ${i} was aborted`);
      else assert.equal(r.status === "fulfilled" && new TextDecoder().decode(r.value.content), `answer-${i + 1}`);
    });
    const stats = client.stats();
    assert.equal(stats.successful, 1 + total - Math.ceil(total / 7));
    assert.equal(stats.failed, Math.ceil(total / 7));
  });

  test("latency statistics cover the whole wait for an answer (one clock read per batch, not per request)", async () => {
    const listener = await scriptedServer((f, write) => {
      setTimeout(() => write(encodeResponseFrame(f.requestId, new KvStateResponse(new Uint8Array([1])))), 30);
    });
    const client = newClient();
    cleanup.push(() => client.close(), () => listener.close());
    await client.sendRequest(listener.addr, keyRequest(0)); // connected
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 20 }, () => client.sendRequest(listener.addr, keyRequest(0))));
    const waited = performance.now() - t0;
    const s = client.stats();
    assert.equal(s.successful, 21);
    // Each answer came at least 30 ms after its request was written, and no later than the caller saw it.
    assert.ok(s.maxLatencyMs >= 30 && s.maxLatencyMs <= waited + 30, `max ${s.maxLatencyMs} ms, waited ${waited} ms`);
    assert.ok(s.successfulLatencyMs >= 21 * 30, `sum ${s.successfulLatencyMs} ms`);
    assert.ok(s.p50LatencyMs >= 20, `p50 ${s.p50LatencyMs} ms`);
  });

  test("timeout and abort fail only their request; the late answer is dropped, never given to another", async () => {
    const writers = new Map<bigint, () => void>();
    const listener = await scriptedServer((f, write) => {
      const reply = () => write(encodeResponseFrame(f.requestId, new KvStateResponse(new Uint8Array([Number(f.requestId)]))));
      if (f.requestId === 2n) reply();
      else writers.set(f.requestId, reply);
    });
    const clock = new FakeClock();
    const client = newClient({ clock });
    cleanup.push(() => client.close(), () => listener.close());
    const timedOut = client.sendRequest(listener.addr, keyRequest(0), { timeoutMs: 50 });
    const ac = new AbortController();
    const aborted = client.sendRequest(listener.addr, keyRequest(0), { signal: ac.signal });
    // Both on the wire (ids 0 and 1), so their answers can come late.
    await eventually("both requests at the server", () => assert.equal(writers.size, 2));
    await assert.rejects(settlesAt(clock, 50, timedOut, "the request"), (e: unknown) => e instanceof RequestTimeoutError && e.code === "TIMEOUT" && e.timeoutMs === 50);
    ac.abort(new Error("user gave up"));
    await assert.rejects(aborted, (e: unknown) => e instanceof RequestAbortedError && e.code === "REQUEST_ABORTED");
    const third = await client.sendRequest(listener.addr, keyRequest(0));
    assert.equal(third.content[0], 2);
    for (const w of writers.values()) w(); // late answers for ids 0 and 1
    const fourth = client.sendRequest(listener.addr, keyRequest(0));
    // The late answers went out before request 3 arrived, on the same connection: they reach the client first.
    await eventually("request 3 at the server", () => assert.equal(writers.has(3n), true));
    writers.get(3n)!();
    assert.equal((await fourth).content[0], 3, "the late answers were not handed to request 3");
    await assert.rejects(client.sendRequest(listener.addr, keyRequest(0), { signal: AbortSignal.abort() }), RequestAbortedError);
  });

  test("a refused connection fails queued requests naming the address; the next request tries again", async () => {
    const server = await startFixtureServer(5);
    const addr = server.address!;
    await server.close();
    const client = newClient();
    cleanup.push(() => client.close());
    const results = await Promise.allSettled([client.sendRequest(addr, keyRequest(1)), client.sendRequest(addr, keyRequest(2))]);
    for (const r of results) {
      assert.equal(r.status, "rejected");
      const e = (r as PromiseRejectedResult).reason;
      assert.ok(e instanceof ConnectError);
      assert.equal(e.code, "CONNECT_FAILED");
      assert.ok(e.message.includes(`127.0.0.1:${addr.port}`));
    }
    const again = await startFixtureServer(5, { port: addr.port });
    cleanup.push(() => again.close());
    assert.equal(valueOf(await client.sendRequest(addr, keyRequest(3))), "value-3");
  });

  test("SERVER_FAILURE fails every pending request on that connection with the cause", async () => {
    let count = 0;
    const listener = await scriptedServer((_f, write) => {
      if (++count === 3) write(encodeServerFailureFrame({ className: "java.lang.RuntimeException", message: "server broke" }));
    });
    const client = newClient();
    cleanup.push(() => client.close(), () => listener.close());
    const results = await Promise.allSettled([0, 1, 2].map(() => client.sendRequest(listener.addr, keyRequest(0))));
    for (const r of results) {
      const e = (r as PromiseRejectedResult).reason;
      assert.ok(e instanceof ServerFailureError, String(e));
      assert.ok(e.message.includes("server broke"));
    }
    assert.equal(client.stats().failed, 3);
  });

  test("close() fails pending requests, is idempotent, and later requests are refused", async () => {
    const server = new KvStateServer();
    const hang = server.registry.register({ getSerializedValue: () => new Promise(() => {}) });
    await server.start();
    cleanup.push(() => server.close({ timeoutMs: 50 }));
    const client = newClient();
    const p = client.sendRequest(server.address!, keyRequest(1, hang));
    await eventually("the request at the server", () => assert.equal(server.stats().requests, 1));
    await client.close();
    await client.close();
    await assert.rejects(p, (e: unknown) => e instanceof ClientClosedError && e.code === "CLIENT_CLOSED");
    await assert.rejects(client.sendRequest(server.address!, keyRequest(1)), ClientClosedError);
    assert.equal(client.connectionCount, 0);
  });

  test("many small requests under load still each resolve (batched writes)", async () => {
    const server = await startFixtureServer(50);
    const client = newClient();
    cleanup.push(() => client.close(), () => server.close());
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(Array.from({ length: 2000 }, (_, i) => client.sendRequest(server.address!, keyRequest(i % 50))));
      answers.forEach((a, i) => assert.equal(valueOf(a), `value-${i % 50}`));
    }
  });
});

describe("FrameSink", () => {
  test("a write to a connection that closed under it drops the rest instead of throwing", async () => {
    const { FrameSink } = await import("../../src/net/frame-sink.ts");
    let writes = 0;
    const conn = {
      write(): boolean {
        writes++;
        throw new Error("closed");
      },
      waitForDrain: () => Promise.resolve(),
    } as unknown as ConstructorParameters<typeof FrameSink>[0];
    const sink = new FrameSink(conn);
    sink.writer.writeInt32(1);
    sink.commit();
    sink.appendView(new Uint8Array(100_000));
    await sink.drained(); // flushes now instead of at the end of the microtask turn
    assert.equal(writes, 1);
    assert.equal(sink.pendingBytes, 0);
  });

  test("the client's own protocol errors carry their documented codes, not SERVER_FAILURE", async () => {
    const frame = (version: number, type: number, extra = 8) => {
      const b = new Uint8Array(4 + 4 + 4 + 8 + extra);
      const v = new DataView(b.buffer);
      v.setInt32(0, b.length - 4);
      v.setInt32(4, version);
      v.setInt32(8, type);
      return b;
    };
    const cases: [string, Uint8Array, number?][] = [
      ["VERSION_MISMATCH", frame(0x12345678, 1)],
      ["UNKNOWN_MESSAGE_TYPE", frame(PROTOCOL_VERSION, 9)],
      ["INVALID_FRAME", new Uint8Array([0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0])],
      ["INVALID_FRAME", frame(PROTOCOL_VERSION, 0)], // a REQUEST sent to a client
      ["FRAME_TOO_LARGE", new Uint8Array([0x00, 0x10, 0x00, 0x00, 0, 0, 0, 0]), 1024],
    ];
    for (const [code, bytes, maxFrameLength] of cases) {
      const listener = await scriptedServer((_f, write) => write(bytes));
      const client = newClient(maxFrameLength ? { maxFrameLength } : {});
      try {
        await assert.rejects(client.sendRequest(listener.addr, keyRequest(0)), (e: unknown) => {
          assert.ok(e instanceof ProtocolError, `${code}: ${String(e)}`);
          assert.equal((e as ProtocolError).code, code);
          return true;
        });
      } finally {
        await client.close();
        await listener.close();
      }
    }
  });

  test("one AbortSignal shared by many requests: one listener (no MaxListenersExceededWarning), all abort", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    let received = 0;
    const listener = await scriptedServer(() => received++); // never answers
    const client = newClient({ requestTimeoutMs: 10_000 });
    try {
      const controller = new AbortController();
      const all = Array.from({ length: 25 }, () => client.sendRequest(listener.addr, keyRequest(0), { signal: controller.signal }));
      // All on the wire (and any warning about listeners emitted meanwhile) before aborting.
      await eventually("all requests at the server", () => assert.equal(received, 25));
      controller.abort(new Error("enough"));
      const results = await Promise.allSettled(all);
      assert.ok(results.every((r) => r.status === "rejected" && (r.reason as { code?: string }).code === "REQUEST_ABORTED"));
      assert.deepEqual(warnings.filter((w) => w === "MaxListenersExceededWarning"), []);
    } finally {
      process.off("warning", onWarning);
      await client.close();
      await listener.close();
    }
  });

  test("a client nobody closes does not keep the process alive after its last request", () => {
    const runtime = detectRuntime();
    const script = fileURLToPath(new URL("../fixtures/unclosed-client.ts", import.meta.url));
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const [cmd, args] = runtime === "deno"
      ? [`${root}node_modules/.bin/deno`, ["run", "-A", "--no-check", script]]
      : runtime === "bun"
      ? [`${root}node_modules/.bin/bun`, [script]]
      : [process.execPath, ["--import", "tsx", script]];
    // The client's request timeout is 60 s: if its timer held the process, this would time out.
    const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", timeout: 30_000 });
    assert.equal(r.error, undefined, "the process did not exit by itself");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "answered 1 byte\n");
  });
});
