import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError, SerializationError } from "../core/errors.ts";
import { badValue } from "./primitive-serializers.ts";
import { badJson } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/**
 * Flink's `EnumSerializer` ⇄ the constant's name: an int, the constant's ordinal. Give the
 * constant names in declaration order. Not a key type: Java's `Enum.hashCode()` is the
 * object's identity hash, different in every JVM, so Flink cannot route enum keys stably.
 *
 * @example
 * ```ts
 * import { enumSerializer, serializeValue } from "queryable-state";
 *
 * // Every constant of the Java enum, in declaration order: the bytes are the ordinal.
 * const color = enumSerializer("com.acme.Color", ["RED", "GREEN", "BLUE"]);
 * console.log(serializeValue("BLUE", color)); // Uint8Array(4) [ 0, 0, 0, 2 ]
 * ```
 */
export function enumSerializer(className: string, constants: readonly string[]): TypeSerializer<string> {
  if (constants.length === 0) throw new InvalidArgumentError(`Enum ${className} needs at least one constant.`);
  const ordinals = new Map(constants.map((c, i) => [c, i]));
  const name = `EnumSerializer<${className}>`;
  return {
    name,
    length: 4,
    serialize(v: string, out: ByteWriter): void {
      const o = ordinals.get(v);
      if (o === undefined) throw badValue(name, `one of ${constants.join(", ")}`, v);
      out.writeInt32(o);
    },
    deserialize(input: ByteReader): string {
      const o = input.readInt32();
      if (o < 0 || o >= constants.length) {
        throw new SerializationError(
          `${name}: ordinal ${o} is outside the ${constants.length} constant(s) given (${constants.join(", ")}); ` +
            "list every constant of the Java enum in declaration order.",
        );
      }
      return constants[o];
    },
    fromJson(json: unknown): string {
      if (typeof json !== "string" || !ordinals.has(json)) throw badJson(name, `one of ${constants.join(", ")}`, json);
      return json;
    },
  };
}
