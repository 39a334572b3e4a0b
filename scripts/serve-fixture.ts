/**
 * Starts a KvStateServer holding one state (see fixture-state.ts) so that other
 * implementations' clients, Flink's Java client among them, can be pointed at it.
 *
 *   npx tsx scripts/serve-fixture.ts --port 0 [--host 127.0.0.1] [--keys 1000] [--state-id HEX]
 *   deno run -A scripts/serve-fixture.ts ...      bun scripts/serve-fixture.ts ...
 *
 * Prints `LISTENING host:port stateId=HEX keys=N` once bound, serves until SIGINT/SIGTERM.
 */
import process from "node:process";
import { KvStateID, KvStateServer } from "../mod.ts";
import { fixtureState } from "./fixture-state.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith("--")) {
    console.error(`serve-fixture: --${name} needs a value`);
    process.exit(2);
  }
  return v;
}

const host = arg("host", "127.0.0.1");
const port = arg("port", "0");
const keys = Number(arg("keys", "1000"));
if (!Number.isInteger(keys) || keys < 0) {
  console.error(`serve-fixture: --keys must be a non-negative integer`);
  process.exit(2);
}
const stateId = KvStateID.fromHex(arg("state-id", new KvStateID(1n, 2n).toString()));

const server = new KvStateServer({ host, port });
server.registry.register(fixtureState(keys), { id: stateId, name: "fixture" });
const addr = await server.start();
const shown = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
console.log(`LISTENING ${shown}:${addr.port} stateId=${stateId} keys=${keys}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close({ timeoutMs: 2000 });
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
