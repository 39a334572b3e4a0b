import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError, SerializationError } from "../core/errors.ts";
import { getOwn, setOwn } from "../core/records.ts";
import { failedAt, implausible, pojoFieldHint } from "./decode-errors.ts";
import { badJson, fromJsonValue, jsonAt, jsonObject, jsonPart } from "./json-value.ts";
import { badValue } from "./primitive-serializers.ts";
import { MissingKeyHashError, PojoSubclassError } from "./type-errors.ts";
import type { TypeSerializer } from "./type-serializer.ts";

const IS_NULL = 1, NO_SUBCLASS = 2, IS_SUBCLASS = 4, IS_TAGGED_SUBCLASS = 8;

/** The property that names a subclass instance's Java class (`"@class": "com.acme.Circle"`). */
export const POJO_CLASS_KEY = "@class";

/**
 * A POJO as a JS object: one property per field (a field may be null); a null POJO is `null`. An instance
 * of a subclass (one of {@link PojoOptions.subclasses}) also has `"@class"`: its Java class name.
 */
export type Pojo = Record<string, unknown>;

/** A subclass of a POJO class that values of the POJO's type may hold: one entry of {@link PojoOptions.subclasses}. */
export interface PojoSubclass {
  /**
   * The subclass's Java class name as `Class.getName()` gives it (`com.acme.Circle`, `com.acme.Shapes$Circle`).
   * A name without a package (`Circle`) matches a class name in the bytes ending in `.Circle` or `$Circle`.
   */
  readonly className: string;
  /**
   * The subclass's own fields, when Flink treats it as a POJO (its serializer is then a PojoSerializer of the
   * subclass over all its fields): the base class's fields are added to these.
   */
  readonly fields?: Readonly<Record<string, TypeSerializer<unknown>>>;
  /** Instead of `fields`: the subclass's whole serializer, e.g. a Kryo serializer when it is not a POJO to Flink. */
  readonly serializer?: TypeSerializer<unknown>;
  /**
   * For a subclass registered with Flink (`registerPojoType` on Flink 1.x, `pipeline.serialization-config` with
   * `{type: pojo}` on 2.x): its tag, the position of the subclass among the registered types that are subclasses
   * of this POJO class, in registration order, from 0. Flink then writes the tag instead of the class name.
   */
  readonly tag?: number;
}

/** Options of {@link pojoSerializer}. */
export interface PojoOptions {
  /** The Java class's `hashCode()` of a value, needed only when the POJO is a key. */
  readonly hashCode?: (value: Pojo) => number;
  /**
   * The subclasses that values of this type may hold (a field declared `Shape` holding a `Circle`). Flink
   * writes such an instance as a flags byte, the subclass's class name (or its registration tag), then the
   * subclass's own serializer; a subclass not listed is a {@link PojoSubclassError} naming it.
   */
  readonly subclasses?: readonly PojoSubclass[];
}

interface Alternative {
  readonly className: string;
  readonly serializer: TypeSerializer<unknown>;
  readonly tag: number | undefined;
}

/**
 * Flink's `PojoSerializer` ⇄ a plain object (or null). Flink orders the fields by name
 * (alphabetically, as `PojoTypeInfo` sorts them), whatever order `fields` lists them in. Bytes:
 * a flags byte (1 = null POJO, 2 = exactly this class, 4 = a subclass by name, 8 = a registered
 * subclass by tag), then per field a null flag and the value when present; for a subclass, its
 * class name (Java's `writeUTF`) or its tag byte, then the subclass's own serializer. Subclasses
 * are read when `options.subclasses` lists them (their values carry `"@class"`); another subclass
 * is a {@link PojoSubclassError} naming it. As a key it needs `options.hashCode` (Java's
 * `hashCode()` is user code).
 *
 * @example
 * ```ts
 * import { deserializeValue, doubleSerializer, longSerializer, pojoSerializer, serializeValue, stringSerializer } from "queryable-state";
 *
 * // com.acme.Stats with public fields `long count` and `String name`.
 * const stats = pojoSerializer("com.acme.Stats", { count: longSerializer, name: stringSerializer });
 * const bytes = serializeValue({ count: 3n, name: "ada" }, stats);
 * console.log(deserializeValue(bytes, stats)); // { count: 3n, name: "ada" }
 *
 * // A field declared as com.acme.Shape may hold a Circle (written with its class name) or a Square
 * // (registered with Flink as the first POJO subclass of Shape: written with tag 0).
 * const shape = pojoSerializer("com.acme.Shape", { name: stringSerializer }, {
 *   subclasses: [
 *     { className: "com.acme.Circle", fields: { radius: doubleSerializer } },
 *     { className: "com.acme.Square", fields: { side: doubleSerializer }, tag: 0 },
 *   ],
 * });
 * const circle = serializeValue({ "@class": "com.acme.Circle", name: "c", radius: 1.5 }, shape);
 * console.log(deserializeValue(circle, shape)); // { "@class": "com.acme.Circle", name: "c", radius: 1.5 }
 * ```
 */
export function pojoSerializer(
  className: string,
  fields: Readonly<Record<string, TypeSerializer<unknown>>>,
  options: PojoOptions = {},
): TypeSerializer<Pojo | null> {
  const names = Object.keys(fields).sort(compareJava);
  const types = names.map((k) => getOwn(fields, k) as TypeSerializer<unknown>);
  const alternatives = (options.subclasses ?? []).map((sub) => alternative(className, fields, sub));
  const byTag = new Map<number, Alternative>();
  for (const a of alternatives) {
    if (a.tag === undefined) continue;
    if (byTag.has(a.tag)) throw new InvalidArgumentError(`Subclasses ${byTag.get(a.tag)!.className} and ${a.className} of ${className} have one tag, ${a.tag}.`);
    byTag.set(a.tag, a);
  }
  const simple = simpleName(className);
  const subs = alternatives.length === 0 ? "" : ` | ${alternatives.map((a) => `${a.className}${a.tag === undefined ? "" : `#${a.tag}`}`).join(" | ")}`;
  const name = `PojoSerializer<${className}>{${names.map((k, i) => `${k}:${types[i].name}`).join(",")}}${subs}`;
  const hints = names.map((k, i) => pojoFieldHint(k, types[i]));

  const readFields = (input: ByteReader): Pojo => {
    const out: Pojo = {};
    for (let i = 0; i < names.length; i++) {
      const at = input.position;
      try {
        setOwn(out, names[i], input.readBoolean() ? null : types[i].deserialize(input));
      } catch (e) {
        throw failedAt(e, `.${names[i]}`, at, simple, hints[i]);
      }
    }
    return out;
  };

  const readSubclass = (input: ByteReader, a: Alternative, found: string): Pojo | null => {
    const v = a.serializer.deserialize(input);
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v as Pojo | null;
    const out: Pojo = { [POJO_CLASS_KEY]: found };
    for (const [k, x] of Object.entries(v)) if (k !== POJO_CLASS_KEY) setOwn(out, k, x);
    return out;
  };

  const s: TypeSerializer<Pojo | null> = {
    name,
    length: -1,
    serialize(v: Pojo | null, out: ByteWriter): void {
      if (v === null || v === undefined) return out.writeUint8(IS_NULL);
      if (typeof v !== "object" || Array.isArray(v)) throw badValue(name, "an object or null", v);
      const cls = getOwn(v, POJO_CLASS_KEY);
      if (cls !== undefined && cls !== className) {
        const a = typeof cls === "string" ? find(alternatives, cls) : undefined;
        if (a === undefined) {
          throw badValue(name, `a ${className} or one of its subclasses given (${alternatives.map((x) => x.className).join(", ") || "none"})`, `a ${String(cls)}`);
        }
        if (a.tag === undefined) {
          out.writeUint8(IS_SUBCLASS);
          writeJavaUtf(out, a.className);
        } else {
          out.writeUint8(IS_TAGGED_SUBCLASS);
          out.writeUint8(a.tag);
        }
        return a.serializer.serialize(v, out);
      }
      out.writeUint8(NO_SUBCLASS);
      for (let i = 0; i < names.length; i++) {
        const x = getOwn(v, names[i]);
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
      if (flags & IS_SUBCLASS) {
        const at = input.position;
        const found = readJavaUtf(input);
        const a = find(alternatives, found);
        if (a === undefined) throw failedAt(new PojoSubclassError(className, found), "", at, simple);
        return readSubclass(input, a, found);
      }
      if (flags & IS_TAGGED_SUBCLASS) {
        const at = input.position;
        const tag = input.readInt8();
        const a = byTag.get(tag);
        if (a === undefined) throw failedAt(new PojoSubclassError(className, `registered subclass tag ${tag}`, tag), "", at, simple);
        return readSubclass(input, a, a.className);
      }
      if (!(flags & NO_SUBCLASS)) {
        throw implausible(
          new SerializationError(
            `${name}: flags byte ${flags} is none of a POJO's (1 null, 2 this class, 4 a subclass by name, 8 a registered ` +
              "subclass): the bytes are not a POJO of this class.",
          ),
        );
      }
      return readFields(input);
    },
    hashCode(v: Pojo | null): number {
      if (!options.hashCode) throw new MissingKeyHashError(className);
      if (v === null) throw new InvalidArgumentError(`A key cannot be null (${className}).`);
      return options.hashCode(v) | 0;
    },
    fromJson(json: unknown): Pojo | null {
      if (json === null) return null;
      const o = jsonObject(name, json, `an object of ${className}'s fields (or null)`);
      const cls = getOwn(o, POJO_CLASS_KEY);
      if (cls !== undefined && cls !== className) {
        const a = typeof cls === "string" ? find(alternatives, cls) : undefined;
        if (a === undefined) throw jsonAt(`.${POJO_CLASS_KEY}`, badJson(name, `${className} or a subclass the type lists`, cls));
        const v = fromJsonValue(a.serializer, o);
        return v !== null && typeof v === "object" ? { [POJO_CLASS_KEY]: a.className, ...v } : v as Pojo | null;
      }
      for (const k of Object.keys(o)) {
        if (k !== POJO_CLASS_KEY && !names.includes(k)) throw badJson(name, `only fields ${names.join(", ")}`, `a field ${JSON.stringify(k)}`);
      }
      const out: Pojo = {};
      names.forEach((k, i) => {
        const x = getOwn(o, k);
        setOwn(out, k, x === null || x === undefined ? null : jsonPart(`.${k}`, () => fromJsonValue(types[i], x)));
      });
      return out;
    },
  };
  return s;
}

function alternative(base: string, baseFields: Readonly<Record<string, TypeSerializer<unknown>>>, sub: PojoSubclass): Alternative {
  if (typeof sub?.className !== "string" || sub.className === "") {
    throw new InvalidArgumentError(`A subclass of ${base} needs a className.`);
  }
  if (sub.tag !== undefined && !(Number.isInteger(sub.tag) && sub.tag >= 0 && sub.tag <= 127)) {
    throw new InvalidArgumentError(`The tag of subclass ${sub.className} of ${base} must be an integer from 0 to 127, got ${sub.tag}.`);
  }
  if ((sub.fields === undefined) === (sub.serializer === undefined)) {
    throw new InvalidArgumentError(`Subclass ${sub.className} of ${base} needs either fields (a POJO) or a serializer, not ${sub.fields ? "both" : "neither"}.`);
  }
  let serializer = sub.serializer;
  if (serializer === undefined) {
    const all: Record<string, TypeSerializer<unknown>> = {};
    for (const k of Object.keys(baseFields)) setOwn(all, k, getOwn(baseFields, k) as TypeSerializer<unknown>);
    for (const k of Object.keys(sub.fields!)) setOwn(all, k, getOwn(sub.fields!, k) as TypeSerializer<unknown>);
    serializer = pojoSerializer(sub.className, all);
  }
  return { className: sub.className, serializer, tag: sub.tag };
}

/** The alternative for a class name from the bytes or a value: the exact name, else the one whose short name it ends with. */
function find(alternatives: readonly Alternative[], cls: string): Alternative | undefined {
  const exact = alternatives.find((a) => a.className === cls);
  if (exact !== undefined) return exact;
  const ends = alternatives.filter((a) => !/[.$]/.test(a.className) && (cls.endsWith(`.${a.className}`) || cls.endsWith(`$${a.className}`)));
  return ends.length === 1 ? ends[0] : undefined;
}

function simpleName(className: string): string {
  return className.slice(className.lastIndexOf(".") + 1);
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

/** Java's `DataOutput.writeUTF` for class names (modified UTF-8: a NUL char takes two bytes). */
function writeJavaUtf(out: ByteWriter, s: string): void {
  const bytes = new TextEncoder().encode(s.replaceAll("\0", "\uFFFD"));
  if (bytes.length > 0xffff) throw new InvalidArgumentError(`Class name too long for Java's writeUTF: ${bytes.length} bytes.`);
  out.writeUint16(bytes.length);
  out.writeBytes(bytes);
}
