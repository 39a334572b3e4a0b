// Regressions from hostile testing (issue 11): resets right after accept, answers before a bad frame,
// the client's own protocol verdicts, timers and shared abort signals.
import assert from "node:assert/strict";
import * as net from "node:net";
import { after, describe, test } from "node:test";
import { Coordinator, defaultTransport, JobID, KvStateClientProxy, type Listener, QueryableStateError } from "../../mod.ts";
import { Client, encodeRequestFrame, FrameDecoder, KvStateRequest, KvStateResponse, MessageType } from "../../protocol.ts";
import { Deadlines } from "../../src/net/deadlines.ts";
import { requestFailureThrowable } from "../../src/net/failures.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { keyRequest, newClient, startFixtureServer, valueOf } from "../helpers/fixture.ts";

/** Opens a raw socket, writes `bytes`, and reports every frame type received until the server closes. */
function rawExchange(port: number, bytes: Uint8Array): Promise<number[]> {
  return new Promise((resolve) => {
    const d = new FrameDecoder();
    const types: number[] = [];
    const s = net.connect({ host: "127.0.0.1", port }, () => s.write(bytes));
    s.on("data", (b: Buffer) => {
      d.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      for (let f = d.next(); f; f = d.next()) types.push(f.type);
    });
    const done = () => {
      s.destroy();
      resolve(types);
    };
    s.on("end", done);
    s.on("error", done);
    s.on("close", done);
  });
}

/** Connects and resets at once: RST where the runtime can send one (Bun's terminate, Node's resetAndDestroy). */
async function connectAndReset(port: number, native: boolean): Promise<void> {
  if (native) {
    const t = await defaultTransport();
    const c = await t.connect({ hostname: "127.0.0.1", port }).catch(() => undefined);
    c?.abort();
    await c?.closed;
    return;
  }
  await new Promise<void>((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      const r = s as net.Socket & { resetAndDestroy?: () => void };
      if (typeof r.resetAndDestroy === "function") r.resetAndDestroy();
      else s.destroy();
      resolve();
    });
    s.on("error", () => resolve());
  });
}

/** A listener that writes `bytes` to every connection once it got a first chunk. */
async function hostileServer(bytes: Uint8Array | ((c: import("../../mod.ts").Conn) => void)): Promise<Listener> {
  const t = await defaultTransport();
  return t.listen({
    hostname: "127.0.0.1",
    port: 0,
    onConnection(conn) {
      conn.onData(() => {
        if (typeof bytes === "function") bytes(conn);
        else conn.write(bytes);
      }, () => {});
    },
  });
}

function frame(type: number, body: Uint8Array, version = 0x79a1b710, length?: number): Uint8Array {
  const b = new Uint8Array(4 + 8 + body.length);
  const v = new DataView(b.buffer);
  v.setInt32(0, length ?? 8 + body.length);
  v.setInt32(4, version);
  v.setInt32(8, type);
  b.set(body, 12);
  return b;
}

describe("hardening", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test("a flood of connections reset right after accept leaves the server serving", async () => {
    const server = await startFixtureServer(10);
    const client = newClient();
    cleanup.push(() => client.close(), () => server.close({ timeoutMs: 100 }));
    const port = server.address!.port;
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 30 }, (_, i) => connectAndReset(port, i % 2 === 0)));
    }
    const res = await client.sendRequest(server.address!, keyRequest(3), { timeoutMs: 30_000 });
    assert.equal(valueOf(res), "value-3");
  });

  test("a server that resets at once fails the client's request with CONNECTION_CLOSED, nothing uncaught", async () => {
    const listener = await hostileServer((c) => c.abort());
    const t = await defaultTransport();
    const raw = await t.listen({ hostname: "127.0.0.1", port: 0, onConnection: (c) => c.abort() });
    cleanup.push(() => listener.close(), () => raw.close());
    for (const l of [listener, raw]) {
      const client = newClient();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => client.sendRequest(l.addr, keyRequest(1), { timeoutMs: 30_000 })),
      );
      await client.close();
      for (const r of results) {
        assert.equal(r.status, "rejected");
        assert.ok(["CONNECTION_CLOSED", "CONNECT_FAILED"].includes((r as PromiseRejectedResult).reason.code));
      }
    }
  });

  test("answers to requests before a wrong-version frame all arrive, then SERVER_FAILURE, and the connection stays (as Flink's)", async () => {
    const server = await startFixtureServer(10);
    cleanup.push(() => server.close({ timeoutMs: 100 }));
    const N = 4000;
    const one = encodeRequestFrame(0n, keyRequest(1));
    const all = new Uint8Array(one.length * N + 12 + 8);
    for (let i = 0; i < N; i++) {
      const f = encodeRequestFrame(BigInt(i), keyRequest(i % 10));
      all.set(f, i * one.length);
    }
    all.set(frame(MessageType.REQUEST, new Uint8Array(8), 0x12345678), one.length * N);
    const got = await new Promise<{ answers: number; failure: boolean; closedByServer: boolean }>((resolve, reject) => {
      const d = new FrameDecoder();
      let answers = 0;
      let failure = false;
      const s = net.connect({ host: "127.0.0.1", port: server.address!.port }, () => s.write(all));
      s.on("data", (b: Buffer) => {
        d.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        for (let f = d.next(); f; f = d.next()) {
          if (f.type === MessageType.REQUEST_RESULT) answers++;
          else if (f.type === MessageType.SERVER_FAILURE) failure = true;
        }
        if (answers === N && failure) {
          s.destroy();
          resolve({ answers, failure, closedByServer: false });
        }
      });
      s.on("end", () => {
        s.destroy();
        resolve({ answers, failure, closedByServer: true });
      });
      s.on("error", reject);
    });
    assert.deepEqual(got, { answers: N, failure: true, closedByServer: false });
  });

  test("the client labels its own protocol verdicts with their documented codes", async () => {
    const cases: [string, Uint8Array, number][] = [
      ["FRAME_TOO_LARGE", frame(MessageType.REQUEST_RESULT, new Uint8Array(0), undefined, 1 << 20), 1024],
      ["VERSION_MISMATCH", frame(MessageType.REQUEST_RESULT, new Uint8Array(12), 7), 1024],
      ["UNKNOWN_MESSAGE_TYPE", frame(9, new Uint8Array(12)), 1024],
      ["INVALID_FRAME", frame(MessageType.REQUEST_RESULT, new Uint8Array(0), undefined, 3), 1024],
    ];
    for (const [code, bytes, maxFrameLength] of cases) {
      const listener = await hostileServer(bytes);
      const client = newClient({ maxFrameLength });
      const err = await client.sendRequest(listener.addr, keyRequest(1), { timeoutMs: 30_000 }).then(
        () => assert.fail("resolved"),
        (e) => e,
      );
      await client.close();
      await listener.close();
      assert.equal(err.code, code, `${code}: got ${err.code} (${err.message})`);
    }
  });

  test("a frame that stalls half-way is cut after frameTimeoutMs with SERVER_FAILURE; others keep being served", async () => {
    const clock = new FakeClock();
    const server = await startFixtureServer(10, { frameTimeoutMs: 300, clock });
    const client = newClient();
    cleanup.push(() => server.close({ timeoutMs: 100 }), () => client.close());
    const header = frame(MessageType.REQUEST, new Uint8Array(100), undefined, 60 * 1024 * 1024);
    const exchange = rawExchange(server.address!.port, header);
    await clock.armed(300, "the frame timer");
    await clock.tick(299);
    assert.equal(server.connectionStats().timedOutConnections, 0, "not cut before frameTimeoutMs");
    await clock.tick(1);
    const types = await exchange;
    assert.deepEqual(types, [MessageType.SERVER_FAILURE]);
    assert.equal(server.connectionStats().timedOutConnections, 1);
    assert.equal(valueOf(await client.sendRequest(server.address!, keyRequest(2), { timeoutMs: 30_000 })), "value-2");
  });

  test("a split frame's buffer grows with the bytes received, not from the announced length", () => {
    const d = new FrameDecoder();
    d.push(frame(MessageType.REQUEST, new Uint8Array(100), undefined, 60 * 1024 * 1024));
    assert.equal(d.next(), undefined);
    assert.ok(d.retainedBytes <= 64 * 1024, `retains ${d.retainedBytes} bytes`);
    // And a large split frame still comes out whole and intact.
    const big = new Uint8Array(300_000).map((_, i) => i & 0xff);
    const whole = frame(MessageType.REQUEST, big);
    const d2 = new FrameDecoder();
    for (let at = 0; at < whole.length; at += 7001) d2.push(whole.slice(at, at + 7001));
    const f = d2.next()!;
    assert.deepEqual(f.body, big.subarray(8));
  });

  test("a split frame of up to 128 KiB gets its whole buffer at once and comes out intact", () => {
    const value = new Uint8Array(65_536 + 16).map((_, i) => (i * 7) & 0xff);
    const whole = frame(MessageType.REQUEST_RESULT, value);
    const d = new FrameDecoder();
    d.push(whole.slice(0, 100));
    assert.equal(d.next(), undefined);
    assert.equal(d.retainedBytes, whole.length - 4, "one buffer of the frame's length");
    d.push(whole.slice(100, 40_000));
    assert.equal(d.next(), undefined);
    d.push(whole.slice(40_000));
    assert.deepEqual(d.next()!.body, value.subarray(8));
    assert.equal(d.next(), undefined);
    assert.equal(d.bufferedBytes, 0);
  });

  test("connections beyond maxConnections are closed at once and counted; the others are served", async () => {
    const server = await startFixtureServer(10, { maxConnections: 2 });
    cleanup.push(() => server.close({ timeoutMs: 100 }));
    const a = newClient(), b = newClient();
    cleanup.push(() => a.close(), () => b.close());
    assert.equal(valueOf(await a.sendRequest(server.address!, keyRequest(1), { timeoutMs: 30_000 })), "value-1");
    assert.equal(valueOf(await b.sendRequest(server.address!, keyRequest(2), { timeoutMs: 30_000 })), "value-2");
    const types = await rawExchange(server.address!.port, encodeRequestFrame(0n, keyRequest(3)));
    assert.deepEqual(types, [MessageType.SERVER_FAILURE]); // the reason, then the close
    assert.equal(server.connectionStats().refusedConnections, 1);
    // A client sees that reason, not a bare "connection reset".
    const c = newClient();
    cleanup.push(() => c.close());
    await assert.rejects(c.sendRequest(server.address!, keyRequest(5), { timeoutMs: 30_000 }), (e: unknown) => {
      assert.ok(e instanceof QueryableStateError, String(e));
      assert.match(e.message, /Too many connections: 2 are open \(maxConnections\)\. Retry later/);
      return true;
    });
    assert.equal(server.connectionStats().refusedConnections, 2);
    assert.equal(valueOf(await a.sendRequest(server.address!, keyRequest(4), { timeoutMs: 30_000 })), "value-4");
  });

  test("a huge state name is refused by the proxy with BAD_REQUEST, and failure texts are bounded", async () => {
    const proxy = new KvStateClientProxy({ oracle: new Coordinator() });
    await proxy.start();
    const client = new Client("Test Client", KvStateResponse.decode);
    cleanup.push(() => client.close(), () => proxy.close({ timeoutMs: 100 }));
    const name = "n".repeat(1024 * 1024);
    const err = await client.sendRequest(proxy.address!, new KvStateRequest(JobID.random(), name, 0, new Uint8Array(4)), { timeoutMs: 30_000 })
      .then(() => assert.fail("resolved"), (e) => e);
    assert.equal(err.code, "BAD_REQUEST");
    assert.ok(err.message.length < 2000, `message of ${err.message.length} characters`);
    const t = requestFailureThrowable(1n, new Error(name));
    assert.ok(t.message!.length < 20_000, `${t.message!.length} characters`);
    assert.match(t.message!, /characters left out/);
  });

  test("no deadline timer stays armed once no request waits", () => {
    const d = new Deadlines<{ deadlineAt?: number; heapIndex?: number }>(() => {});
    const a = {}, b = {};
    d.add(a, 10_000);
    d.add(b, 20_000);
    assert.equal(d.armed, true);
    d.remove(a);
    assert.equal(d.armed, true);
    d.remove(b);
    assert.equal(d.armed, false);
  });

  test("one AbortSignal shared by many queries adds one listener and aborts them all", async () => {
    const listener = await hostileServer(() => {}); // never answers
    const client = newClient();
    cleanup.push(() => client.close(), () => listener.close());
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const ac = new AbortController();
    let added = 0;
    const add = ac.signal.addEventListener.bind(ac.signal);
    ac.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      return add(...args);
    }) as typeof add;
    const all = Array.from({ length: 50 }, () => client.sendRequest(listener.addr, keyRequest(1), { signal: ac.signal }));
    ac.abort();
    const results = await Promise.allSettled(all);
    process.off("warning", onWarning);
    assert.equal(added, 1);
    assert.ok(results.every((r) => r.status === "rejected" && r.reason.code === "REQUEST_ABORTED"));
    assert.deepEqual(warnings.filter((w) => w === "MaxListenersExceededWarning"), []);
  });
});
