/**
 * Flink's serializer snapshots as checkpoints hold them: what `TypeSerializerSnapshot.writeVersionedSnapshot` wrote
 * for a state's key, namespace and value serializers (`[utf snapshot class][i32 version][payload]`, the payload each
 * snapshot class's own). This module reads them into a tree; `expressions.ts` maps the tree to type expressions.
 *
 * Payloads read (the same in Flink 1.20 and 2.x):
 *
 * - `SimpleTypeSerializerSnapshot` (every basic type, primitive arrays, windows, VoidNamespace): nothing (version 3),
 *   or a class name (version 2).
 * - `CompositeTypeSerializerSnapshot` (lists, maps, sets, tuples, rows, Either, Nullable, generic arrays, TTL …):
 *   `[i32 911108][i32 outer version][outer payload][i32 1333245][i32 1][i32 n][nested snapshot]*n`; outer payloads:
 *   a tuple's class, an array's component class, Nullable's padding length, Row's "supports RowKind" flag.
 *   A composite snapshot of a class this reader does not know is read past by finding its nested part.
 * - `PojoSerializerSnapshot`: the POJO class, then three "optional maps" (`[i64 0x4f2c69a3d70][i32 n]`, entries
 *   `[utf name][bool][i32 len][key]][bool][i32 len][snapshot]`): fields (key: declaring class and field name),
 *   registered subclasses (in registration order: the tags) and other subclasses seen.
 * - `KryoSerializerSnapshot`: the declared class, then optional maps of Kryo registrations (class name, serializer
 *   definition: none, a class, or a Java-serialized instance), default serializers and default serializer classes.
 * - `AvroSerializerSnapshot`: the runtime class and the Avro schema (Flink's own string format in version 3).
 * - `EnumSerializerSnapshot`: the enum class and its constants in their order.
 * - `GenericTypeSerializerSnapshot` (Flink's Value types): the type class.
 *
 * A snapshot whose payload cannot be read past (an unknown class that is not composite) throws {@link LostSyncError}:
 * the serialization-proxy reader then finds the next state and reports this one as unmapped.
 */
import { ByteReader } from "../core/bytes.ts";
import { QueryableStateError } from "../core/errors.ts";
import { stringSerializer } from "../types/string-serializer.ts";
import { SnapshotFormatError } from "./errors.ts";
import { SnapshotInput } from "./input.ts";

/** A serializer snapshot read from a checkpoint. */
export type SerializerSnapshot =
  /** A snapshot without payload (`SimpleTypeSerializerSnapshot`): the class says it all. */
  | { readonly type: "simple"; readonly className: string }
  /** A `CompositeTypeSerializerSnapshot`: outer data (known classes only) and the nested snapshots. */
  | {
    readonly type: "composite";
    readonly className: string;
    /** What the outer snapshot holds, for the classes whose outer payload is known. */
    readonly outer: CompositeOuter;
    readonly nested: readonly SerializerSnapshot[];
  }
  | {
    readonly type: "pojo";
    readonly className: string;
    /** The POJO class. */
    readonly pojoClass: string;
    /** Its fields in Flink's order, each with its serializer's snapshot (undefined when the snapshot was missing). */
    readonly fields: readonly { readonly name: string; readonly snapshot: SerializerSnapshot | undefined }[];
    /** Registered subclasses in registration order (their tags), with their serializers' snapshots. */
    readonly registered: readonly { readonly className: string; readonly snapshot: SerializerSnapshot | undefined }[];
    /** Other subclasses Flink had met, with their serializers' snapshots. */
    readonly subclasses: readonly { readonly className: string; readonly snapshot: SerializerSnapshot | undefined }[];
  }
  | {
    readonly type: "kryo";
    readonly className: string;
    /** The declared class (GenericTypeInfo's). */
    readonly typeClass: string;
    /** Kryo registrations in order (the declared class first). */
    readonly registrations: readonly KryoRegistrationSnapshot[];
    /** Classes with default serializers the job added (instances). */
    readonly defaultSerializers: readonly string[];
    /** Classes with default serializer classes the job added. */
    readonly defaultSerializerClasses: readonly string[];
  }
  | { readonly type: "avro"; readonly className: string; readonly runtimeType: string | undefined; readonly schema: string }
  | { readonly type: "enum"; readonly className: string; readonly enumClass: string; readonly constants: readonly string[] }
  /** A `GenericTypeSerializerSnapshot` (Flink's `Value` types): the type class. */
  | { readonly type: "generic"; readonly className: string; readonly typeClass: string }
  /** A snapshot this reader could skip but not interpret (e.g. in a POJO field's frame). */
  | { readonly type: "unknown"; readonly className: string; readonly version: number; readonly reason: string };

/** One Kryo registration of a `KryoSerializerSnapshot`. */
export interface KryoRegistrationSnapshot {
  /** The registration's name (the registered class's name). */
  readonly name: string;
  /** The class registered (Flink's dummy class for Avro's array when flink-avro was absent). */
  readonly registeredClass: string | undefined;
  /** How its serializer is defined: Kryo's default, a serializer class, a serializer instance. */
  readonly definition: "unspecified" | "class" | "instance" | "unreadable";
  /** The serializer class, for `class`. */
  readonly serializerClass: string | undefined;
}

/** The outer snapshot of a composite serializer, for the classes whose outer payload this reader knows. */
export type CompositeOuter =
  | { readonly kind: "none" }
  | { readonly kind: "tuple"; readonly tupleClass: string }
  | { readonly kind: "array"; readonly componentClass: string }
  | { readonly kind: "nullable"; readonly paddingLength: number }
  | { readonly kind: "row"; readonly supportsRowKind: boolean }
  /** A composite class this reader does not know: its outer payload was skipped. */
  | { readonly kind: "skipped"; readonly version: number };

/**
 * A snapshot's payload could not be read past: the stream position is lost. Carries the class that caused it; the
 * serialization-proxy reader recovers at the next state (code `SNAPSHOT_FORMAT` if it escapes).
 */
export class LostSyncError extends QueryableStateError {
  /** The snapshot class whose payload could not be read. */
  readonly snapshotClass: string;
  /** Where its payload started (relative to the input's bytes). */
  readonly at: number;
  /** Why. */
  readonly reason: string;
  /**
   * @param snapshotClass the snapshot class whose payload could not be read
   * @param at where its payload started
   * @param reason why
   */
  constructor(snapshotClass: string, at: number, reason: string) {
    super("SNAPSHOT_FORMAT", `Cannot read past the serializer snapshot ${snapshotClass}: ${reason}`);
    this.snapshotClass = snapshotClass;
    this.at = at;
    this.reason = reason;
  }
}

/** The version `TypeSerializerSnapshotSerializationUtil` writes before a top-level snapshot. */
const PROXY_VERSION = 2;
const COMPOSITE_MAGIC = 911108;
const NESTED_MAGIC = 1333245;
const OPTIONAL_MAP_HEADER = 0x4f2c69a3d70n;
const MAX_DEPTH = 64;

const P_BASE = "org.apache.flink.api.common.typeutils.base.";
const P_RUNTIME = "org.apache.flink.api.java.typeutils.runtime.";

const COMPOSITES_WITHOUT_OUTER = new Set([
  `${P_BASE}ListSerializerSnapshot`,
  `${P_BASE}MapSerializerSnapshot`,
  `${P_BASE}SetSerializerSnapshot`,
  `${P_RUNTIME}JavaEitherSerializerSnapshot`,
  "org.apache.flink.runtime.state.ArrayListSerializerSnapshot",
  "org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializerSnapshot",
  "org.apache.flink.runtime.state.v2.ttl.TtlStateFactory$TtlSerializerSnapshot",
  "org.apache.flink.api.common.typeutils.SingleThreadAccessCheckingTypeSerializer$SingleThreadAccessCheckingTypeSerializerSnapshot",
]);

const TUPLE_SNAPSHOT = `${P_RUNTIME}TupleSerializerSnapshot`;
const ARRAY_SNAPSHOT = `${P_BASE}GenericArraySerializerSnapshot`;
const NULLABLE_SNAPSHOT = `${P_RUNTIME}NullableSerializer$NullableSerializerSnapshot`;
const ROW_SNAPSHOT = `${P_RUNTIME}RowSerializer$RowSerializerSnapshot`;
const POJO_SNAPSHOT = `${P_RUNTIME}PojoSerializerSnapshot`;
const KRYO_SNAPSHOT = `${P_RUNTIME}kryo.KryoSerializerSnapshot`;
const AVRO_SNAPSHOT = "org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot";
const ENUM_SNAPSHOT = `${P_BASE}EnumSerializer$EnumSerializerSnapshot`;
const GENERIC_SNAPSHOTS = new Set([
  `${P_RUNTIME}ValueSerializer$ValueSerializerSnapshot`,
  `${P_RUNTIME}CopyableValueSerializer$CopyableValueSerializerSnapshot`,
]);

/**
 * The snapshot classes whose payload is empty: Flink's `SimpleTypeSerializerSnapshot`s. Other classes named
 * `…$…SerializerSnapshot` are not assumed to be empty.
 */
export const SIMPLE_SNAPSHOTS: ReadonlySet<string> = new Set([
  ...["Int", "Long", "Short", "Byte", "Float", "Double", "Boolean", "Char", "String", "BigInt", "BigDec", "Date", "SqlDate",
    "SqlTime", "SqlTimestamp", "LocalDate", "LocalTime", "LocalDateTime", "Instant", "Void", "BooleanValue", "ByteValue",
    "CharValue", "DoubleValue", "FloatValue", "IntValue", "LongValue", "ShortValue", "StringValue", "NullValue", "Bitmap",
    "Variant"]
    .map((x) => `${P_BASE}${x}Serializer$${x}SerializerSnapshot`),
  ...["Boolean", "Byte", "Short", "Int", "Long", "Float", "Double", "Char"]
    .map((x) => `${P_BASE}array.${x}PrimitiveArraySerializer$${x}PrimitiveArraySerializerSnapshot`),
  `${P_BASE}array.StringArraySerializer$StringArraySerializerSnapshot`,
  `${P_RUNTIME}Tuple0SerializerSnapshot`,
  "org.apache.flink.runtime.state.VoidNamespaceSerializer$VoidNamespaceSerializerSnapshot",
  "org.apache.flink.runtime.state.JavaSerializer$JavaSerializerSnapshot",
  "org.apache.flink.streaming.api.windowing.windows.TimeWindow$Serializer$TimeWindowSerializerSnapshot",
  "org.apache.flink.streaming.api.windowing.windows.GlobalWindow$Serializer$GlobalWindowSerializerSnapshot",
]);

/**
 * Reads a top-level snapshot as `TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot` writes it (the
 * proxy's version 2, then the versioned snapshot).
 * @throws SnapshotFormatError on bytes that are not a snapshot; LostSyncError on one that cannot be read past
 */
export function readSerializerSnapshot(r: SnapshotInput, what: string): SerializerSnapshot {
  const at = r.position;
  const v = r.int(`the snapshot format version of ${what}`);
  if (v !== PROXY_VERSION) {
    throw r.fail(
      `${what}: serializer snapshot format version ${v}, expected 2${v === 1 ? " (Flink 1.16 and older wrote 1: take a savepoint with Flink 1.16, then restore it with 1.17 or later)" : ""}.`,
      at,
    );
  }
  return readVersionedSnapshot(r, what, 0);
}

/** `TypeSerializerSnapshot.readVersionedSnapshot`: the snapshot class, its version, its payload. */
export function readVersionedSnapshot(r: SnapshotInput, what: string, depth: number): SerializerSnapshot {
  if (depth > MAX_DEPTH) throw r.fail(`${what}: serializer snapshots nested deeper than ${MAX_DEPTH}.`);
  const className = r.utf(`the snapshot class of ${what}`);
  if (!/^[\p{L}_$][\p{L}\p{N}_$]*(\.[\p{L}_$][\p{L}\p{N}_$]*)*$/u.test(className)) {
    throw r.fail(`${what}: ${JSON.stringify(className.slice(0, 200))} is not a Java class name.`);
  }
  const version = r.int(`the snapshot version of ${className}`);
  const payloadAt = r.position;
  if (SIMPLE_SNAPSHOTS.has(className)) {
    if (version === 2) r.utf(`the serializer class of ${className}`);
    else if (version !== 3) throw new LostSyncError(className, payloadAt, `version ${version} of a simple snapshot (Flink writes 3).`);
    return { type: "simple", className };
  }
  if (className === POJO_SNAPSHOT) return readPojo(r, className, version, depth);
  if (className === KRYO_SNAPSHOT) return readKryo(r, className, version);
  if (className === AVRO_SNAPSHOT) return readAvro(r, className, version);
  if (className === ENUM_SNAPSHOT) {
    if (version !== 3 && version !== 2) throw new LostSyncError(className, payloadAt, `unknown version ${version}.`);
    const enumClass = r.utf("an enum class");
    const n = r.count(`the number of constants of ${enumClass}`, 2);
    const constants: string[] = [];
    for (let i = 0; i < n; i++) constants.push(r.utf(`a constant of ${enumClass}`));
    return { type: "enum", className, enumClass, constants };
  }
  if (GENERIC_SNAPSHOTS.has(className)) return { type: "generic", className, typeClass: r.utf(`the type class of ${className}`) };
  // A composite snapshot (known or not) starts with its magic number.
  if (version >= 3 && r.remaining >= 4 && int32(r.bytes, r.position) === COMPOSITE_MAGIC) return readComposite(r, className, depth);
  throw new LostSyncError(
    className,
    payloadAt,
    `its payload (version ${version}) is the serializer's own format, unknown to this library` +
      (r.remaining >= 4 ? ` (it starts ${r.peekHex(8)})` : "") + ".",
  );
}

function readComposite(r: SnapshotInput, className: string, depth: number): SerializerSnapshot {
  r.expectInt(COMPOSITE_MAGIC, `the composite snapshot magic of ${className}`);
  const outerVersion = r.int(`the outer snapshot version of ${className}`);
  let outer: CompositeOuter;
  if (COMPOSITES_WITHOUT_OUTER.has(className)) outer = { kind: "none" };
  else if (className === TUPLE_SNAPSHOT) outer = { kind: "tuple", tupleClass: r.utf("a tuple class") };
  else if (className === ARRAY_SNAPSHOT) outer = { kind: "array", componentClass: r.utf("an array's component class") };
  else if (className === NULLABLE_SNAPSHOT) {
    const at = r.position;
    const paddingLength = r.int("a null padding length");
    if (paddingLength < 0) throw r.fail(`a negative null padding length (${paddingLength}).`, at);
    outer = { kind: "nullable", paddingLength };
  } else if (className === ROW_SNAPSHOT) {
    outer = { kind: "row", supportsRowKind: outerVersion < 3 ? false : outerVersion === 3 ? true : r.boolean("whether a row has a RowKind") };
  } else {
    // Not a class this reader knows: skip its outer payload up to the nested snapshots' magic and version.
    const from = r.position;
    const found = findNestedMagic(r.bytes, from);
    if (found < 0 && r.bytes.length - from < NESTED_SEARCH + 8) {
      throw new SnapshotFormatError(r.file, r.base + r.bytes.length, `the file ends inside the composite snapshot ${className}.`, { endOfInput: true });
    }
    if (found < 0) throw new LostSyncError(className, from, "a composite snapshot whose nested snapshots could not be found.");
    r.skip(found - from, `the outer snapshot of ${className}`);
    outer = { kind: "skipped", version: outerVersion };
  }
  r.expectInt(NESTED_MAGIC, `the nested snapshots' magic of ${className}`);
  r.expectInt(1, `the nested snapshots' version of ${className}`);
  const n = r.count(`the number of nested snapshots of ${className}`, 6);
  const nested: SerializerSnapshot[] = [];
  for (let i = 0; i < n; i++) nested.push(readVersionedSnapshot(r, `nested snapshot ${i} of ${className}`, depth + 1));
  return { type: "composite", className, outer, nested };
}

/** How far past a composite snapshot's outer version its nested snapshots are looked for. */
const NESTED_SEARCH = 65536;

/** The offset of `[1333245][1]` (the nested snapshots' header) at or after `from`, within 64 KiB; -1 when absent. */
function findNestedMagic(b: Uint8Array, from: number): number {
  const end = Math.min(b.length - 8, from + NESTED_SEARCH);
  for (let i = from; i <= end; i++) {
    if (int32(b, i) === NESTED_MAGIC && int32(b, i + 4) === 1) return i;
  }
  return -1;
}

function int32(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}

/** One entry of a `LinkedOptionalMap`: its name and framed key and value (each absent or bytes). */
interface OptionalEntry {
  readonly name: string;
  readonly key: SnapshotInput | undefined;
  readonly value: SnapshotInput | undefined;
}

function readOptionalMap(r: SnapshotInput, what: string): OptionalEntry[] {
  const at = r.position;
  const header = r.long(`the header of ${what}`);
  if (header !== OPTIONAL_MAP_HEADER) throw r.fail(`${what}: expected the header 0x4f2c69a3d70, found 0x${BigInt.asUintN(64, header).toString(16)}.`, at);
  const n = r.count(`the number of ${what}`, 4);
  const out: OptionalEntry[] = [];
  const frame = (part: string): SnapshotInput | undefined => {
    if (!r.boolean(`whether ${part} is present`)) return undefined;
    const len = r.count(`the length of ${part}`);
    const start = r.base + r.position;
    return new SnapshotInput(r.bytesOf(len, part), r.file, start);
  };
  for (let i = 0; i < n; i++) {
    const name = r.utf(`the name of entry ${i} of ${what}`);
    const key = frame(`the key of ${JSON.stringify(name)} in ${what}`);
    const value = frame(`the value of ${JSON.stringify(name)} in ${what}`);
    out.push({ name, key, value });
  }
  return out;
}

/** A framed snapshot: read on its own, so an unknown one is skipped without losing the stream. */
function framedSnapshot(frame: SnapshotInput | undefined, what: string, depth: number): SerializerSnapshot | undefined {
  if (frame === undefined) return undefined;
  try {
    return readVersionedSnapshot(frame, what, depth + 1);
  } catch (e) {
    if (!(e instanceof LostSyncError)) throw e;
    return { type: "unknown", className: e.snapshotClass, version: -1, reason: e.reason };
  }
}

function readPojo(r: SnapshotInput, className: string, version: number, depth: number): SerializerSnapshot {
  if (version !== 2) throw new LostSyncError(className, r.position, `version ${version} (Flink writes 2).`);
  const pojoClass = r.utf("a POJO class");
  const fields = readOptionalMap(r, `the fields of ${pojoClass}`).map((e) => ({
    name: e.name,
    snapshot: framedSnapshot(e.value, `field ${e.name} of ${pojoClass}`, depth),
  }));
  const sub = (e: OptionalEntry) => ({ className: e.name, snapshot: framedSnapshot(e.value, `subclass ${e.name} of ${pojoClass}`, depth) });
  const registered = readOptionalMap(r, `the registered subclasses of ${pojoClass}`).map(sub);
  const subclasses = readOptionalMap(r, `the subclasses of ${pojoClass}`).map(sub);
  return { type: "pojo", className, pojoClass, fields, registered, subclasses };
}

const KRYO_DEFINITIONS = ["unspecified", "class", "instance"] as const;

function readKryo(r: SnapshotInput, className: string, version: number): SerializerSnapshot {
  if (version !== 2) throw new LostSyncError(className, r.position, `version ${version} (Flink writes 2).`);
  const typeClass = r.utf("a Kryo-serialized class");
  const registrations = readOptionalMap(r, `the Kryo registrations of ${typeClass}`).map((e): KryoRegistrationSnapshot => {
    if (e.value === undefined) return { name: e.name, registeredClass: undefined, definition: "unreadable", serializerClass: undefined };
    const v = e.value;
    const registeredClass = v.utf(`the class of Kryo registration ${e.name}`);
    const d = v.int(`the serializer definition of Kryo registration ${e.name}`);
    const definition = KRYO_DEFINITIONS[d] ?? "unreadable";
    const serializerClass = definition === "class" ? v.utf(`the serializer class of Kryo registration ${e.name}`) : undefined;
    return { name: e.name, registeredClass, definition, serializerClass };
  });
  const defaultSerializers = readOptionalMap(r, `the default Kryo serializers of ${typeClass}`).map((e) => e.name);
  const defaultSerializerClasses = readOptionalMap(r, `the default Kryo serializer classes of ${typeClass}`).map((e) => e.name);
  return { type: "kryo", className, typeClass, registrations, defaultSerializers, defaultSerializerClasses };
}

function readAvro(r: SnapshotInput, className: string, version: number): SerializerSnapshot {
  switch (version) {
    case 1:
      return { type: "avro", className, runtimeType: undefined, schema: r.utf("an Avro schema") };
    case 2: {
      const runtimeType = r.utf("an Avro runtime type");
      return { type: "avro", className, runtimeType, schema: r.utf("an Avro schema") };
    }
    case 3: {
      const runtimeType = flinkString(r, "an Avro runtime type");
      return { type: "avro", className, runtimeType, schema: flinkString(r, "an Avro schema") };
    }
    default:
      throw new LostSyncError(className, r.position, `version ${version} (Flink writes 3).`);
  }
}

/** A string in Flink's `StringValue` format (`StringUtils.writeString`), as the string serializer reads it. */
function flinkString(r: SnapshotInput, what: string): string {
  const start = r.position;
  const reader = new ByteReader(r.bytes, start);
  let s: string | null;
  try {
    s = stringSerializer.deserialize(reader);
  } catch (e) {
    if (!(e instanceof QueryableStateError)) throw e;
    throw r.fail(`${what}: ${e.message}`, start);
  }
  r.skip(reader.position - start, what);
  if (s === null) throw r.fail(`${what} is null.`, start);
  return s;
}
