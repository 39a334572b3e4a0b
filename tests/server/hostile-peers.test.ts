// Peers that misbehave at the socket level must not crash, stall or confuse a server (issue 11).
import assert from "node:assert/strict";
import net from "node:net";
import { after, describe, test } from "node:test";
import { formatHostPort } from "../../src/transport/address.ts";
import { keyRequest, newClient, startFixtureServer, valueOf } from "../helpers/fixture.ts";

function connectThenReset(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    const done = () => resolve();
    s.on("connect", () => {
      const r = (s as net.Socket & { resetAndDestroy?: () => void }).resetAndDestroy;
      if (typeof r === "function") r.call(s);
      else s.destroy();
    });
    s.on("error", done);
    s.on("close", done);
  });
}

describe("hostile peers", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test("a flood of connections reset right after accept: the server keeps serving", async () => {
    const server = await startFixtureServer(10);
    const client = newClient({ requestTimeoutMs: 10_000 });
    cleanup.push(() => server.close({ timeoutMs: 200 }), () => client.close());
    for (let round = 0; round < 6; round++) {
      await Promise.all(Array.from({ length: 50 }, () => connectThenReset(server.address!.port)));
    }
    assert.equal(valueOf(await client.sendRequest(server.address!, keyRequest(3))), "value-3");
  });

  test("addresses are formatted without throwing even when the runtime has none", () => {
    assert.equal(formatHostPort({ hostname: undefined as never, port: undefined as never }), "unknown-host:?");
    assert.equal(formatHostPort({ hostname: "::1", port: 5 }), "[::1]:5");
  });
});
