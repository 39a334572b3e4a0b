import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { ConnectError } from "../../mod.ts";
import { keyRequest, newClient, startFixtureServer, valueOf } from "../helpers/fixture.ts";

const pem = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url)), "utf8");

describe("TLS", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  test("a client that trusts the CA queries a TLS server; one that does not is refused", async () => {
    const server = await startFixtureServer(20, { tls: { cert: pem("server.pem"), key: pem("server-key.pem") } });
    cleanup.push(() => server.close({ timeoutMs: 500 }));
    const addr = server.address!;
    const trusting = newClient({ tls: { ca: pem("ca.pem"), serverName: "localhost" } });
    cleanup.push(() => trusting.close());
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => trusting.sendRequest(addr, keyRequest(i % 20))));
    answers.forEach((a, i) => assert.equal(valueOf(a), `value-${i % 20}`));

    const untrusting = newClient({ tls: { serverName: "localhost" }, connectTimeoutMs: 5000 });
    cleanup.push(() => untrusting.close());
    await assert.rejects(untrusting.sendRequest(addr, keyRequest(1)), (e: unknown) => {
      assert.ok(e instanceof ConnectError, String(e));
      assert.equal((e.cause as { code?: string }).code, "TLS");
      return true;
    });
  });
});
