// Bun, with the npm package installed (`bun add queryable-state`):  bun examples/bun.ts
// A KvState server of your own (no cluster): serve any state through the protocol and query it directly.
import { ByteReader, KvStateServer, serializeKeyAndNamespace, serializeValue, stringSerializer, VoidNamespace, voidNamespaceSerializer } from "queryable-state";
import { Client, KvStateInternalRequest, KvStateResponse } from "queryable-state/protocol";

const prices = new Map([["apple", "1.20"], ["pear", "0.90"]]);
await using server = new KvStateServer();
const id = server.registry.register({
  getSerializedValue(keyAndNamespace: Uint8Array) {
    for (const [k, v] of prices) {
      const bytes = serializeKeyAndNamespace(k, stringSerializer, VoidNamespace, voidNamespaceSerializer);
      if (bytes.length === keyAndNamespace.length && bytes.every((b, i) => b === keyAndNamespace[i])) return serializeValue(v, stringSerializer);
    }
    return null;
  },
});
const address = await server.start();

await using client = new Client("Example Client", KvStateResponse.decode);
const keyNs = serializeKeyAndNamespace("pear", stringSerializer, VoidNamespace, voidNamespaceSerializer);
const res = await client.sendRequest(address, new KvStateInternalRequest(id, keyNs));
console.log(`pear costs ${stringSerializer.deserialize(new ByteReader(res.content))}`); // pear costs 0.90
