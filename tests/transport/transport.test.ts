// One test body, run over every transport this runtime offers (its native adapter, plus the node:net
// adapter on Deno and Bun), over real loopback sockets.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Conn, ConnectOptions, Listener, ServerTlsOptions, Transport } from "../../src/transport/transport.ts";
import { TransportError } from "../../src/transport/transport.ts";
import { availableTransports } from "../../src/transport/detect.ts";
import { MAX_READ_BUFFER, MIN_READ_BUFFER, nextReadBufferSize } from "../../src/transport/deno.ts";

const HOST = "127.0.0.1";
const TIMEOUT = { timeout: 10_000 };
const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url), "utf8");
const CA = fixture("ca.pem");
const SERVER_TLS: ServerTlsOptions = {
  cert: fixture("server.pem"),
  key: fixture("server-key.pem"),
};

const transports = await availableTransports();

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const text = (s: string) => encoder.encode(s);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Reads `conn` to EOF (its write side stays as it is). */
function readAll(conn: Conn): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  return new Promise((resolve) => conn.onData((c) => parts.push(c), () => resolve(concat(parts))));
}

/** Echoes everything back, honouring backpressure in both directions; closes after the peer's EOF. */
function echo(conn: Conn): void {
  conn.onData((chunk) => {
    if (!conn.write(chunk)) {
      conn.pause();
      conn.waitForDrain().then(() => conn.resume(), () => {});
    }
  }, () => void conn.close());
}

function isTransportError(code: string, ...inMessage: string[]) {
  return (e: unknown) => {
    assert.ok(e instanceof TransportError, `expected a TransportError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const s of inMessage) assert.ok(e.message.includes(s), `"${s}" not in: ${e.message}`);
    return true;
  };
}

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed = 0x9e3779b9): Uint8Array {
  const words = new Uint32Array(Math.ceil(n / 4));
  let x = seed;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, n);
}

/** FNV-1a, 32 bits. */
function checksum(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

interface Server {
  readonly listener: Listener;
  readonly port: number;
  /** The i-th accepted connection (0-based), once accepted. */
  accepted(i?: number): Promise<Conn>;
}

/** Owns the listeners and connections of one test and tears them all down at its end. */
class Scope {
  #listeners: Listener[] = [];
  #conns: Conn[] = [];
  readonly t: Transport;
  constructor(t: Transport) {
    this.t = t;
  }

  async server(handle: (conn: Conn) => void, tls?: ServerTlsOptions): Promise<Server> {
    const conns: Conn[] = [];
    const waiters: (() => void)[] = [];
    const listener = await this.t.listen({
      hostname: HOST,
      port: 0,
      tls,
      onConnection: (conn) => {
        this.#conns.push(conn);
        conns.push(conn);
        handle(conn);
        for (const w of waiters.splice(0)) w();
      },
    });
    this.#listeners.push(listener);
    const accepted = async (i = 0): Promise<Conn> => {
      while (conns.length <= i) await new Promise<void>((r) => waiters.push(r));
      return conns[i]!;
    };
    return { listener, port: listener.addr.port, accepted };
  }

  async connect(port: number, opts: Partial<ConnectOptions> = {}): Promise<Conn> {
    const conn = await this.t.connect({ hostname: HOST, port, ...opts });
    this.#conns.push(conn);
    return conn;
  }

  async dispose(): Promise<void> {
    for (const c of this.#conns) c.abort(new Error("test cleanup"));
    await Promise.all(this.#listeners.map((l) => l.close()));
    await Promise.all(this.#conns.map((c) => c.closed));
  }
}

function scoped(t: Transport, body: (s: Scope) => Promise<void>): () => Promise<void> {
  return async () => {
    const s = new Scope(t);
    try {
      await body(s);
    } finally {
      await s.dispose();
    }
  };
}

for (const t of transports) {
  describe(`transport: ${t.runtime}`, () => {
    test(
      "echo round trip; listen on port 0 reports the bound port",
      TIMEOUT,
      scoped(t, async (s) => {
        const srv = await s.server(echo);
        assert.ok(srv.port > 0);
        assert.equal(srv.listener.addr.hostname, HOST);
        const c = await s.connect(srv.port);
        assert.deepEqual(c.remote, { hostname: HOST, port: srv.port });
        assert.equal(c.local.hostname, HOST);
        const reply = readAll(c);
        assert.equal(c.write(text("hello, transport")), true);
        await c.closeWrite();
        assert.equal(decoder.decode(await reply), "hello, transport");
        assert.equal(await c.closed, undefined);
        const sc = await srv.accepted();
        assert.equal(sc.remote.port, c.local.port);
        assert.equal(await sc.closed, undefined);
      }),
    );

    test(
      "large and small messages in turn arrive intact (read buffers grow for the large, shrink after)",
      TIMEOUT,
      scoped(t, async (s) => {
        const srv = await s.server(echo);
        const c = await s.connect(srv.port);
        let want = 0;
        const parts: Uint8Array[] = [];
        let wake: (() => void) | undefined;
        c.onData((chunk) => {
          parts.push(chunk);
          want -= chunk.length;
          if (want <= 0) wake?.();
        });
        for (const size of [1 << 20, 10, 3, 300_000, 1, 70_000, 5]) {
          const payload = randomBytes(size, size);
          parts.length = 0;
          want = size;
          const got = new Promise<void>((r) => (wake = r));
          if (!c.write(payload)) await c.waitForDrain();
          await got;
          assert.equal(checksum(concat(parts)), checksum(payload), `a message of ${size} bytes`);
        }
        await c.close();
      }),
    );

    test(
      "32 MiB echo arrives intact through write backpressure",
      TIMEOUT,
      scoped(t, async (s) => {
        const srv = await s.server(echo);
        const c = await s.connect(srv.port);
        const total = 32 << 20;
        const chunkSize = 256 << 10;
        const payload = randomBytes(total);
        const received = new Uint8Array(total);
        let got = 0;
        const done = new Promise<void>((resolve, reject) =>
          c.onData((chunk) => {
            if (got + chunk.length > total) return reject(new Error("received more than was sent"));
            received.set(chunk, got);
            got += chunk.length;
          }, resolve)
        );
        let stalls = 0;
        let maxBuffered = 0;
        for (let off = 0; off < total; off += chunkSize) {
          if (!c.write(payload.subarray(off, off + chunkSize))) {
            stalls++;
            maxBuffered = Math.max(maxBuffered, c.bufferedAmount);
            await c.waitForDrain();
            assert.equal(c.bufferedAmount, 0);
          }
        }
        await c.closeWrite();
        await done;
        assert.equal(got, total);
        assert.equal(checksum(received), checksum(payload));
        assert.ok(stalls > 0, "write() never signalled backpressure");
        // At most one chunk beyond the adapter's high-water mark: the producer was held back.
        assert.ok(
          maxBuffered < 2 * chunkSize,
          `the producer was not held back: ${maxBuffered} bytes queued`,
        );
        assert.equal(await c.closed, undefined);
        assert.equal(await (await srv.accepted()).closed, undefined);
      }),
    );

    for (const secure of [false, true]) {
      test(
        `half-close${secure ? " over TLS" : ""}: closeWrite, then still receive the peer's reply`,
        TIMEOUT,
        scoped(t, async (s) => {
          const srv = await s.server((conn) => {
            const parts: Uint8Array[] = [];
            conn.onData((c) => parts.push(c), () => {
              conn.write(text(`got ${decoder.decode(concat(parts))}`));
              void conn.closeWrite();
            });
          }, secure ? SERVER_TLS : undefined);
          const c = await s.connect(srv.port, secure ? { tls: { ca: CA } } : {});
          const reply = readAll(c);
          c.write(text("ping"));
          await c.closeWrite();
          assert.throws(() => c.write(text("too late")), isTransportError("CLOSED"));
          await c.waitForDrain(); // everything was flushed before the FIN
          assert.equal(decoder.decode(await reply), "got ping");
          assert.equal(await c.closed, undefined);
          assert.equal(await (await srv.accepted()).closed, undefined);
        }),
      );
    }

    test(
      "bytes that arrive before onData() are kept, pause() before onData() holds them",
      TIMEOUT,
      scoped(t, async (s) => {
        const srv = await s.server((conn) => {
          conn.write(text("greeting"));
          void conn.closeWrite();
          conn.onData(() => {});
        });
        const c = await s.connect(srv.port);
        c.pause();
        c.resume();
        c.pause();
        await delay(30);
        const parts: Uint8Array[] = [];
        let ended = false;
        c.onData((chunk) => parts.push(chunk), () => (ended = true));
        await delay(30);
        assert.equal(parts.length, 0, "delivered while paused");
        assert.equal(ended, false, "EOF delivered while paused");
        c.resume();
        await c.closeWrite();
        assert.equal(await c.closed, undefined);
        assert.equal(decoder.decode(concat(parts)), "greeting");
        assert.equal(ended, true);
      }),
    );

    test("connection refused -> ECONNREFUSED", TIMEOUT, async () => {
      const l = await t.listen({ hostname: HOST, port: 0, onConnection: (c) => c.abort() });
      const port = l.addr.port;
      await l.close();
      await assert.rejects(
        t.connect({ hostname: HOST, port }),
        isTransportError("ECONNREFUSED", `${HOST}:${port}`),
      );
    });

    test(
      "listening twice on one port -> EADDRINUSE",
      TIMEOUT,
      scoped(t, async (s) => {
        const srv = await s.server(echo);
        await assert.rejects(
          t.listen({ hostname: HOST, port: srv.port, onConnection: (c) => c.abort() }),
          isTransportError("EADDRINUSE", `${HOST}:${srv.port}`),
        );
      }),
    );

    test(
      "abort: the peer sees the end, closed settles once",
      TIMEOUT,
      scoped(t, async (s) => {
        let peerEnded = false;
        const srv = await s.server((conn) =>
          conn.onData(() => {}, () => {
            peerEnded = true;
            void conn.close();
          })
        );
        const c = await s.connect(srv.port);
        const sc = await srv.accepted();
        c.write(text("partial request"));
        const reason = new Error("test abort");
        c.abort(reason);
        c.abort(new Error("second abort is ignored"));
        const result = await c.closed;
        assert.ok(result instanceof TransportError);
        assert.equal(result.code, "ABORTED");
        assert.equal(result.cause, reason);
        await c.close(); // no-op, does not throw
        assert.equal(await c.closed, result);
        assert.throws(() => c.write(text("x")), isTransportError("ABORTED"));
        await assert.rejects(c.waitForDrain(), isTransportError("ABORTED"));
        const peer = await sc.closed; // FIN (Node, Deno) or reset (Bun's terminate)
        assert.ok(peerEnded || peer !== undefined, "peer neither saw EOF nor an error");
        assert.ok(
          peer === undefined || ["ECONNRESET", "EPIPE"].includes(peer.code),
          `peer: ${peer?.message}`,
        );
      }),
    );

    test(
      "AbortSignal cancels connect",
      TIMEOUT,
      scoped(t, async (s) => {
        const srv = await s.server((conn) => conn.onData(() => {}));
        const pre = new AbortController();
        pre.abort();
        await assert.rejects(
          s.connect(srv.port, { signal: pre.signal }),
          isTransportError("ABORTED"),
        );
        const during = new AbortController();
        const pending = s.connect(srv.port, { signal: during.signal });
        during.abort(new Error("changed my mind"));
        await assert.rejects(pending, isTransportError("ABORTED", "changed my mind"));
        const timedOut = AbortSignal.abort(new DOMException("deadline passed", "TimeoutError"));
        await assert.rejects(
          s.connect(srv.port, { signal: timedOut }),
          isTransportError("ETIMEDOUT"),
        );
        // the signal has no effect once connected
        const ok = new AbortController();
        const c = await s.connect(srv.port, { signal: ok.signal });
        ok.abort();
        assert.equal(c.write(text("still open")), true);
        await c.close();
        assert.equal(await c.closed, undefined);
      }),
    );

    test(
      "pause stops delivery until resume; the writer backs up",
      TIMEOUT,
      scoped(t, async (s) => {
        const total = 16 << 20;
        let received = 0;
        let pauseAt = Infinity;
        let paused!: () => void;
        const pausedMidStream = new Promise<void>((r) => (paused = r));
        const srv = await s.server((conn) => {
          conn.pause(); // before onData: nothing is delivered until resume()
          conn.onData((chunk) => {
            received += chunk.length;
            if (received >= pauseAt) {
              pauseAt = Infinity;
              conn.pause();
              paused();
            }
          }, () => void conn.close());
        });
        const c = await s.connect(srv.port);
        c.onData(() => {});
        const sc = await srv.accepted();
        const chunk = new Uint8Array(256 << 10).fill(7);
        for (let sent = 0; sent < total; sent += chunk.length) c.write(chunk);
        await delay(100);
        assert.equal(received, 0, "data was delivered while paused");
        assert.ok(c.bufferedAmount > 0, "the writer did not back up");

        pauseAt = 1 << 20;
        sc.resume();
        await pausedMidStream;
        const snapshot = received;
        await delay(50);
        assert.equal(
          received,
          snapshot,
          "data was delivered after pause() from inside the callback",
        );
        assert.ok(c.bufferedAmount > 0);

        sc.resume();
        await c.waitForDrain();
        await c.closeWrite();
        assert.equal(await sc.closed, undefined);
        assert.equal(received, total);
        assert.equal(await c.closed, undefined);
      }),
    );

    test(
      "TLS echo round trip with the fixture CA",
      TIMEOUT,
      scoped(t, async (s) => {
        const srv = await s.server(echo, SERVER_TLS);
        for (const tls of [{ ca: CA }, { ca: CA, serverName: "localhost" }]) {
          const c = await s.connect(srv.port, { tls });
          const reply = readAll(c);
          c.write(text(`secret via ${tls.serverName ?? HOST}`));
          await c.closeWrite();
          assert.equal(decoder.decode(await reply), `secret via ${tls.serverName ?? HOST}`);
          assert.equal(await c.closed, undefined);
        }
        assert.equal(await (await srv.accepted(1)).closed, undefined);
      }),
    );

    test(
      "a signal timeout cancels a TLS handshake the server never answers",
      TIMEOUT,
      scoped(t, async (s) => {
        const silent = await s.server((conn) => conn.onData(() => {})); // plain TCP: never speaks TLS
        await assert.rejects(
          s.connect(silent.port, { tls: { ca: CA }, signal: AbortSignal.timeout(200) }),
          isTransportError("ETIMEDOUT", `${HOST}:${silent.port}`),
        );
      }),
    );

    test(
      "TLS with an untrusted certificate or wrong name -> TLS error",
      TIMEOUT,
      scoped(t, async (s) => {
        const srv = await s.server(echo, SERVER_TLS);
        const at = `${HOST}:${srv.port}`;
        await assert.rejects(s.connect(srv.port, { tls: {} }), isTransportError("TLS", at));
        await assert.rejects(
          s.connect(srv.port, { tls: { ca: CA, serverName: "example.com" } }),
          isTransportError("TLS", at),
        );
        // the listener survives failed handshakes
        const c = await s.connect(srv.port, { tls: { ca: CA } });
        const reply = readAll(c);
        c.write(text("after failures"));
        await c.closeWrite();
        assert.equal(decoder.decode(await reply), "after failures");
      }),
    );
  });
}

describe("Deno's read buffer", () => {
  test("starts small, quadruples while reads fill it up to 64 KiB, drops back after a small read", () => {
    assert.equal(MIN_READ_BUFFER, 512);
    let size = MIN_READ_BUFFER;
    const sizes: number[] = [];
    for (const n of [512, 2048, 8192, 32768, 65536, 65536, 20000, 9000, 100, 512]) {
      size = nextReadBufferSize(size, n);
      sizes.push(size);
    }
    assert.deepEqual(sizes, [2048, 8192, 32768, 65536, 65536, 65536, 65536, 65536, 512, 2048]);
    assert.equal(nextReadBufferSize(MAX_READ_BUFFER, 8192), MIN_READ_BUFFER, "an eighth of a grown buffer is small");
    assert.equal(nextReadBufferSize(MIN_READ_BUFFER, 1), MIN_READ_BUFFER, "never below the smallest");
  });
});

describe("TransportError codes", () => {
  test("Deno's permission errors become PERMISSION_DENIED, saying which flag is missing", () => {
    for (const name of ["NotCapable", "PermissionDenied"]) {
      const cause = Object.assign(new Error('Requires net access to "127.0.0.1:9", run again with the --allow-net flag'), { name });
      const e = TransportError.from(cause, "connect to", { hostname: "127.0.0.1", port: 9 });
      assert.equal(e.code, "PERMISSION_DENIED");
      assert.match(e.message, /--allow-net/);
      assert.match(e.message, /127\.0\.0\.1:9/);
    }
  });
});
