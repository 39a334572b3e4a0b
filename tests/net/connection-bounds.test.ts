// Connections with bounds: idle connections are closed by a periodic sweep (never one with a request in
// flight), a request that races that close is sent again on a new connection, and per-IP limits.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { defaultTransport, InvalidArgumentError, type Listener, QueryableStateError, serializeValue, stringSerializer } from "../../mod.ts";
import { encodeResponseFrame, type Frame, FrameDecoder, KvStateInternalRequest, KvStateResponse, ServerBase } from "../../protocol.ts";
import { eventually } from "../helpers/eventually.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { keyRequest, newClient, startFixtureServer, valueOf } from "../helpers/fixture.ts";

/**
 * A scripted server: `onFrame(frame, index on its connection, write, close)` decides what to do with
 * each request frame. Counts connections.
 */
async function scriptedServer(
  onFrame: (f: Frame, n: number, write: (b: Uint8Array) => void, close: () => void) => void,
): Promise<{ listener: Listener; connections: () => number }> {
  const t = await defaultTransport();
  let connections = 0;
  const listener = await t.listen({
    hostname: "127.0.0.1",
    port: 0,
    onConnection(conn) {
      connections++;
      const d = new FrameDecoder();
      let n = 0;
      conn.onData((chunk) => {
        d.push(chunk);
        for (let f = d.next(); f; f = d.next()) onFrame(f, ++n, (b) => conn.write(b), () => void conn.close());
      }, () => void conn.close());
    },
  });
  return { listener, connections: () => connections };
}

/** A fake clock that calls `afterTimer` right after each timer it fires, in the same turn. */
class HookedClock extends FakeClock {
  afterTimer: (() => void) | undefined;
  override setTimeout(fn: () => void, ms: number): ReturnType<FakeClock["setTimeout"]> {
    return super.setTimeout(() => {
      fn();
      this.afterTimer?.();
    }, ms);
  }
}

/** The answer a scripted server gives: "key-<the request's int key>". */
function answer(f: Frame): Uint8Array {
  const keyNs = KvStateInternalRequest.decode(f.body).serializedKeyAndNamespace;
  const key = new DataView(keyNs.buffer, keyNs.byteOffset).getInt32(0);
  return encodeResponseFrame(f.requestId, new KvStateResponse(serializeValue(`key-${key}`, stringSerializer)!));
}

describe("connection bounds", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test("an idle connection is closed by the sweep after idleTimeoutMs; the client reconnects for the next request", async () => {
    const clock = new FakeClock();
    const server = await startFixtureServer(10, { clock, idleTimeoutMs: 1000 });
    const client = newClient();
    cleanup.push(() => client.close(), () => server.close({ timeoutMs: 100 }));
    assert.equal(valueOf(await client.sendRequest(server.address!, keyRequest(1))), "value-1");
    // Sweeps every 250 ms: the first one after the last activity starts the idle period.
    await clock.tick(1000);
    assert.equal(server.stats().activeConnections, 1);
    assert.equal(server.connectionStats().idleClosedConnections, 0);
    await clock.tick(250);
    assert.equal(server.connectionStats().idleClosedConnections, 1);
    await eventually("the connection gone on both sides", () => {
      assert.equal(server.stats().activeConnections, 0);
      assert.equal(client.connectionCount, 0);
    });
    assert.equal(valueOf(await client.sendRequest(server.address!, keyRequest(2))), "value-2");
    assert.equal(client.stats().failed, 0);
  });

  test("a connection with a request in flight, or in use, is never closed as idle", async () => {
    const clock = new FakeClock();
    const server = await startFixtureServer(10, { clock, idleTimeoutMs: 1000 });
    let release!: () => void;
    const slow = server.registry.register({ getSerializedValue: () => new Promise<Uint8Array>((r) => (release = () => r(new Uint8Array([0, 0, 0, 0])))) });
    const client = newClient();
    cleanup.push(() => client.close(), () => server.close({ timeoutMs: 100 }));
    const waiting = client.sendRequest(server.address!, keyRequest(1, slow));
    await eventually("the request at the server", () => assert.equal(server.stats().requests, 1));
    await clock.tick(5000);
    assert.equal(server.connectionStats().idleClosedConnections, 0);
    release();
    await waiting;
    // A request every 500 ms keeps it open.
    for (let i = 0; i < 6; i++) {
      await clock.tick(500);
      assert.equal(valueOf(await client.sendRequest(server.address!, keyRequest(3))), "value-3");
    }
    assert.equal(server.connectionStats().idleClosedConnections, 0);
    assert.equal(server.stats().activeConnections, 1);
  });

  test("idleTimeoutMs 0 or Infinity: no sweep at all; a negative one is refused", async () => {
    for (const idleTimeoutMs of [0, Infinity]) {
      const clock = new FakeClock();
      const server = new ServerBase("Test", { decode: (b) => b, handle: () => null }, { clock, idleTimeoutMs });
      await server.start();
      assert.equal(clock.pending, 0);
      await server.close();
    }
    const clock = new FakeClock();
    const server = new ServerBase("Test", { decode: (b) => b, handle: () => null }, { clock });
    await server.start();
    assert.equal(clock.nextIn, 60_000, "the default (10 minutes) is swept every minute");
    await server.close();
    assert.equal(clock.pending, 0);
    assert.throws(() => new ServerBase("Test", { decode: (b) => b, handle: () => null }, { idleTimeoutMs: -1 }), InvalidArgumentError);
    assert.throws(() => new ServerBase("Test", { decode: (b) => b, handle: () => null }, { maxConnectionsPerIp: 0 }), InvalidArgumentError);
  });

  test("a request on an open connection that the server closes unanswered is sent again on a new connection", async () => {
    // Each connection answers its first request and closes on the next one, unanswered, as a server
    // closing an idle connection just as a request went out does.
    const s = await scriptedServer((f, n, write, close) => (n === 1 ? write(answer(f)) : close()));
    const client = newClient();
    cleanup.push(() => client.close(), () => s.listener.close());
    assert.equal(valueOf(await client.sendRequest(s.listener.addr, keyRequest(1))), "key-1");
    assert.equal(valueOf(await client.sendRequest(s.listener.addr, keyRequest(2))), "key-2");
    assert.equal(s.connections(), 2);
    assert.equal(valueOf(await client.sendRequest(s.listener.addr, keyRequest(3))), "key-3");
    assert.equal(s.connections(), 3);
    assert.deepEqual([client.stats().requests, client.stats().successful, client.stats().failed], [3, 3, 0]);
  });

  test("no second try: for a request queued while connecting, after a partial answer, or twice", async () => {
    // Closes every connection on its first request: the request was queued while connecting.
    const closing = await scriptedServer((_f, _n, _write, close) => close());
    // Answers the first request, then sends half of the next answer and closes.
    const partial = await scriptedServer((f, n, write, close) => {
      if (n === 1) return write(answer(f));
      write(answer(f).subarray(0, 10));
      close();
    });
    // Answers the first request on its first connection only; closes everything else unanswered.
    let first = true;
    const always = await scriptedServer((f, _n, write, close) => {
      if (first) write(answer(f));
      else close();
      first = false;
    });
    const client = newClient();
    cleanup.push(() => client.close(), () => closing.listener.close(), () => partial.listener.close(), () => always.listener.close());
    const closed = (e: unknown) => e instanceof QueryableStateError && e.code === "CONNECTION_CLOSED";
    await assert.rejects(client.sendRequest(closing.listener.addr, keyRequest(1)), closed);
    assert.equal(closing.connections(), 1);
    assert.equal(valueOf(await client.sendRequest(partial.listener.addr, keyRequest(1))), "key-1");
    await assert.rejects(client.sendRequest(partial.listener.addr, keyRequest(2)), closed);
    assert.equal(partial.connections(), 1);
    assert.equal(valueOf(await client.sendRequest(always.listener.addr, keyRequest(1))), "key-1");
    await assert.rejects(client.sendRequest(always.listener.addr, keyRequest(2)), closed);
    assert.equal(always.connections(), 2, "one second try, on a new connection");
  });

  test("requests racing the idle close all get their own answers", async () => {
    const clock = new HookedClock();
    const server = await startFixtureServer(100, { clock, idleTimeoutMs: 1000 });
    const client = newClient();
    cleanup.push(() => client.close(), () => server.close({ timeoutMs: 100 }));
    for (let round = 0; round < 20; round++) {
      assert.equal(valueOf(await client.sendRequest(server.address!, keyRequest(round))), `value-${round}`);
      await clock.tick(1000);
      // In the same turn as the sweep that closes the connection, before the client can see the close,
      // requests go out on it: the server drops them, the client sends them again on a new connection.
      let racing: Promise<KvStateResponse>[] = [];
      const closedBefore = server.connectionStats().idleClosedConnections;
      clock.afterTimer = () => {
        if (server.connectionStats().idleClosedConnections === closedBefore) return;
        clock.afterTimer = undefined;
        racing = [1, 2, 3].map((i) => client.sendRequest(server.address!, keyRequest(round + i)));
      };
      await clock.tick(250);
      assert.equal(racing.length, 3);

      assert.deepEqual((await Promise.all(racing)).map(valueOf), [1, 2, 3].map((i) => `value-${round + i}`));
    }
    assert.equal(server.connectionStats().idleClosedConnections, 20);
    assert.equal(client.stats().failed, 0);
  });

  test("maxConnectionsPerIp: one more from that address is refused with the reason; others are served", async () => {
    const server = await startFixtureServer(10, { maxConnectionsPerIp: 2 });
    cleanup.push(() => server.close({ timeoutMs: 100 }));
    const a = newClient(), b = newClient(), c = newClient();
    cleanup.push(() => a.close(), () => b.close(), () => c.close());
    assert.equal(valueOf(await a.sendRequest(server.address!, keyRequest(1))), "value-1");
    assert.equal(valueOf(await b.sendRequest(server.address!, keyRequest(2))), "value-2");
    await assert.rejects(c.sendRequest(server.address!, keyRequest(3)), (e: unknown) => {
      assert.ok(e instanceof QueryableStateError, String(e));
      assert.match(e.message, /Too many connections from 127\.0\.0\.1: 2 are open \(maxConnectionsPerIp\)/);
      return true;
    });
    assert.deepEqual([server.connectionStats().refusedConnections, server.connectionStats().refusedPerIpConnections], [1, 1]);
    await a.close();
    await eventually("a's connection gone", () => assert.equal(server.stats().activeConnections, 1));
    assert.equal(valueOf(await c.sendRequest(server.address!, keyRequest(3))), "value-3");
  });
});
