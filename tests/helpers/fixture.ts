import { deserializeValue, intSerializer, KvStateID, KvStateServer, type KvStateServerOptions, serializeKeyAndNamespace, stringSerializer, VoidNamespace, voidNamespaceSerializer } from "../../mod.ts";
import { Client, KvStateInternalRequest, KvStateResponse } from "../../protocol.ts";
import { fixtureState } from "../../scripts/fixture-state.ts";

export const FIXTURE_STATE_ID = new KvStateID(1n, 2n);

/** A started state server holding the fixture state (int keys 0..keys-1 → "value-<key>"). */
export async function startFixtureServer(keys = 100, options: KvStateServerOptions = {}): Promise<KvStateServer> {
  const server = new KvStateServer(options);
  server.registry.register(fixtureState(keys), { id: FIXTURE_STATE_ID, name: "fixture" });
  await server.start();
  return server;
}

export function keyRequest(key: number, id: KvStateID = FIXTURE_STATE_ID): KvStateInternalRequest {
  return new KvStateInternalRequest(id, serializeKeyAndNamespace(key, intSerializer, VoidNamespace, voidNamespaceSerializer));
}

export function newClient(options = {}): Client<KvStateInternalRequest, KvStateResponse> {
  return new Client("Test Client", KvStateResponse.decode, options);
}

export function valueOf(res: KvStateResponse): string | null {
  return deserializeValue(res.content, stringSerializer);
}
