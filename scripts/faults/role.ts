// One process of the fault suite (scripts/test-faults.mjs), on Node, Deno or Bun:
//   role.ts coordinator --port P [--etcd URLS]
//   role.ts taskmanager --index I --parallelism N --keys K --server-port P --proxy-port Q (--etcd URLS | --coordinator H:P)
//   role.ts proxy --port P --etcd URLS
// The token (QSTATE_TOKEN) comes from the environment. A task manager serves subtask I of a job whose every
// key has one known value (valueOf), so a client can tell a right answer from a wrong one. Prints one JSON
// line when ready; ends itself when its parent goes (stdin closes).
import process from "node:process";
import {
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  Coordinator,
  detectRuntime,
  EtcdLocations,
  JobID,
  type KeyedJob,
  KvStateClientProxy,
  longSerializer,
  reducingState,
  stringSerializer,
  TaskManager,
} from "../../mod.ts";
import { exitWithParent } from "../../src/cli/watch-parent.ts";

/** The job id every task manager of the suite serves. */
export const FAULT_JOB = JobID.fromHex("fa017fa017fa017fa017fa017fa017fa");
export const MAX_PARALLELISM = 128;
/** The queryable state: one value per key. */
export const valueState = reducingState("value", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "value" });
/** The suite's keys. */
export const keysOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `key-${i}`);
/** The one right value of `key`. */
export const valueOf = (key: string): bigint => BigInt(Number(key.slice(4)) * 1000 + 7);

function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) out[args[i].replace(/^--/, "")] = args[i + 1];
  return out;
}

async function main(): Promise<void> {
  const [role, ...rest] = process.argv.slice(process.argv.findIndex((a) => a.endsWith("role.ts")) + 1);
  const f = flags(rest);
  const token = process.env.QSTATE_TOKEN || undefined;
  const etcd = f.etcd;
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const print = (info: Record<string, unknown>) => process.stdout.write(JSON.stringify({ pid: process.pid, runtime: detectRuntime(), ...info }) + "\n");
  if (role === "coordinator") {
    const service = await Coordinator.serve({ port: Number(f.port), token, heartbeatTimeoutMs: 3000, log, ...(etcd ? { etcd } : {}) });
    print({ address: `127.0.0.1:${service.address!.port}` });
    exitWithParent(() => service.close({ timeoutMs: 200 }));
  } else if (role === "proxy") {
    const locations = new EtcdLocations(etcd, { token, log, healthIntervalMs: 500 });
    await locations.start();
    const proxy = new KvStateClientProxy({ oracle: locations, port: Number(f.port), requestTimeoutMs: 2000 });
    const at = await proxy.start();
    print({ proxy: `127.0.0.1:${at.port}` });
    exitWithParent(async () => {
      await proxy.close({ timeoutMs: 200 });
      await locations.close();
    });
  } else if (role === "taskmanager") {
    const index = Number(f.index), parallelism = Number(f.parallelism);
    const range = computeKeyGroupRangeForOperatorIndex(MAX_PARALLELISM, parallelism, index);
    const keys = keysOf(Number(f.keys)).filter((k) => range.contains(computeKeyGroupForKeyHash(stringSerializer.hashCode(k), MAX_PARALLELISM)));
    const tm = await TaskManager.join({
      ...(etcd ? { etcd, leaseTtlSeconds: 3 } : { coordinator: f.coordinator, heartbeatIntervalMs: 500 }),
      token,
      log,
      serverPort: Number(f["server-port"]),
      proxyPort: Number(f["proxy-port"]),
      proxy: { requestTimeoutMs: 2000 },
    });
    const job: KeyedJob<string, string> = {
      sources: [keys],
      keyBy: (k) => k,
      keyType: stringSerializer as unknown as KeyedJob<string, string>["keyType"],
      steps: [{ name: "values", states: [valueState], process: (k, ctx) => ctx.state(valueState).add(valueOf(k)) }],
    };
    const subtask = tm.serve(job, { jobId: FAULT_JOB, subtask: index, parallelism, maxParallelism: MAX_PARALLELISM });
    await subtask.ready;
    print({ proxy: `127.0.0.1:${tm.proxyAddress.port}`, server: `127.0.0.1:${tm.serverAddress.port}`, keys });
    exitWithParent(() => tm.close({ timeoutMs: 200 }));
  } else {
    throw new Error(`unknown role '${role}'`);
  }
}

if ((import.meta as { main?: boolean }).main ?? process.argv.some((a) => a.endsWith("role.ts"))) {
  main().catch((e) => {
    process.stderr.write(`role failed: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  });
}
