/** `qstate coordinator` and `qstate taskmanager`: one role per process, for real deployments and `qstate cluster`. */
import process from "node:process";
import { Coordinator } from "../cluster/coordinator.ts";
import type { EtcdOptions } from "../cluster/etcd/etcd-gateway.ts";
import { TaskManager } from "../cluster/task-manager.ts";
import { JobID } from "../core/ids.ts";
import { computeDefaultMaxParallelism, computeKeyGroupForKeyHash, computeKeyGroupRangeForOperatorIndex } from "../core/key-groups.ts";
import { formatHostPort } from "../transport/address.ts";
import type { ClientTlsOptions, ServerTlsOptions } from "../transport/transport.ts";
import { detectRuntime } from "../transport/detect.ts";
import { stringSerializer } from "../types/string-serializer.ts";
import { clusterDemoUsers, demoJob } from "./demo-job.ts";
import { untilStopped } from "./until-stopped.ts";
import { exitWithParent } from "./watch-parent.ts";

export interface CoordinatorRoleOptions {
  host: string;
  port: string;
  token?: string;
  /** The token was made here: show it once, so task managers can be given it. */
  tokenGenerated?: boolean;
  tls?: ServerTlsOptions;
  heartbeatTimeoutMs: number;
  etcd?: string;
  etcdOptions?: EtcdOptions;
  json: boolean;
}

export async function runCoordinator(o: CoordinatorRoleOptions): Promise<void> {
  const service = await Coordinator.serve({
    host: o.host, port: o.port, token: o.token, tls: o.tls, heartbeatTimeoutMs: o.heartbeatTimeoutMs, etcd: o.etcd, etcdOptions: o.etcdOptions,
  });
  const address = formatHostPort(service.address!);
  const generated = o.tokenGenerated ? o.token : undefined;
  if (o.json) {
    process.stdout.write(JSON.stringify({ coordinator: address, pid: process.pid, runtime: detectRuntime(), tls: o.tls !== undefined, ...(generated ? { token: generated } : {}) }) + "\n");
  } else {
    const access = o.token === undefined
      ? "OPEN: anyone who reaches it can register or unregister states (--insecure)"
      : generated
      ? `registrations need this token, made now and shown once:\n  ${generated}\nGive it to task managers in their environment: QSTATE_TOKEN=… qstate taskmanager --coordinator ${address} …`
      : "registrations need the token";
    process.stdout.write(`Coordinator listening on ${address}${o.tls ? " (TLS)" : ""}, heartbeat timeout ${o.heartbeatTimeoutMs} ms; ${access}\nStop with Ctrl-C.\n`);
  }
  if (o.token === undefined) process.stderr.write("qstate coordinator: --insecure: registrations are not authenticated.\n");
  const stop = () => service.close({ timeoutMs: 500 });
  exitWithParent(stop);
  await untilStopped();
  await stop();
}

export interface TaskManagerRoleOptions {
  coordinator?: string;
  token?: string;
  /** TLS the state server and the proxy serve. */
  tls?: ServerTlsOptions;
  /** TLS towards the coordinator and other task managers' state servers (TLS on, with the runtime's CAs, when only `tls` is given). */
  clientTls?: ClientTlsOptions;
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
    tls: o.tls,
    clientTls: o.clientTls ?? (o.tls ? {} : undefined),
    coordinatorTls: o.clientTls,
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
