import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { badJson } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/** The namespace of states that have none (Flink's `VoidNamespace.INSTANCE`). */
export const VoidNamespace: { readonly kind: "VoidNamespace"; toString(): string; toJSON(): string } = Object.freeze({
  kind: "VoidNamespace" as const,
  toString: () => "VoidNamespace",
  toJSON: () => "VoidNamespace",
});
/** The type of {@link VoidNamespace}, the namespace of states without one. */
export type VoidNamespace = typeof VoidNamespace;

/** Flink's `VoidNamespaceSerializer`: one `0x00` byte; reading skips one byte. */
export const voidNamespaceSerializer: TypeSerializer<VoidNamespace> = {
  name: "VoidNamespaceSerializer",
  length: 1,
  serialize(_v: VoidNamespace, out: ByteWriter): void {
    out.writeUint8(0);
  },
  deserialize(input: ByteReader): VoidNamespace {
    input.skip(1);
    return VoidNamespace;
  },
  hashCode: (): number => 99,
  fromJson(json: unknown): VoidNamespace {
    if (json === null || json === "VoidNamespace" || json === VoidNamespace) return VoidNamespace;
    throw badJson("VoidNamespaceSerializer", '"VoidNamespace" or null', json);
  },
};
