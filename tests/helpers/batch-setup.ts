/**
 * A hand-built deployment for the extension tests: a coordinator, two of our state servers and one "plain" state
 * server that answers internal requests as Flink's does (it knows no extensions: the reserved id is an unknown
 * KvStateID to it), and a proxy that reaches every server over TCP. State "counts" (string → long) is split
 * between our two servers by key group; state "plain" lives wholly on the plain server.
 */
import { Coordinator } from "../../src/cluster/coordinator.ts";
import { KeyGroupRange } from "../../src/core/key-groups.ts";
import { toHex } from "../../src/core/hex.ts";
import { JobID, KvStateID } from "../../src/core/ids.ts";
import { ServerBase } from "../../src/net/server-base.ts";
import { KvStateInternalRequest, KvStateResponse } from "../../src/protocol/messages.ts";
import { UnknownKeyOrNamespaceError, UnknownKvStateIdError } from "../../src/protocol/remote-errors.ts";
import { KvStateClientProxy, type KvStateClientProxyOptions } from "../../src/proxy/kv-state-client-proxy.ts";
import type { KvStateLocationOracle } from "../../src/proxy/location-oracle.ts";
import { KvStateServer } from "../../src/server/kv-state-server.ts";
import { serializeKeyAndNamespace, serializeValue } from "../../src/state/kv-state-serializer.ts";
import type { KvState } from "../../src/state/kv-state-registry.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../../src/types/void-namespace.ts";
import type { Endpoint } from "../../src/transport/transport.ts";

export const NUM_KEY_GROUPS = 128;
export const LOW = new KeyGroupRange(0, 63);
export const HIGH = new KeyGroupRange(64, 127);

/** The key+namespace bytes of a string key, as a hex map key. */
export function keyHex(user: string): string {
  return toHex(serializeKeyAndNamespace(user, stringSerializer, VoidNamespace, voidNamespaceSerializer));
}

/** A KvState over a table: user → long; `throwFor` makes the lookup of that user throw. */
export function tableState(table: Map<string, bigint>, options: { throwFor?: string; pad?: number } = {}): KvState {
  const bytes = new Map<string, Uint8Array>();
  for (const [user, n] of table) bytes.set(keyHex(user), serializeValue(n, longSerializer)!);
  const bad = options.throwFor === undefined ? undefined : keyHex(options.throwFor);
  return {
    getSerializedValue(keyNs) {
      const k = toHex(keyNs);
      if (k === bad) throw new Error(`lookup of ${options.throwFor} failed`);
      return bytes.get(k) ?? null;
    },
  };
}

/** A state server that speaks only Flink's protocol: unknown ids (the reserved one too) fail with UnknownKvStateIdException. */
export class PlainServer {
  readonly states = new Map<string, KvState>();
  readonly server: ServerBase<KvStateInternalRequest>;
  constructor() {
    this.server = new ServerBase("Queryable State Server", {
      decode: KvStateInternalRequest.decode,
      handle: async (_id, req) => {
        const state = this.states.get(req.kvStateId.toString());
        if (state === undefined) throw UnknownKvStateIdError.forId("Queryable State Server", req.kvStateId);
        const value = await state.getSerializedValue(req.serializedKeyAndNamespace);
        if (value === null) throw UnknownKeyOrNamespaceError.forServer("Queryable State Server");
        return new KvStateResponse(value);
      },
    }, { shutdownTimeoutMs: 200 });
  }
  register(state: KvState): KvStateID {
    const id = KvStateID.random();
    this.states.set(id.toString(), state);
    return id;
  }
}

/** The users 0..n-1 with their counts (user-i → i*7). */
export function users(n: number): Map<string, bigint> {
  return new Map(Array.from({ length: n }, (_, i) => [`user-${i}`, BigInt(i * 7)]));
}

export interface Deployment {
  readonly jobId: JobID;
  readonly coordinator: Coordinator;
  readonly servers: readonly [KvStateServer, KvStateServer];
  readonly plain: PlainServer;
  readonly proxy: KvStateClientProxy;
  readonly proxyAddress: Endpoint;
  readonly table: Map<string, bigint>;
  /** Ids of "counts" on servers 0 and 1. */
  readonly ids: [KvStateID, KvStateID];
  close(): Promise<void>;
}

/** Starts the deployment with `n` users in "counts" and in "plain". */
export async function startDeployment(
  n: number,
  proxyOptions: Partial<KvStateClientProxyOptions> = {},
  options: { oracle?: (c: Coordinator) => KvStateLocationOracle; throwFor?: string } = {},
): Promise<Deployment> {
  const table = users(n);
  const coordinator = new Coordinator();
  const jobId = JobID.random();
  coordinator.registerJob(jobId, new Map([["op", NUM_KEY_GROUPS], ["plain-op", NUM_KEY_GROUPS]]));
  const servers: [KvStateServer, KvStateServer] = [new KvStateServer({ shutdownTimeoutMs: 200 }), new KvStateServer({ shutdownTimeoutMs: 200 })];
  const plain = new PlainServer();
  const addresses = await Promise.all([servers[0].start(), servers[1].start(), plain.server.start()]);
  const state = tableState(table, { throwFor: options.throwFor });
  const ids: [KvStateID, KvStateID] = [servers[0].registry.register(state, { name: "counts" }), servers[1].registry.register(state, { name: "counts" })];
  coordinator.notifyKvStateRegistered(jobId, "op", LOW, "counts", ids[0], addresses[0]);
  coordinator.notifyKvStateRegistered(jobId, "op", HIGH, "counts", ids[1], addresses[1]);
  const plainId = plain.register(tableState(table, { throwFor: options.throwFor }));
  coordinator.notifyKvStateRegistered(jobId, "plain-op", new KeyGroupRange(0, NUM_KEY_GROUPS - 1), "plain", plainId, addresses[2]);
  const proxy = new KvStateClientProxy({ oracle: options.oracle?.(coordinator) ?? coordinator, shutdownTimeoutMs: 200, ...proxyOptions });
  const proxyAddress = await proxy.start();
  return {
    jobId,
    coordinator,
    servers,
    plain,
    proxy,
    proxyAddress,
    table,
    ids,
    async close() {
      await proxy.close();
      await Promise.all([servers[0].close(), servers[1].close(), plain.server.close()]);
    },
  };
}
