// The node:http server and GET client behind serveMetrics and `qstate stats`, on each runtime.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultTransport, TransportError } from "../../mod.ts";
import { httpGet, serveHttp } from "../../src/transport/http.ts";

const TEXT = "text/plain";

/** A loopback port nobody listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const l = await (await defaultTransport()).listen({ hostname: "127.0.0.1", port: 0, onConnection: (c) => c.abort() });
  await l.close();
  return l.addr.port;
}

describe("serveHttp", () => {
  test("passes method and path (without the query string) to the handler; a throwing handler answers 500", async () => {
    const seen: string[] = [];
    await using server = await serveHttp({
      hostname: "127.0.0.1",
      port: 0,
      handle(method, path) {
        seen.push(`${method} ${path}`);
        if (path === "/boom") throw new Error("kaput");
        return { status: 200, contentType: TEXT, body: "héllo\n" };
      },
    });
    const at = { hostname: "127.0.0.1", port: server.addr.port };
    const ok = await httpGet(at, "/x?y=1", { timeoutMs: 30_000, op: "test" });
    assert.deepEqual([ok.status, ok.contentType, ok.body], [200, TEXT, "héllo\n"]);
    const boom = await httpGet(at, "/boom", { timeoutMs: 30_000, op: "test" });
    assert.deepEqual([boom.status, boom.body], [500, "kaput\n"]);
    assert.deepEqual(seen, ["GET /x", "GET /boom"]);
  });

  test("a connection that never completes its request is dropped after connectionTimeoutMs, unanswered", async () => {
    await using server = await serveHttp({ hostname: "127.0.0.1", port: 0, connectionTimeoutMs: 200, handle: () => ({ status: 200, contentType: TEXT, body: "" }) });
    const conn = await (await defaultTransport()).connect({ hostname: "127.0.0.1", port: server.addr.port });
    let received = 0;
    const ended = new Promise<void>((resolve) => conn.onData((c) => (received += c.byteLength), resolve));
    conn.write(new TextEncoder().encode("GET /metrics HTTP/1.1\r\nHost: x\r\n"));
    await Promise.race([ended, conn.closed]);
    assert.equal(received, 0);
    conn.abort();
  });

  test("close() resolves while a connection is open and frees the port; a busy port is refused with EADDRINUSE", async () => {
    const handle = () => ({ status: 200, contentType: TEXT, body: "" });
    const server = await serveHttp({ hostname: "127.0.0.1", port: 0, handle });
    const port = server.addr.port;
    const conn = await (await defaultTransport()).connect({ hostname: "127.0.0.1", port });
    await assert.rejects(serveHttp({ hostname: "127.0.0.1", port, handle }), (e: unknown) => e instanceof TransportError && e.code === "EADDRINUSE");
    await server.close();
    conn.abort();
    await using again = await serveHttp({ hostname: "127.0.0.1", port, handle });
    assert.equal(again.addr.port, port);
  });
});

describe("httpGet", () => {
  test("a refused port is ECONNREFUSED (port 1 too: no fetch-style port blocklist)", async () => {
    for (const port of [await deadPort(), 1]) {
      await assert.rejects(httpGet({ hostname: "127.0.0.1", port }, "/metrics", { timeoutMs: 30_000, op: "read metrics from" }), (e: unknown) => {
        assert.ok(e instanceof TransportError, String(e));
        assert.equal(e.code, "ECONNREFUSED");
        assert.match(e.message, new RegExp(`^Cannot read metrics from 127\\.0\\.0\\.1:${port}: connection refused`));
        return true;
      });
    }
  });

  test("a peer that accepts and stays silent fails with ETIMEDOUT; an oversized body is refused", async () => {
    const silent = await (await defaultTransport()).listen({ hostname: "127.0.0.1", port: 0, onConnection: () => {} });
    try {
      await assert.rejects(
        httpGet({ hostname: "127.0.0.1", port: silent.addr.port }, "/", { timeoutMs: 100, op: "test" }),
        (e: unknown) => e instanceof TransportError && e.code === "ETIMEDOUT",
      );
    } finally {
      await silent.close();
    }
    await using server = await serveHttp({ hostname: "127.0.0.1", port: 0, handle: () => ({ status: 200, contentType: TEXT, body: "x".repeat(5000) }) });
    await assert.rejects(
      httpGet({ hostname: "127.0.0.1", port: server.addr.port }, "/", { timeoutMs: 30_000, op: "test", maxBodyBytes: 1000 }),
      (e: unknown) => e instanceof TransportError && /larger than 1000 bytes/.test(e.message),
    );
  });
});
