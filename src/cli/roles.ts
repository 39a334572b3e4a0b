/** `qstate coordinator` and `qstate taskmanager`: one role per process, for real deployments and `qstate cluster`. */
import process from "node:process";
import { Coordinator } from "../cluster/coordinator.ts";
import type { EtcdOptions } from "../cluster/etcd/etcd-gateway.ts";
import { TaskManager } from "../cluster/task-manager.ts";
import { JobID } from "../core/ids.ts";
import { computeDefaultMaxParallelism, computeKeyGroupForKeyHash, computeKeyGroupRangeForOperatorIndex } from "../core/key-groups.ts";
import { formatHostPort } from "../transport/address.ts";
import { detectRuntime } from "../transport/detect.ts";
import { stringSerializer } from "../types/string-serializer.ts";
import { clusterDemoUsers, demoJob } from "./demo-job.ts";
import { untilStopped } from "./until-stopped.ts";
import { exitWithParent } from "./watch-parent.ts";

export interface CoordinatorRoleOptions {
  host: string;
  port: string;
  token?: string;
  heartbeatTimeoutMs: number;
  etcd?: string;
  etcdOptions?: EtcdOptions;
  json: boolean;
}

export async function runCoordinator(o: CoordinatorRoleOptions): Promise<void> {
  const service = await Coordinator.serve({ host: o.host, port: o.port, token: o.token, heartbeatTimeoutMs: o.heartbeatTimeoutMs, etcd: o.etcd, etcdOptions: o.etcdOptions });
  const address = formatHostPort(service.address!);
  process.stdout.write(o.json
    ? JSON.stringify({ coordinator: address, pid: process.pid, runtime: detectRuntime() }) + "\n"
    : `Coordinator listening on ${address} (heartbeat timeout ${o.heartbeatTimeoutMs} ms${o.token ? ", registrations need the token" : ""}). Stop with Ctrl-C.\n`);
  const stop = () => service.close({ timeoutMs: 500 });
  exitWithParent(stop);
  await untilStopped();
  await stop();
}

export interface TaskManagerRoleOptions {
  coordinator?: string;
  token?: string;
  host: string;
  advertisedHost?: string;
  serverPort: string;
  proxyPort: string;
  job: string;
  subtask: number;
  parallelism: number;
  maxParallelism?: number;
  taskManagers: number;
  heartbeatIntervalMs: number;
  etcd?: string;
  etcdOptions?: EtcdOptions;
  json: boolean;
}

/** Joins the coordinator and serves subtask `subtask` of the demo job (its own users only). */
export async function runTaskManager(o: TaskManagerRoleOptions): Promise<void> {
  const maxParallelism = o.maxParallelism ?? computeDefaultMaxParallelism(o.parallelism);
  const range = computeKeyGroupRangeForOperatorIndex(maxParallelism, o.parallelism, o.subtask);
  const users = clusterDemoUsers(o.taskManagers)
    .filter((u) => range.contains(computeKeyGroupForKeyHash(stringSerializer.hashCode(u), maxParallelism)));
  const tm = await TaskManager.join({
    ...(o.etcd === undefined ? { coordinator: o.coordinator } : { etcd: o.etcd, etcdOptions: o.etcdOptions }),
    token: o.token,
    host: o.host,
    advertisedHost: o.advertisedHost,
    serverPort: o.serverPort,
    proxyPort: o.proxyPort,
    heartbeatIntervalMs: o.heartbeatIntervalMs,
  });
  const jobId = JobID.fromHex(o.job);
  const subtask = tm.serve(demoJob({ users, eventsPerSecond: 100 }), { jobId, subtask: o.subtask, parallelism: o.parallelism, maxParallelism });
  await subtask.ready;
  const info = {
    pid: process.pid,
    runtime: detectRuntime(),
    proxy: formatHostPort(tm.proxyAddress),
    server: formatHostPort(tm.serverAddress),
    keyGroups: [range.startKeyGroup, range.endKeyGroup],
    keys: users,
  };
  process.stdout.write(o.json
    ? JSON.stringify(info) + "\n"
    : `Task manager (subtask ${o.subtask} of ${o.parallelism}, key groups ${range.startKeyGroup}-${range.endKeyGroup}) serving job ${jobId}: proxy ${info.proxy}, state server ${info.server}.\n`);
  const stop = () => tm.close({ timeoutMs: 500 });
  exitWithParent(stop);
  await Promise.race([untilStopped(), subtask.result]);
  await stop();
}
