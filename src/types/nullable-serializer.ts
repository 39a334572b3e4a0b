import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { fromJsonValue } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

const NULLABLE = new WeakSet<object>();

/**
 * Flink's `NullableSerializer` ⇄ `T | null`: a boolean (true = null), then the value. Padded
 * (`padNullValue`, for fixed-length inner types) writes as many zero bytes as the inner length
 * after a null, so every value takes the same room. As Flink's `NullableSerializer.wrap`, wrapping a
 * nullable serializer again returns it unchanged (Flink never writes two null flags in a row).
 */
export function nullableSerializer<T>(inner: TypeSerializer<T>, padded = false): TypeSerializer<T | null> {
  if (NULLABLE.has(inner)) return inner as TypeSerializer<T | null>;
  const pad = padded && inner.length > 0 ? inner.length : 0;
  const s: TypeSerializer<T | null> = {
    name: `NullableSerializer<${inner.name}${pad ? ",padded" : ""}>`,
    length: pad ? pad + 1 : -1,
    serialize(v: T | null, out: ByteWriter): void {
      if (v === null || v === undefined) {
        out.writeBoolean(true);
        if (pad) out.writeBytes(new Uint8Array(pad));
      } else {
        out.writeBoolean(false);
        inner.serialize(v, out);
      }
    },
    deserialize(input: ByteReader): T | null {
      if (!input.readBoolean()) return inner.deserialize(input);
      if (pad) input.skip(pad);
      return null;
    },
    fromJson: (json: unknown): T | null => json === null ? null : fromJsonValue(inner, json),
  };
  NULLABLE.add(s);
  if (inner.hashCode) {
    s.hashCode = (v) => {
      if (v === null || v === undefined) throw new InvalidArgumentError("A key cannot be null.");
      return inner.hashCode!(v);
    };
  }
  return s;
}
