/** `qstate states`: the jobs a coordinator (or etcd) knows and the queryable states each one registered. */
import { CoordinatorClient } from "../cluster/coordinator-client.ts";
import { EtcdGateway, type EtcdOptions } from "../cluster/etcd/etcd-gateway.ts";
import { listLocations } from "../cluster/etcd/etcd-locations.ts";
import { JobID } from "../core/ids.ts";
import type { StateListing } from "../proxy/location-oracle.ts";
import { parseAddressList } from "../transport/address.ts";
import type { ClientTlsOptions } from "../transport/transport.ts";
import { asUsage } from "./args.ts";

export interface StatesOptions {
  coordinator?: string;
  etcd?: string;
  etcdOptions?: EtcdOptions;
  etcdPrefix: string;
  job?: string;
  timeoutMs: number;
  /** TLS towards the coordinator. */
  tls?: ClientTlsOptions;
}

/** Asks the registry; resolves with every job (or the one asked for) and its states. */
export async function listStates(o: StatesOptions): Promise<StateListing[]> {
  const jobId = o.job === undefined ? undefined : asUsage("states", () => JobID.fromHex(o.job!));
  if (o.etcd !== undefined) {
    const etcd = asUsage("states", () => new EtcdGateway(o.etcd!, { ...o.etcdOptions, timeoutMs: o.timeoutMs }));
    return await listLocations(etcd, o.etcdPrefix, jobId);
  }
  const addresses = asUsage("states", () => parseAddressList(o.coordinator!));
  const client = new CoordinatorClient(addresses, { requestTimeoutMs: o.timeoutMs, connectTimeoutMs: o.timeoutMs, tls: o.tls });
  try {
    return await client.listStates(jobId);
  } finally {
    await client.close();
  }
}

/** The listing as text: one block per job, one row per state. */
export function statesText(jobs: readonly StateListing[]): string {
  if (jobs.length === 0) return "No jobs are registered.";
  return jobs.map((j) => {
    if (j.states.length === 0) return `job ${j.jobId}: no queryable state registered (yet)`;
    const width = Math.max(...j.states.map((s) => s.name.length));
    const rows = j.states.map((s) => {
      const served = s.registeredKeyGroups === s.numKeyGroups ? "all" : `${s.registeredKeyGroups} of`;
      return `  ${s.name.padEnd(width)}  ${served} ${s.numKeyGroups} key groups served (operator ${s.vertex})`;
    });
    return `job ${j.jobId}: ${j.states.length} queryable state(s)\n${rows.join("\n")}`;
  }).join("\n");
}
