import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { ConnectionClosedError, ConnectError, defaultTransport, type Endpoint, KvStateID, KvStateServer, RemoteError, ServerFailureError, ServerStartError, UnknownKeyOrNamespaceError, UnknownKvStateIdError } from "../../mod.ts";
import { encodeRequestFrame, FrameDecoder, type Frame, KvStateInternalRequest, KvStateResponse, MessageType, decodeFailureError } from "../../protocol.ts";
import { eventually } from "../helpers/eventually.ts";
import { FakeClock, settlesAt } from "../helpers/fake-clock.ts";
import { FIXTURE_STATE_ID, keyRequest, newClient, startFixtureServer, valueOf } from "../helpers/fixture.ts";

/** A raw connection that collects the frames it receives. */
async function rawConnect(addr: Endpoint) {
  const t = await defaultTransport();
  const conn = await t.connect(addr);
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  conn.onData((chunk) => {
    decoder.push(chunk);
    for (let f = decoder.next(); f; f = decoder.next()) frames.push({ type: f.type, requestId: f.requestId, requestIdHigh: f.requestIdHigh, requestIdLow: f.requestIdLow, body: f.body.slice() });
    waiters.splice(0).forEach((w) => w());
  }, () => {
    ended = true;
    waiters.splice(0).forEach((w) => w());
  });
  return {
    conn,
    frames,
    get ended() {
      return ended;
    },
    async waitFor(pred: () => boolean, ms = 5000) {
      const until = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > until) throw new Error("timed out waiting");
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
  };
}

describe("KvStateServer", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test("request/response, unknown key and unknown state id", async () => {
    const server = await startFixtureServer(10);
    const client = newClient();
    cleanup.push(() => client.close(), () => server.close());
    const addr = server.address!;
    assert.equal(valueOf(await client.sendRequest(addr, keyRequest(3))), "value-3");
    await assert.rejects(client.sendRequest(addr, keyRequest(99)), (e: unknown) => {
      assert.ok(e instanceof UnknownKeyOrNamespaceError);
      assert.equal(e.code, "UNKNOWN_KEY_OR_NAMESPACE");
      assert.equal(e.remoteMessage, "Queryable State Server : No state for the specified key/namespace.");
      return true;
    });
    const other = new KvStateID(9n, 9n);
    await assert.rejects(client.sendRequest(addr, keyRequest(1, other)), (e: unknown) => {
      assert.ok(e instanceof UnknownKvStateIdError);
      assert.equal(e.remoteMessage, `Queryable State Server : No registered state with ID ${other}.`);
      return true;
    });
    const s = server.stats();
    assert.equal(s.requests, 3);
    assert.equal(s.successful, 1);
    assert.equal(s.failed, 2);
    assert.equal(s.activeConnections, 1);
    assert.equal(s.latencyBuckets.reduce((a, b) => a + b, 0), 1, "one success in the latency histogram");
    assert.equal(s.maxLatencyMs, s.successfulLatencyMs);
    assert.equal(client.stats().successful, 1);
  });

  test("10,000 pipelined requests on one connection each get their own value", async () => {
    const server = await startFixtureServer(1000);
    const client = newClient();
    cleanup.push(() => client.close(), () => server.close());
    const keys = Array.from({ length: 10000 }, (_, i) => (i * 7919) % 1000);
    const answers = await Promise.all(keys.map((k) => client.sendRequest(server.address!, keyRequest(k))));
    answers.forEach((a, i) => assert.equal(valueOf(a), `value-${keys[i]}`));
    assert.equal(client.connectionCount, 1);
    const s = server.stats();
    assert.equal(s.activeConnections, 1);
    assert.deepEqual([s.requests, s.successful, s.failed], [10000, 10000, 0]);
    assert.equal(s.latencyBuckets.reduce((a, b) => a + b, 0), 10000, "every answer in the latency histogram");
  });

  test("latency statistics: answers given on the spot and answers that waited for their state", async () => {
    const server = new KvStateServer();
    cleanup.push(() => server.close());
    const slow = server.registry.register({ getSerializedValue: () => new Promise((r) => setTimeout(() => r(new Uint8Array([7])), 30)) });
    const fast = server.registry.register({ getSerializedValue: () => new Uint8Array([8]) });
    await server.start();
    const client = newClient();
    cleanup.push(() => client.close());
    const answers = await Promise.all([
      ...Array.from({ length: 50 }, () => client.sendRequest(server.address!, keyRequest(1, fast))),
      client.sendRequest(server.address!, keyRequest(1, slow)),
    ]);
    assert.deepEqual(answers.map((a) => a.content[0]), [...Array(50).fill(8), 7]);
    const s = server.stats();
    assert.deepEqual([s.requests, s.successful], [51, 51]);
    assert.equal(s.latencyBuckets.reduce((a, b) => a + b, 0), 51);
    assert.ok(s.maxLatencyMs >= 25, `the state that took 30 ms: max ${s.maxLatencyMs} ms`);
    assert.ok(s.successfulLatencyMs >= s.maxLatencyMs && s.successfulLatencyMs < s.maxLatencyMs + 50 * s.maxLatencyMs);
  });

  test("async state lookups and their failures", async () => {
    const server = new KvStateServer();
    cleanup.push(() => server.close());
    const slow = server.registry.register({
      getSerializedValue: (b) => new Promise((r) => setTimeout(() => r(b.length === 6 ? new Uint8Array([1, 2]) : null), 5)),
    });
    const broken = server.registry.register({ getSerializedValue: () => { throw new Error("disk on fire"); } });
    const rejecting = server.registry.register({ getSerializedValue: () => Promise.reject(new TypeError("nope")) });
    await server.start();
    const client = newClient();
    cleanup.push(() => client.close());
    const res = await client.sendRequest(server.address!, keyRequest(1, slow));
    assert.deepEqual(res.content, new Uint8Array([1, 2]));
    for (const [id, text] of [[broken, "disk on fire"], [rejecting, "nope"]] as const) {
      await assert.rejects(client.sendRequest(server.address!, keyRequest(1, id)), (e: unknown) => {
        assert.ok(e instanceof RemoteError);
        assert.equal(e.remoteClassName, "java.lang.RuntimeException");
        assert.match(e.remoteMessage!, /^Failed request \d+\.\n Caused by: java\.lang\.RuntimeException: Error while processing request with ID \d+\. Caused by: \w+: /);
        assert.ok(e.remoteMessage!.includes(text));
        return true;
      });
    }
  });

  test("200 concurrent connections", async () => {
    const server = await startFixtureServer(200);
    cleanup.push(() => server.close());
    const clients = Array.from({ length: 200 }, () => newClient());
    try {
      const answers = await Promise.all(clients.map((c, i) => c.sendRequest(server.address!, keyRequest(i))));
      answers.forEach((a, i) => assert.equal(valueOf(a), `value-${i}`));
      assert.equal(server.stats().activeConnections, 200);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  test("a 16 MiB response arrives intact", async () => {
    const big = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 0xff;
    const server = new KvStateServer();
    const id = server.registry.register({ getSerializedValue: () => big });
    await server.start();
    const client = newClient();
    cleanup.push(() => client.close(), () => server.close());
    const res = await client.sendRequest(server.address!, keyRequest(0, id));
    assert.equal(res.content.length, big.length);
    assert.ok(res.content.every((b, i) => b === big[i]));
  });

  test("a client that stops reading does not make the server buffer without bound", async () => {
    const value = new Uint8Array(64 * 1024);
    const server = new KvStateServer();
    const id = server.registry.register({ getSerializedValue: () => value });
    await server.start();
    cleanup.push(() => server.close({ timeoutMs: 100 }));
    const t = await defaultTransport();
    const conn = await t.connect(server.address!);
    conn.onData(() => {});
    conn.pause(); // never read: 5000 answers of 64 KiB would be 320 MiB
    const frame = encodeRequestFrame(1n, keyRequest(0, id));
    for (let i = 0; i < 5000; i++) conn.write(frame);
    await new Promise((r) => setTimeout(r, 1000));
    const handled = server.stats().requests;
    assert.ok(handled < 1000, `server handled ${handled} requests although nobody read the answers`);
    assert.ok(handled > 0);
    conn.abort();
    await conn.closed;
  });

  test("a frame with intact framing but a wrong version or an undecodable body gets a SERVER_FAILURE and the connection goes on (as Flink's)", async () => {
    const server = await startFixtureServer(10);
    cleanup.push(() => server.close());
    const truncatedBody = encodeRequestFrame(1n, new KvStateInternalRequest(FIXTURE_STATE_ID, new Uint8Array(0))).subarray(0, 24).map((b, i) => (i === 3 ? 20 : b));
    for (const junk of [
      new Uint8Array([0, 0, 0, 12, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]), // wrong version
      truncatedBody,
    ]) {
      const raw = await rawConnect(server.address!);
      raw.conn.write(junk);
      raw.conn.write(encodeRequestFrame(5n, keyRequest(5)));
      await raw.waitFor(() => raw.frames.length === 2);
      assert.equal(raw.frames[0].type, MessageType.SERVER_FAILURE);
      const e = decodeFailureError(raw.frames[0].body);
      assert.equal(e.remoteClassName, "java.lang.RuntimeException");
      assert.match(e.remoteMessage!, /^Failed incoming message\. Caused by: /);
      assert.equal(raw.frames[1].type, MessageType.REQUEST_RESULT);
      assert.equal(valueOf(KvStateResponse.decode(raw.frames[1].body)), "value-5");
      assert.equal(raw.ended, false);
      await raw.conn.close();
    }
  });

  test("answers and failures carry the request's own id, high bits included; the state sees exactly the key bytes", async () => {
    const server = new KvStateServer();
    cleanup.push(() => server.close());
    const seen: number[][] = [];
    const echo = server.registry.register({ getSerializedValue: (b) => (seen.push([...b]), new Uint8Array([b.length, ...b])) });
    const broken = server.registry.register({ getSerializedValue: () => { throw new Error("disk on fire"); } });
    const rejecting = server.registry.register({ getSerializedValue: () => Promise.reject(new Error("later fire")) });
    const wrongType = server.registry.register({ getSerializedValue: () => "text" as unknown as Uint8Array });
    await server.start();
    const raw = await rawConnect(server.address!);
    const big = (1n << 40n) + 5n; // a non-zero high half
    const key = new Uint8Array([9, 8, 7]);
    raw.conn.write(encodeRequestFrame(big, new KvStateInternalRequest(echo, key)));
    raw.conn.write(encodeRequestFrame(big + 1n, new KvStateInternalRequest(broken, key)));
    raw.conn.write(encodeRequestFrame(big + 2n, new KvStateInternalRequest(rejecting, key)));
    raw.conn.write(encodeRequestFrame(big + 3n, new KvStateInternalRequest(wrongType, key)));
    await raw.waitFor(() => raw.frames.length === 4);
    assert.deepEqual(seen, [[9, 8, 7]]);
    const byId = new Map(raw.frames.map((f) => [f.requestId, f]));
    const ok = byId.get(big)!;
    assert.equal(ok.type, MessageType.REQUEST_RESULT);
    assert.deepEqual([...KvStateResponse.decode(ok.body).content], [3, 9, 8, 7]);
    for (const [id, text] of [[big + 1n, "disk on fire"], [big + 2n, "later fire"], [big + 3n, "must return a Uint8Array or null"]] as const) {
      const f = byId.get(id);
      assert.ok(f, `an answer to request ${id}`);
      assert.equal(f.type, MessageType.REQUEST_FAILURE);
      const e = decodeFailureError(f.body);
      assert.ok(e.remoteMessage!.includes(`Error while processing request with ID ${id}.`), String(e.remoteMessage));
      assert.ok(e.remoteMessage!.includes(text), String(e.remoteMessage));
    }
    const s = server.stats();
    assert.deepEqual([s.requests, s.successful, s.failed], [4, 1, 3]);
    await raw.conn.close();
  });

  test("answerLocally: the same answers and failures as over a socket, ids counted per server", async () => {
    const server = new KvStateServer();
    const echo = server.registry.register({ getSerializedValue: (b) => (b.length === 0 ? null : b.slice()) });
    const broken = server.registry.register({ getSerializedValue: () => { throw new Error("disk on fire"); } });
    const later = server.registry.register({ getSerializedValue: () => Promise.reject(new Error("later fire")) });
    const ask = (id: KvStateID, key: number[]) => server.answerLocally(new KvStateInternalRequest(id, new Uint8Array(key)));
    const answer = ask(echo, [4, 2]);
    assert.ok(answer instanceof KvStateResponse);
    assert.deepEqual([...answer.content], [4, 2]);
    assert.throws(() => ask(echo, []), UnknownKeyOrNamespaceError);
    const other = new KvStateID(9n, 9n);
    assert.throws(() => ask(other, [1]), (e: unknown) => e instanceof UnknownKvStateIdError && e.message.includes(String(other)));
    assert.throws(() => ask(broken, [1]), (e: unknown) => e instanceof Error && /request with ID 3\. Caused by: .*disk on fire/.test(e.message));
    await assert.rejects(Promise.resolve(ask(later, [1])), (e: unknown) => e instanceof Error && /request with ID 4\. Caused by: .*later fire/.test(e.message));
    const s = server.stats();
    assert.deepEqual([s.requests, s.successful, s.failed], [5, 1, 4]);
  });

  test("raw bytes that break the framing get a SERVER_FAILURE and only that connection closes", async () => {
    const server = await startFixtureServer(10);
    const client = newClient();
    cleanup.push(() => client.close(), () => server.close());
    assert.equal(valueOf(await client.sendRequest(server.address!, keyRequest(1))), "value-1");
    for (const junk of [
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]), // negative length
      new Uint8Array([0, 0, 0, 2, 1, 2]), // shorter than a header
    ]) {
      const raw = await rawConnect(server.address!);
      raw.conn.write(junk);
      await raw.waitFor(() => raw.frames.length > 0 && raw.ended);
      assert.equal(raw.frames[0].type, MessageType.SERVER_FAILURE);
      const e = decodeFailureError(raw.frames[0].body);
      assert.equal(e.remoteClassName, "java.lang.RuntimeException");
      assert.match(e.remoteMessage!, /^Failed incoming message\. Caused by: /);
      await raw.conn.close();
    }
    assert.equal(valueOf(await client.sendRequest(server.address!, keyRequest(2))), "value-2", "other connections never notice");
  });

  test("an unexpected message type gets a SERVER_FAILURE and the connection stays usable", async () => {
    const server = await startFixtureServer(10);
    cleanup.push(() => server.close());
    const raw = await rawConnect(server.address!);
    const result = encodeRequestFrame(4n, keyRequest(1));
    result[11] = MessageType.REQUEST_RESULT;
    raw.conn.write(result);
    raw.conn.write(encodeRequestFrame(5n, keyRequest(5)));
    await raw.waitFor(() => raw.frames.length === 2);
    assert.equal(raw.frames[0].type, MessageType.SERVER_FAILURE);
    const e = decodeFailureError(raw.frames[0].body);
    assert.equal(e.remoteClassName, "java.lang.IllegalArgumentException");
    assert.equal(e.remoteMessage, "Unexpected message type REQUEST_RESULT. Expected REQUEST.");
    assert.equal(raw.frames[1].type, MessageType.REQUEST_RESULT);
    assert.equal(raw.frames[1].requestId, 5n);
    assert.equal(valueOf(KvStateResponse.decode(raw.frames[1].body)), "value-5");
    await raw.conn.close();
  });

  test("a server stopped mid-flight fails pending requests at its shutdown timeout; the client reconnects afterwards", async () => {
    const clock = new FakeClock();
    const server = new KvStateServer({ clock });
    const hang = server.registry.register({ getSerializedValue: () => new Promise(() => {}) });
    const addr = await server.start();
    const client = newClient();
    cleanup.push(() => client.close());
    const settled = Promise.allSettled(Array.from({ length: 20 }, () => client.sendRequest(addr, keyRequest(1, hang))));
    await eventually("all requests at the server", () => assert.equal(server.stats().requests, 20));
    const closing = server.close({ timeoutMs: 100 });
    await clock.armed(100, "the shutdown deadline");
    await settlesAt(clock, 100, closing, "close (in-flight requests get the whole shutdown timeout)");
    const outcomes = await settled;
    for (const o of outcomes) {
      assert.equal(o.status, "rejected");
      assert.ok((o as PromiseRejectedResult).reason instanceof ConnectionClosedError || (o as PromiseRejectedResult).reason instanceof ServerFailureError);
    }
    await assert.rejects(client.sendRequest(addr, keyRequest(1)), ConnectError);
    const again = await startFixtureServer(10, { port: addr.port });
    cleanup.push(() => again.close());
    assert.equal(valueOf(await client.sendRequest(addr, keyRequest(7))), "value-7");
  });

  test("graceful close lets in-flight requests finish", async () => {
    const clock = new FakeClock();
    const server = new KvStateServer({ clock });
    let answer!: (value: Uint8Array) => void;
    const slow = server.registry.register({ getSerializedValue: () => new Promise((r) => (answer = r)) });
    const addr = await server.start();
    const client = newClient();
    cleanup.push(() => client.close());
    const p = client.sendRequest(addr, keyRequest(1, slow));
    await eventually("the request at the server", () => assert.equal(server.stats().requests, 1));
    let closed = false;
    const closing = server.close({ timeoutMs: 2000 }).then(() => (closed = true));
    await clock.armed(2000, "the shutdown deadline");
    await clock.tick(1999);
    assert.equal(closed, false, "close waits for the request in flight");
    answer(new Uint8Array([42]));
    await closing;
    assert.deepEqual((await p).content, new Uint8Array([42]));
  });

  test("ports: ranges, occupied ports and double start", async () => {
    const first = await startFixtureServer(1);
    cleanup.push(() => first.close());
    const taken = first.address!.port;
    const second = new KvStateServer({ port: taken });
    await assert.rejects(second.start(), (e: unknown) => e instanceof ServerStartError && /All ports in provided range are occupied/.test(e.message));
    const ranged = new KvStateServer({ port: `${taken},${taken + 1}-${taken + 40}` });
    const addr = await ranged.start();
    cleanup.push(() => ranged.close());
    assert.ok(addr.port > taken && addr.port <= taken + 40);
    await assert.rejects(ranged.start(), ServerStartError);
    assert.throws(() => new KvStateServer({ port: "70000" }), /Port must be between 0 and 65535/);
  });
});
