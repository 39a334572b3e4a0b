/**
 * The interoperability fixture's state: int keys 0..N-1 in VoidNamespace, each holding the
 * String `value-<key>` in Flink's formats. Shared by scripts/serve-fixture.ts and the tests.
 */
import {
  deserializeKeyAndNamespace,
  intSerializer,
  type KvState,
  QueryableStateError,
  serializeValue,
  stringSerializer,
  voidNamespaceSerializer,
} from "../mod.ts";

export function fixtureState(keys: number): KvState {
  const values = new Map<number, Uint8Array>();
  for (let i = 0; i < keys; i++) values.set(i, serializeValue(`value-${i}`, stringSerializer)!);
  return {
    getSerializedValue(keyAndNamespace: Uint8Array): Uint8Array | null {
      let key: number;
      try {
        key = deserializeKeyAndNamespace(keyAndNamespace, intSerializer, voidNamespaceSerializer).key;
      } catch (e) {
        if (e instanceof QueryableStateError) return null; // not an int key: there is no such key
        throw e;
      }
      return values.get(key) ?? null;
    },
  };
}
