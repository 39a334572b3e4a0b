/**
 * A hand-built deployment for the watch tests, over TCP all the way: a coordinator, two state servers each serving one
 * half of the key groups of a heap backend's states ("counts": string → long, "pages": string → map<string, long>),
 * and a proxy that reaches both servers over sockets (no in-process shortcut). Tests write the backends directly.
 */
import { Coordinator } from "../../src/cluster/coordinator.ts";
import { computeKeyGroupForKeyHash, KeyGroupRange } from "../../src/core/key-groups.ts";
import { JobID, type KvStateID } from "../../src/core/ids.ts";
import { KvStateClientProxy, type KvStateClientProxyOptions } from "../../src/proxy/kv-state-client-proxy.ts";
import { KvStateServer } from "../../src/server/kv-state-server.ts";
import { mapState, reducingState } from "../../src/state/descriptors.ts";
import { HeapKeyedStateBackend } from "../../src/state/keyed-state-backend.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import type { Endpoint } from "../../src/transport/transport.ts";

export const NUM_KEY_GROUPS = 128;
const RANGES = [new KeyGroupRange(0, 63), new KeyGroupRange(64, 127)] as const;

export const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });
export const pages = mapState("pages", stringSerializer, longSerializer, { queryable: "pages" });

/** Which half (server 0 or 1) owns `user`. */
export function halfOf(user: string): 0 | 1 {
  return computeKeyGroupForKeyHash(stringSerializer.hashCode(user), NUM_KEY_GROUPS) < 64 ? 0 : 1;
}

/** The first `user-i` of each half. */
export function oneUserPerHalf(): [string, string] {
  let a: string | undefined, b: string | undefined;
  for (let i = 0; a === undefined || b === undefined; i++) {
    const u = `user-${i}`;
    if (halfOf(u) === 0) a ??= u;
    else b ??= u;
  }
  return [a, b];
}

export interface WatchDeployment {
  readonly jobId: JobID;
  readonly servers: readonly [KvStateServer, KvStateServer];
  readonly addresses: readonly [Endpoint, Endpoint];
  readonly proxy: KvStateClientProxy;
  readonly proxyAddress: Endpoint;
  /** The KvStateID of state `name` on server `i`. */
  idOf(i: 0 | 1, name: string): KvStateID;
  /** Another proxy over the same coordinator and state servers. */
  anotherProxy(): Promise<{ proxy: KvStateClientProxy; address: Endpoint }>;
  /** Adds `n` to `user`'s count; resolves with the version of the write. */
  add(user: string, n: bigint): bigint;
  /** Puts (or with null removes) a page of `user`'s map. */
  put(user: string, page: string, n: bigint | null): bigint;
  close(): Promise<void>;
}

export async function startWatchDeployment(proxyOptions: Partial<KvStateClientProxyOptions> = {}): Promise<WatchDeployment> {
  const coordinator = new Coordinator();
  const jobId = JobID.random();
  coordinator.registerJob(jobId, new Map([["op", NUM_KEY_GROUPS]]));
  const servers: [KvStateServer, KvStateServer] = [new KvStateServer({ shutdownTimeoutMs: 200 }), new KvStateServer({ shutdownTimeoutMs: 200 })];
  const addresses = await Promise.all([servers[0].start(), servers[1].start()]) as [Endpoint, Endpoint];
  const ids = new Map<string, KvStateID>();
  const backends = RANGES.map((range, i) =>
    new HeapKeyedStateBackend({
      keySerializer: stringSerializer,
      keyGroupRange: range,
      numberOfKeyGroups: NUM_KEY_GROUPS,
      onQueryableState: (entry) => {
        const id = servers[i].registry.register(entry.kvState, { name: entry.queryableStateName });
        ids.set(`${i}/${entry.queryableStateName}`, id);
        coordinator.notifyKvStateRegistered(jobId, "op", range, entry.queryableStateName, id, addresses[i]);
      },
    })
  );
  for (const b of backends) {
    b.getState(counts);
    b.getState(pages);
  }
  const proxy = new KvStateClientProxy({ oracle: coordinator, shutdownTimeoutMs: 200, ...proxyOptions });
  const extras: KvStateClientProxy[] = [];
  const proxyAddress = await proxy.start();
  const backendOf = (user: string) => {
    const b = backends[halfOf(user)];
    b.setCurrentKey(user);
    return b;
  };
  return {
    jobId,
    servers,
    addresses,
    proxy,
    proxyAddress,
    idOf: (i, name) => ids.get(`${i}/${name}`)!,
    async anotherProxy() {
      const extra = new KvStateClientProxy({ oracle: coordinator, shutdownTimeoutMs: 200, ...proxyOptions });
      const address = await extra.start();
      extras.push(extra);
      return { proxy: extra, address };
    },
    add(user, n) {
      const b = backendOf(user);
      b.getState(counts).add(n);
      return b.version("counts");
    },
    put(user, page, n) {
      const b = backendOf(user);
      if (n === null) b.getState(pages).remove(page);
      else b.getState(pages).put(page, n);
      return b.version("pages");
    },
    async close() {
      await Promise.all([proxy, ...extras].map((p) => p.close()));
      await Promise.all([servers[0].close(), servers[1].close()]);
    },
  };
}
