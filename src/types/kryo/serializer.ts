import type { ByteReader, ByteWriter } from "../../core/bytes.ts";
import { InvalidArgumentError } from "../../core/errors.ts";
import { bigDecimalSerializer, bigIntegerSerializer, Decimal } from "../big-number-serializers.ts";
import { javaLongHash } from "../java-hash.ts";
import { booleanSerializer, doubleSerializer, floatSerializer, intSerializer, longSerializer } from "../primitive-serializers.ts";
import { stringSerializer } from "../string-serializer.ts";
import {
  Duration,
  Instant,
  LocalDate,
  LocalDateTime,
  LocalTime,
  MonthDay,
  OffsetDateTime,
  OffsetTime,
  Period,
  Year,
  YearMonth,
  ZonedDateTime,
  zoneOffsetSeconds,
} from "../temporal.ts";
import { MissingKeyHashError } from "../type-errors.ts";
import type { TypeSerializer } from "../type-serializer.ts";
import type { KryoGeneration } from "./io.ts";
import type { KryoDescription } from "./java-type.ts";
import { KryoModel } from "./model.ts";
import { classDescription, parseJavaTypeText, resolveClassName } from "./parse.ts";
import { kryoFromJson } from "./json.ts";
import { readKryo } from "./read.ts";
import { KryoTyped, notedClass, Optional, Uuid } from "./values.ts";
import { writeKryo } from "./write.ts";

/** A class Kryo's FieldSerializer writes: its fields and their Java types (`"long"`, `"List<String>"`, `"com.acme.Address"`). */
export interface KryoClassSpec {
  /** Field name → the field's declared Java type, spelled as in Java. List every non-static, non-transient field. */
  readonly fields: Readonly<Record<string, string>>;
  /** A final class (or a record): a field declaring it carries no class id. Default false. */
  readonly final?: boolean;
  /** A Java record (final; Kryo 5 writes its components without their type arguments). Default false. */
  readonly record?: boolean;
}

/** A Java enum: its constants in declaration order. */
export interface KryoEnumSpec {
  /** The constants, in declaration order (Kryo writes the ordinal). */
  readonly enum: readonly string[];
}

/** Options of {@link kryoSerializer}. */
export interface KryoSerializerOptions {
  /** The Flink major version that wrote the bytes: 1 = Flink 1.x (Kryo 2.24), 2 = Flink 2.x (Kryo 5). Default 2. */
  readonly flink?: 1 | 2;
  /**
   * The declared class: the class of Flink's `GenericTypeInfo` (the state's or POJO field's Java type, e.g.
   * `java.time.LocalDateTime` or `com.acme.Event`). Flink registers it first, so a value of exactly that class
   * carries its id (85), not its name. Short JDK names are accepted (`LocalDateTime`).
   */
  readonly type?: string;
  /** Classes the bytes may hold that Kryo writes with its FieldSerializer (user classes) and enums, by class name. */
  readonly classes?: Readonly<Record<string, KryoClassSpec | KryoEnumSpec>>;
  /** Classes the job registers with Kryo (`registerKryoType`, `pipeline.registered-kryo-types`), in registration order. */
  readonly registered?: readonly string[];
}

/**
 * Flink's `KryoSerializer` (a `GenericTypeInfo`: what Flink uses for a type that is no POJO, tuple, row or
 * basic type) ⇄ JS values, for Flink 1.x (Kryo 2.24) and Flink 2.x (Kryo 5). The bytes carry each object's
 * class (a registered id or the class name) and Kryo's reference markers. JDK values read as the other
 * serializers give them: boxed numbers as `number` (`Long` as `bigint`), `String`, `BigDecimal` as
 * {@link Decimal}, `BigInteger` as `bigint`, `java.util.Date` as `Date`, java.time values as
 * {@link LocalDate}/{@link LocalTime}/{@link LocalDateTime}/{@link Instant}/{@link Duration}/{@link Period}/
 * {@link ZonedDateTime}/{@link OffsetDateTime}/{@link OffsetTime}/{@link Year}/{@link YearMonth}/{@link MonthDay}
 * (zone ids and offsets as strings), `Optional` (and its int/long/double forms) as {@link Optional},
 * `EnumSet` as a `Set` of constant names, `UUID` as {@link Uuid}, lists
 * (and queues) as arrays, sets as `Set`, maps as `Map`, `int[]` as `Int32Array` (and so on), enums as the
 * constant's name, user classes as plain objects. A class the bytes name that is neither such a JDK class
 * nor described in `classes` fails with {@link KryoUnsupportedClassError} (`KRYO_UNSUPPORTED_CLASS`) naming it.
 *
 * Writing takes the same values: a decoded value keeps (hidden) the Java classes it came from, so it writes
 * back to the same bytes; a new value gets the class its JS type implies (`number` → `Integer` or `Double`,
 * `bigint` → `Long`, array → `ArrayList`, `Set` → `HashSet`, `Map` → `HashMap`), or the one a
 * {@link KryoTyped} names. As a key it hashes like Java for strings, numbers, UUIDs, java.time values and
 * big numbers. With the declared class (`type`), it reads values from JSON too ({@link fromJsonValue}).
 *
 * @example
 * ```ts
 * import { deserializeValue, kryoSerializer, serializeValue } from "queryable-state";
 *
 * // A POJO field `LocalDateTime when` on Flink 2.x, or a state of class com.acme.Event (not a POJO).
 * const when = kryoSerializer({ flink: 2, type: "java.time.LocalDateTime" });
 * const event = kryoSerializer({
 *   flink: 1,
 *   type: "com.acme.Event",
 *   classes: {
 *     "com.acme.Event": { fields: { id: "long", tags: "List<String>", home: "com.acme.Address", color: "com.acme.Color" } },
 *     "com.acme.Address": { fields: { street: "String", zip: "int" } },
 *     "com.acme.Color": { enum: ["RED", "GREEN", "BLUE"] },
 *   },
 * });
 * const bytes = serializeValue({ id: 7n, tags: ["a"], home: { street: "Main", zip: 1 }, color: "RED" }, event);
 * console.log(deserializeValue(bytes, event)); // { color: "RED", home: { street: "Main", zip: 1 }, id: 7n, tags: [ "a" ] }
 * void when;
 * ```
 */
export function kryoSerializer(options: KryoSerializerOptions = {}): TypeSerializer<unknown> {
  const descriptions: KryoDescription[] = [];
  for (const [name, spec] of Object.entries(options.classes ?? {})) {
    if ("enum" in spec) {
      if (!Array.isArray(spec.enum) || spec.enum.length === 0) throw new InvalidArgumentError(`Enum ${name} needs its constants.`);
      descriptions.push({ kind: "enum", name, constants: [...spec.enum] });
      continue;
    }
    if (spec === null || typeof spec.fields !== "object") {
      throw new InvalidArgumentError(`Class ${name} needs { fields: { name: "JavaType", ... } } or { enum: [...] }.`);
    }
    const fields = Object.entries(spec.fields).map(([f, t]) => ({ name: f, type: parseJavaTypeText(t, descriptions) }));
    descriptions.push(classDescription(name, spec.final === true, fields, spec.record === true));
  }
  const declared = options.type === undefined ? undefined : resolveClassName(options.type);
  return kryoSerializerOf(options.flink ?? 2, declared, options.registered ?? [], descriptions);
}

/** The serializer of {@link kryoSerializer}, from descriptions already parsed (type expressions use it). */
export function kryoSerializerOf(
  generation: KryoGeneration,
  declared: string | undefined,
  registered: readonly string[],
  descriptions: readonly KryoDescription[],
): TypeSerializer<unknown> {
  const model = new KryoModel(generation, declared, registered, descriptions);
  const name = `KryoSerializer${generation === 1 ? "(Flink 1.x)" : ""}${declared ? `<${declared}>` : ""}`;
  return {
    name,
    length: -1,
    serialize(v: unknown, out: ByteWriter): void {
      writeKryo(model, out, v);
    },
    deserialize(input: ByteReader): unknown {
      return readKryo(model, input);
    },
    hashCode(v: unknown): number {
      return javaHash(v, name, declared);
    },
    fromJson(json: unknown): unknown {
      return kryoFromJson(model, json, name);
    },
  };
}

const NOT_VALUE_HASHED: ReadonlySet<string> = new Set([
  "java.util.Locale", "java.util.Currency", "sun.util.calendar.ZoneInfo", "java.util.SimpleTimeZone",
  "java.net.InetSocketAddress", "java.lang.StringBuilder", "java.lang.StringBuffer",
  "java.util.concurrent.atomic.AtomicLong", "java.util.concurrent.atomic.AtomicInteger",
  "java.util.concurrent.atomic.AtomicBoolean",
]);

/** Java's `hashCode()` of the values whose hash is value-based (keys); others have user code or identity hashes. */
function javaHash(v: unknown, name: string, declared?: string): number {
  const cls = v instanceof KryoTyped ? v.javaClass : notedClass(v) ?? declared;
  const x = v instanceof KryoTyped ? v.value : v;
  // JDK classes read as strings, numbers or booleans whose Java hashCode() is not that of the JS value's class.
  if (cls !== undefined && NOT_VALUE_HASHED.has(cls)) throw new MissingKeyHashError(`${name} value ${cls}`);
  switch (typeof x) {
    case "string":
      // A ZoneOffset hashes as its total seconds; a zone region as its id (a String).
      if ((cls === "java.time.ZoneOffset" || cls === "java.time.ZoneId") && zoneOffsetSeconds(x) !== undefined) {
        return zoneOffsetSeconds(x)!;
      }
      return stringSerializer.hashCode(x);
    case "boolean":
      return booleanSerializer.hashCode(x);
    case "bigint":
      return cls === "java.math.BigInteger" || x < -(1n << 63n) || x >= 1n << 63n
        ? bigIntegerSerializer.hashCode!(x)
        : longSerializer.hashCode(x);
    case "number":
      if (cls === "java.lang.Float") return floatSerializer.hashCode(x);
      if (cls === "java.lang.Double" || !Number.isInteger(x) || (x | 0) !== x || Object.is(x, -0)) return doubleSerializer.hashCode(x);
      return intSerializer.hashCode(x);
  }
  if (x instanceof Instant && cls === "java.sql.Timestamp") return javaLongHash(x.toEpochMilli());
  if (x instanceof Uuid || x instanceof LocalDate || x instanceof LocalTime || x instanceof LocalDateTime || x instanceof Instant) {
    return x.hashCode();
  }
  if (
    x instanceof Duration || x instanceof Period || x instanceof ZonedDateTime || x instanceof OffsetDateTime ||
    x instanceof OffsetTime || x instanceof Year || x instanceof YearMonth || x instanceof MonthDay
  ) {
    return x.hashCode();
  }
  if (x instanceof Optional) {
    if (x.value === null) return 0;
    const inner = x.javaClass === "java.util.OptionalInt"
      ? new KryoTyped("java.lang.Integer", x.value)
      : x.javaClass === "java.util.OptionalLong"
      ? new KryoTyped("java.lang.Long", x.value)
      : x.javaClass === "java.util.OptionalDouble"
      ? new KryoTyped("java.lang.Double", x.value)
      : x.value;
    return javaHash(inner, name);
  }
  if (x instanceof Decimal) return bigDecimalSerializer.hashCode!(x);
  if (x instanceof Date) return javaLongHash(BigInt(x.getTime()));
  throw new MissingKeyHashError(`${name} value ${cls ?? typeof x}`);
}
