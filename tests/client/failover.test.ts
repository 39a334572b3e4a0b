// A client with several proxy addresses skips the ones it cannot reach, within one deadline.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConnectError, LocalCluster, QueryableStateClient, reducingState, longSerializer, stringSerializer, type KeyedJob } from "../../mod.ts";
import { KvStateServer } from "../../mod.ts";

const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });

/** A loopback port nobody listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = new KvStateServer();
  const { port } = await s.start();
  await s.close();
  return port;
}

describe("QueryableStateClient failover", () => {
  test("a dead proxy in the list is skipped; the live one answers, as a list or as one string", async () => {
    await using cluster = await LocalCluster.start({ taskManagers: 1 });
    const job: KeyedJob<string, string> = {
      sources: [["a", "a", "b"]],
      keyBy: (k) => k,
      keyType: stringSerializer as unknown as KeyedJob<string, string>["keyType"],
      steps: [{ name: "count", states: [counts], process: (_k, ctx) => ctx.state(counts).add(1n) }],
    };
    const running = cluster.submit(job);
    await running.sourcesDone;
    const live = `127.0.0.1:${cluster.proxyAddresses[0].port}`;
    const dead = `127.0.0.1:${await deadPort()}`;
    for (const proxies of [[dead, live], `${dead},${live}`]) {
      await using client = new QueryableStateClient(proxies, { requestTimeoutMs: 10_000 });
      assert.equal((await client.getKvState(running.jobId, "counts", "a", stringSerializer, counts)).get(), 2n);
      assert.equal((await client.getKvState(running.jobId, "counts", "b", stringSerializer, counts)).get(), 1n);
      assert.equal(client.addresses.length, 2);
    }
  });

  test("when no proxy can be reached the query fails with ConnectError", async () => {
    await using client = new QueryableStateClient([`127.0.0.1:${await deadPort()}`, `127.0.0.1:${await deadPort()}`], { requestTimeoutMs: 10_000 });
    await assert.rejects(client.getKvState("0".repeat(32), "counts", "a", stringSerializer, counts), ConnectError);
  });
});
