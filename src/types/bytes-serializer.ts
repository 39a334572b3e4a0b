import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError, SerializationError, TruncatedInputError } from "../core/errors.ts";
import { badValue } from "./primitive-serializers.ts";
import { fromHex } from "../core/hex.ts";
import { jsonParsed } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/**
 * Java `byte[]` ⇄ `Uint8Array`: an int32 length, then the bytes. Reading returns a copy
 * the caller owns (input buffers may be reused by the network layer).
 * Not a key type: Java's array hashCode is identity-based.
 */
export const bytesSerializer: TypeSerializer<Uint8Array> = {
  name: "BytePrimitiveArraySerializer",
  length: -1,
  serialize(v: Uint8Array, out: ByteWriter): void {
    if (v === null || v === undefined) throw new InvalidArgumentError("The record must not be null.");
    if (!(v instanceof Uint8Array)) throw badValue(this.name, "a Uint8Array", v);
    out.writeInt32(v.length);
    out.writeBytes(v);
  },
  deserialize(input: ByteReader): Uint8Array {
    const n = input.readInt32();
    if (n < 0) throw new SerializationError(`Negative byte[] length ${n}: the bytes are not a byte[] value.`);
    if (n > input.remaining) throw new TruncatedInputError(n, input.remaining, "byte[]");
    return input.readBytes(n).slice();
  },
  fromJson: (json: unknown): Uint8Array => jsonParsed("BytePrimitiveArraySerializer", json, "hex text", fromHex),
};
