import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError, SerializationError } from "../core/errors.ts";
import { badValue } from "./primitive-serializers.ts";
import { MissingKeyHashError, PojoSubclassError } from "./type-errors.ts";
import type { TypeSerializer } from "./type-serializer.ts";

const IS_NULL = 1, NO_SUBCLASS = 2, IS_SUBCLASS = 4, IS_TAGGED_SUBCLASS = 8;

/** A POJO as a JS object: one property per field (a field may be null); a null POJO is `null`. */
export type Pojo = Record<string, unknown>;

/** Options of {@link pojoSerializer}. */
export interface PojoOptions {
  /** The Java class's `hashCode()` of a value, needed only when the POJO is a key. */
  readonly hashCode?: (value: Pojo) => number;
}

/**
 * Flink's `PojoSerializer` ⇄ a plain object (or null). Flink orders the fields by name
 * (alphabetically, as `PojoTypeInfo` sorts them), whatever order `fields` lists them in. Bytes:
 * a flags byte (1 = null POJO, 2 = exactly this class), then per field a null flag and the
 * value when present. A subclass in the bytes (flags 4 or 8) is a {@link PojoSubclassError}
 * naming the class. As a key it needs `options.hashCode` (Java's `hashCode()` is user code).
 *
 * @example
 * ```ts
 * import { deserializeValue, longSerializer, pojoSerializer, serializeValue, stringSerializer } from "queryable-state";
 *
 * // com.acme.Stats with public fields `long count` and `String name`.
 * const stats = pojoSerializer("com.acme.Stats", { count: longSerializer, name: stringSerializer });
 * const bytes = serializeValue({ count: 3n, name: "ada" }, stats);
 * console.log(deserializeValue(bytes, stats)); // { count: 3n, name: "ada" }
 * ```
 */
export function pojoSerializer(
  className: string,
  fields: Readonly<Record<string, TypeSerializer<unknown>>>,
  options: PojoOptions = {},
): TypeSerializer<Pojo | null> {
  const names = Object.keys(fields).sort(compareJava);
  const types = names.map((k) => fields[k]);
  const name = `PojoSerializer<${className}>{${names.map((k, i) => `${k}:${types[i].name}`).join(",")}}`;
  const s: TypeSerializer<Pojo | null> = {
    name,
    length: -1,
    serialize(v: Pojo | null, out: ByteWriter): void {
      if (v === null || v === undefined) return out.writeUint8(IS_NULL);
      if (typeof v !== "object" || Array.isArray(v)) throw badValue(name, "an object or null", v);
      out.writeUint8(NO_SUBCLASS);
      for (let i = 0; i < names.length; i++) {
        const x = v[names[i]];
        if (x === null || x === undefined) out.writeBoolean(true);
        else {
          out.writeBoolean(false);
          types[i].serialize(x, out);
        }
      }
    },
    deserialize(input: ByteReader): Pojo | null {
      const flags = input.readUint8();
      if (flags & IS_NULL) return null;
      if (flags & IS_SUBCLASS) throw new PojoSubclassError(className, readJavaUtf(input));
      if (flags & IS_TAGGED_SUBCLASS) throw new PojoSubclassError(className, `registered subclass tag ${input.readUint8()}`);
      if (!(flags & NO_SUBCLASS)) {
        throw new SerializationError(`${name}: unknown flags byte ${flags}: the bytes are not a POJO of this class.`);
      }
      const out: Pojo = {};
      for (let i = 0; i < names.length; i++) out[names[i]] = input.readBoolean() ? null : types[i].deserialize(input);
      return out;
    },
    hashCode(v: Pojo | null): number {
      if (!options.hashCode) throw new MissingKeyHashError(className);
      if (v === null) throw new InvalidArgumentError(`A key cannot be null (${className}).`);
      return options.hashCode(v) | 0;
    },
  };
  return s;
}

/** Java's `String.compareTo` order (UTF-16 code units), which Flink's field sort uses. */
function compareJava(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Java's `DataInput.readUTF`: a 2-byte length, then modified UTF-8. */
function readJavaUtf(input: ByteReader): string {
  const n = input.readUint16();
  return new TextDecoder().decode(input.readBytes(n));
}
