// Bounded fuzzing (issue 11): seeded mutated and random frames against the server and, from a hostile
// fake server, against the client. Asserts survival, correct answers for a well-behaved client, bounded
// memory. QSTATE_FUZZ_SEED=<n> replays a run.
import assert from "node:assert/strict";
import * as net from "node:net";
import { after, describe, test } from "node:test";
import { defaultTransport, QueryableStateError } from "../../mod.ts";
import { encodeRequestFrame, encodeResponseFrame, KvStateResponse } from "../../protocol.ts";
import { keyRequest, newClient, startFixtureServer, valueOf } from "../helpers/fixture.ts";
import { Rng } from "../helpers/random.ts";

const SEED = Number(process.env.QSTATE_FUZZ_SEED ?? 0x5eed11);

/** A valid frame with a few random changes: flipped bytes, a rewritten length or header word, a cut. */
function mutate(rng: Rng, f: Uint8Array): Uint8Array {
  const b = f.slice();
  const v = new DataView(b.buffer);
  switch (rng.int(0, 5)) {
    case 0:
      for (let i = rng.int(1, 4); i > 0; i--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      break;
    case 1:
      v.setInt32(0, rng.pick([0, 1, 7, 8, b.length - 4 + rng.int(-3, 3), rng.int32()]));
      break;
    case 2:
      v.setInt32(4, rng.int32());
      break;
    case 3:
      v.setInt32(8, rng.pick([-1, 0, 2, 3, 4, rng.int32()]));
      break;
    case 4:
      return b.subarray(0, rng.int(0, b.length - 1));
    default:
      return rng.bytes(rng.int(1, 64));
  }
  return b;
}

/** Sends `bytes` on a raw socket, half-closes, and waits until the server has closed too. */
function blast(port: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => s.end(bytes));
    s.on("data", () => {});
    s.on("error", () => resolve());
    s.on("close", () => resolve());
  });
}

describe("fuzz", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test(`mutated and random frames against the server (seed ${SEED})`, async () => {
    const rng = new Rng(SEED);
    const server = await startFixtureServer(50, { frameTimeoutMs: 1000 });
    const client = newClient();
    cleanup.push(() => client.close(), () => server.close({ timeoutMs: 100 }));
    const port = server.address!.port;
    const rssStart = process.memoryUsage().rss;
    for (let round = 0; round < 20; round++) {
      const conns = Array.from({ length: 12 }, () => {
        const parts: Uint8Array[] = [];
        for (let i = rng.int(1, 40); i > 0; i--) {
          const f = encodeRequestFrame(BigInt(rng.int(0, 1000)), keyRequest(rng.int(0, 60)));
          parts.push(rng.next() < 0.3 ? f : mutate(rng, f));
        }
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          all.set(p, at);
          at += p.length;
        }
        return blast(port, all);
      });
      await Promise.all(conns);
      const key = rng.int(0, 49);
      const res = await client.sendRequest(server.address!, keyRequest(key), { timeoutMs: 30_000 });
      assert.equal(valueOf(res), `value-${key}`, `seed ${SEED}, round ${round}`);
    }
    const grown = process.memoryUsage().rss - rssStart;
    assert.ok(grown < 512 * 1024 * 1024, `RSS grew by ${grown} bytes (seed ${SEED})`);
  });

  test(`a hostile server's mutated answers only ever fail requests with typed errors (seed ${SEED})`, async () => {
    const rng = new Rng(SEED + 1);
    const t = await defaultTransport();
    const listener = await t.listen({
      hostname: "127.0.0.1",
      port: 0,
      onConnection(conn) {
        conn.onData(() => {
          const good = encodeResponseFrame(0n, new KvStateResponse(rng.bytes(rng.int(0, 32))));
          try {
            conn.write(rng.next() < 0.2 ? good : mutate(rng, good));
            const r = rng.next();
            if (r < 0.2) conn.abort();
            else if (r < 0.6) void conn.close(); // a hung-up peer fails the rest at once, no timeout needed
          } catch { /* closed */ }
        }, () => void conn.close());
      },
    });
    cleanup.push(() => listener.close());
    for (let round = 0; round < 40; round++) {
      const client = newClient({ maxFrameLength: 1024 * 1024 });
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, (_, i) => client.sendRequest(listener.addr, keyRequest(i), { timeoutMs: 250 })),
      );
      await client.close();
      for (const r of results) {
        if (r.status === "fulfilled") assert.ok(r.value instanceof KvStateResponse);
        else {
          assert.ok(r.reason instanceof QueryableStateError, `seed ${SEED}: ${r.reason}`);
          assert.equal(typeof r.reason.code, "string");
        }
      }
    }
  });
});
