/**
 * From Flink's serializer snapshots (`serializer-snapshots.ts`) to type expressions (`parseTypeExpression`'s language).
 * A snapshot this library cannot read bytes of, or cannot express, becomes an {@link UnmappedType} with the snapshot's
 * class and the reason: never a guessed expression. Every expression made is parsed again before it is returned.
 *
 * | snapshot class (Flink 1.20 and 2.x) | expression |
 * | --- | --- |
 * | `IntSerializer…`, `LongSerializer…` and the other basic types, big numbers, dates and times | `int`, `long`, …, `biginteger`, `decimal`, `date`, `sqldate`, `sqltime`, `timestamp`, `localdate`, `localtime`, `localdatetime`, `instant` |
 * | `…PrimitiveArraySerializer…`, `StringArraySerializer…` | `int[]` …, `byte[]`, `char[]`, `string[]` |
 * | `GenericArraySerializerSnapshot` | `array<T>` |
 * | `ListSerializerSnapshot`, `ArrayListSerializerSnapshot`, `MapSerializerSnapshot`, `SetSerializerSnapshot` (2.x) | `list<T>`, `map<K,V>`, `set<T>` |
 * | `NullableSerializerSnapshot` | `nullable<T>`, `nullable<T,padded>`; 2.x's `nullablelist<T>`, `nullablemap<K,V>`, `nullableset<T>` shapes |
 * | `TupleSerializerSnapshot`, `Tuple0SerializerSnapshot`, `JavaEitherSerializerSnapshot`, `RowSerializerSnapshot` | `tuple<…>`, `tuple<>`, `either<L,R>`, `row<…>` (positional: the snapshot keeps no field names) |
 * | `PojoSerializerSnapshot` | `pojo<Cls>{field:T,…}` with `\| Sub{…}`, `\| Sub#tag{…}`, `\| kryo<Sub>` subclasses |
 * | `EnumSerializerSnapshot` | `enum<A,B,C>` |
 * | `KryoSerializerSnapshot` | `kryo1<Cls>` (Flink 1.x), `kryo<Cls>` (2.x); registered classes as `registered Cls` |
 * | `AvroSerializerSnapshot` | `avro:NAME`, the schema in the catalog's `avroSchemas` |
 * | `VoidNamespaceSerializer…`, `TimeWindow…`, `GlobalWindow…` | `void`, `timewindow`, `globalwindow` |
 */
import type { CatalogType, UnmappedType } from "../catalog/catalog.ts";
import { QueryableStateError } from "../core/errors.ts";
import { parseTypeExpression } from "../types/expression.ts";
import { AVRO_ARRAY, JDK_CLASSES } from "../types/kryo/jdk-classes.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import type { SnapshotOrLost } from "./backend-proxy.ts";
import type { SerializerSnapshot } from "./serializer-snapshots.ts";

/** What mapping a state's snapshots needs to know and collects. */
export interface MappingContext {
  /** Flink's generation that wrote the snapshot: Kryo's bytes differ (`kryo1` for 1.x, `kryo` for 2.x). */
  readonly generation: 1 | 2;
  /** Avro schemas met so far, by the name `avro:NAME` uses (filled in). */
  readonly avroSchemas: Map<string, unknown>;
  /** Notes for people about the expressions made (filled in), e.g. Kryo classes whose fields must be described. */
  readonly notes: Set<string>;
}

const P_BASE = "org.apache.flink.api.common.typeutils.base.";
const P_RUNTIME = "org.apache.flink.api.java.typeutils.runtime.";

const SIMPLE: ReadonlyMap<string, string> = new Map([
  ...([
    ["Int", "int"], ["Long", "long"], ["Short", "short"], ["Byte", "byte"], ["Float", "float"], ["Double", "double"],
    ["Boolean", "boolean"], ["Char", "char"], ["String", "string"], ["BigInt", "biginteger"], ["BigDec", "decimal"],
    ["Date", "date"], ["SqlDate", "sqldate"], ["SqlTime", "sqltime"], ["SqlTimestamp", "timestamp"],
    ["LocalDate", "localdate"], ["LocalTime", "localtime"], ["LocalDateTime", "localdatetime"], ["Instant", "instant"],
  ] as const).map(([x, e]): [string, string] => [`${P_BASE}${x}Serializer$${x}SerializerSnapshot`, e]),
  ...([["Boolean", "boolean[]"], ["Byte", "byte[]"], ["Short", "short[]"], ["Int", "int[]"], ["Long", "long[]"],
    ["Float", "float[]"], ["Double", "double[]"], ["Char", "char[]"]] as const)
    .map(([x, e]): [string, string] => [`${P_BASE}array.${x}PrimitiveArraySerializer$${x}PrimitiveArraySerializerSnapshot`, e]),
  [`${P_BASE}array.StringArraySerializer$StringArraySerializerSnapshot`, "string[]"],
  [`${P_RUNTIME}Tuple0SerializerSnapshot`, "tuple<>"],
  ["org.apache.flink.runtime.state.VoidNamespaceSerializer$VoidNamespaceSerializerSnapshot", "void"],
  ["org.apache.flink.streaming.api.windowing.windows.TimeWindow$Serializer$TimeWindowSerializerSnapshot", "timewindow"],
  ["org.apache.flink.streaming.api.windowing.windows.GlobalWindow$Serializer$GlobalWindowSerializerSnapshot", "globalwindow"],
]);

/** Why the simple snapshots without an expression have none. */
function simpleReason(className: string): string {
  if (/Value(Serializer)?\$/.test(className)) return "a Flink Value type (IntValue, StringValue …): no type expression reads its serializer";
  if (className.endsWith("VoidSerializer$VoidSerializerSnapshot")) return "java.lang.Void: no type expression reads it";
  if (className.includes("JavaSerializer")) return "Java serialization (ObjectOutputStream): no type expression reads it";
  if (className.includes("Bitmap")) return "Flink's Bitmap type: no type expression reads it";
  if (className.includes("Variant")) return "Flink's Variant type: no type expression reads it";
  return "a serializer this library does not know";
}

/** A snapshot that has no expression: its class and why. */
class Unmappable extends Error {
  readonly serializer: string;
  readonly reason: string;
  constructor(serializer: string, reason: string) {
    super(`${serializer}: ${reason}`);
    this.serializer = serializer;
    this.reason = reason;
  }
}

/**
 * The type expression of a serializer snapshot, or an {@link UnmappedType} saying why there is none.
 */
export function typeOf(snapshot: SnapshotOrLost | undefined, ctx: MappingContext): CatalogType {
  try {
    const e = expression(snapshot, ctx, 0);
    return checked(e);
  } catch (e) {
    if (e instanceof Unmappable) return { serializer: e.serializer, reason: e.reason } satisfies UnmappedType;
    throw e;
  }
}

/** The element (list state) or key and value (map state) snapshots of a state's value serializer. */
export function collectionParts(snapshot: SnapshotOrLost | undefined, kind: "list" | "map"): SnapshotOrLost[] | undefined {
  if (snapshot?.type !== "composite") return undefined;
  const c = snapshot.className;
  if (kind === "list" && (c === `${P_BASE}ListSerializerSnapshot` || c === "org.apache.flink.runtime.state.ArrayListSerializerSnapshot")) {
    return snapshot.nested.length === 1 ? [...snapshot.nested] : undefined;
  }
  if (kind === "map" && c === `${P_BASE}MapSerializerSnapshot`) return snapshot.nested.length === 2 ? [...snapshot.nested] : undefined;
  return undefined;
}

// A stand-in for Avro types: checking the syntax needs no schema.
const AVRO_STUB = (): TypeSerializer<unknown> => ({ name: "AvroSerializer", length: -1, serialize() {}, deserialize: () => undefined });

/** Parses the expression made, as a reader of the catalog will: one that does not parse is a bug made visible. */
function checked(e: string): string {
  try {
    parseTypeExpression(e, { avro: AVRO_STUB });
  } catch (err) {
    if (!(err instanceof QueryableStateError)) throw err;
    throw new Unmappable("(type expression)", `the expression made from the snapshot does not parse (${err.message.split("\n")[0]}): ${e}`);
  }
  return e;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
const CLASS = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

function className(name: string, what: string, owner: string): string {
  if (!CLASS.test(name)) throw new Unmappable(owner, `${what} ${JSON.stringify(name)} cannot be written in a type expression`);
  return name;
}

function expression(s: SnapshotOrLost | undefined, ctx: MappingContext, depth: number): string {
  if (s === undefined) throw new Unmappable("(missing)", "the checkpoint holds no snapshot of this serializer");
  switch (s.type) {
    case "lost":
    case "unknown":
      throw new Unmappable(s.className, `a serializer this library does not know (${s.reason.replace(/\.$/, "")})`);
    case "simple": {
      const e = SIMPLE.get(s.className);
      if (e === undefined) throw new Unmappable(s.className, simpleReason(s.className));
      return e;
    }
    case "generic":
      throw new Unmappable(s.className, `a Flink Value type (${s.typeClass}): no type expression reads its serializer`);
    case "enum": {
      if (s.constants.length === 0) throw new Unmappable(s.className, `enum ${s.enumClass} has no constants`);
      for (const c of s.constants) if (!IDENT.test(c)) throw new Unmappable(s.className, `enum constant ${JSON.stringify(c)} cannot be written in a type expression`);
      return `enum<${s.constants.join(",")}>`;
    }
    case "avro":
      return avro(s, ctx);
    case "kryo":
      return kryo(s, ctx);
    case "pojo":
      return pojo(s, ctx, depth);
    case "composite":
      return composite(s, ctx, depth);
  }
}

function composite(s: Extract<SerializerSnapshot, { type: "composite" }>, ctx: MappingContext, depth: number): string {
  const n = s.nested;
  const sub = (i: number) => expression(n[i], ctx, depth + 1);
  const arity = (k: number) => {
    if (n.length !== k) throw new Unmappable(s.className, `${n.length} nested serializer(s), expected ${k}`);
  };
  switch (s.className) {
    case `${P_BASE}ListSerializerSnapshot`:
    case "org.apache.flink.runtime.state.ArrayListSerializerSnapshot":
      arity(1);
      return `list<${sub(0)}>`;
    case `${P_BASE}SetSerializerSnapshot`:
      arity(1);
      return `set<${sub(0)}>`;
    case `${P_BASE}MapSerializerSnapshot`:
      arity(2);
      return `map<${sub(0)},${sub(1)}>`;
    case `${P_RUNTIME}JavaEitherSerializerSnapshot`:
      arity(2);
      return `either<${sub(0)},${sub(1)}>`;
    case `${P_BASE}GenericArraySerializerSnapshot`:
      arity(1);
      return `array<${sub(0)}>`;
    case `${P_RUNTIME}TupleSerializerSnapshot`:
      if (n.length > 25) throw new Unmappable(s.className, `a tuple of ${n.length} fields (Flink's tuples have at most 25)`);
      return `tuple<${n.map((_, i) => sub(i)).join(",")}>`;
    case `${P_RUNTIME}RowSerializer$RowSerializerSnapshot`:
      if (s.outer.kind === "row" && !s.outer.supportsRowKind) {
        throw new Unmappable(s.className, "a row serializer without RowKind (written by Flink 1.10 and older): no type expression reads it");
      }
      return `row<${n.map((_, i) => sub(i)).join(",")}>`;
    case `${P_RUNTIME}NullableSerializer$NullableSerializerSnapshot`:
      arity(1);
      return nullable(s, ctx, depth);
    case "org.apache.flink.api.common.typeutils.SingleThreadAccessCheckingTypeSerializer$SingleThreadAccessCheckingTypeSerializerSnapshot":
      arity(1);
      return sub(0);
    case "org.apache.flink.runtime.state.ttl.TtlStateFactory$TtlSerializerSnapshot":
    case "org.apache.flink.runtime.state.v2.ttl.TtlStateFactory$TtlSerializerSnapshot":
      throw new Unmappable(s.className, "a state with a time-to-live (each value stored with its timestamp): Flink serves no TTL state to queryable state");
    default:
      throw new Unmappable(s.className, "a composite serializer this library does not know");
  }
}

function nullable(s: Extract<SerializerSnapshot, { type: "composite" }>, ctx: MappingContext, depth: number): string {
  const padding = s.outer.kind === "nullable" ? s.outer.paddingLength : 0;
  const inner = s.nested[0];
  if (padding > 0) {
    const e = expression(inner, ctx, depth + 1);
    const length = parseTypeExpression(e, { avro: AVRO_STUB }).length;
    if (length !== padding) {
      throw new Unmappable(s.className, `null padding of ${padding} byte(s) for ${e}, whose values take ${length < 0 ? "a variable number of" : length} byte(s)`);
    }
    return `nullable<${e},padded>`;
  }
  // Flink 2.x's NullableListTypeInfo, NullableMapTypeInfo, NullableSetTypeInfo: their own shorter names.
  if (inner?.type === "composite") {
    const nullableOf = (x: SnapshotOrLost | undefined) =>
      x?.type === "composite" && x.className === s.className && x.outer.kind === "nullable" && x.outer.paddingLength === 0 ? x.nested[0] : undefined;
    if (inner.className === `${P_BASE}ListSerializerSnapshot` && inner.nested.length === 1) {
      const element = nullableOf(inner.nested[0]);
      if (element !== undefined) return `nullablelist<${expression(element, ctx, depth + 3)}>`;
    }
    if (inner.className === `${P_BASE}MapSerializerSnapshot` && inner.nested.length === 2) {
      const key = nullableOf(inner.nested[0]);
      if (key !== undefined) return `nullablemap<${expression(key, ctx, depth + 3)},${expression(inner.nested[1], ctx, depth + 2)}>`;
    }
    if (inner.className === `${P_BASE}SetSerializerSnapshot` && inner.nested.length === 1) {
      return `nullableset<${expression(inner.nested[0], ctx, depth + 2)}>`;
    }
  }
  return `nullable<${expression(inner, ctx, depth + 1)}>`;
}

function pojo(s: Extract<SerializerSnapshot, { type: "pojo" }>, ctx: MappingContext, depth: number): string {
  const cls = className(s.pojoClass, "the POJO class", s.className);
  const fields = (p: Extract<SerializerSnapshot, { type: "pojo" }>) =>
    `{${
      p.fields.map((f) => {
        if (!IDENT.test(f.name)) throw new Unmappable(s.className, `field ${JSON.stringify(f.name)} of ${p.pojoClass} cannot be written in a type expression`);
        if (f.snapshot === undefined) throw new Unmappable(s.className, `field ${f.name} of ${p.pojoClass} has no serializer in the checkpoint (a field removed from the class)`);
        return `${f.name}:${expression(f.snapshot, ctx, depth + 1)}`;
      }).join(",")
    }}`;
  let out = `pojo<${cls}>${fields(s)}`;
  const alternative = (sub: { className: string; snapshot: SerializerSnapshot | undefined }, tag: number | undefined): string => {
    const name = className(sub.className, "the subclass", s.className);
    const snap = sub.snapshot;
    if (snap?.type === "pojo") return ` | ${name}${tag === undefined ? "" : `#${tag}`}${fields(snap)}`;
    if (snap?.type === "kryo" && tag === undefined) return ` | ${kryo(snap, ctx)}`;
    throw new Unmappable(
      snap?.className ?? s.className,
      `subclass ${sub.className} of ${s.pojoClass}${tag === undefined ? "" : ` (registered, tag ${tag})`} has ` +
        (snap === undefined ? "no serializer in the checkpoint" : `a serializer a type expression cannot name as a subclass (${snap.className})`),
    );
  };
  s.registered.forEach((sub, tag) => (out += alternative(sub, tag)));
  const registered = new Set(s.registered.map((r) => r.className));
  for (const sub of s.subclasses) if (!registered.has(sub.className)) out += alternative(sub, undefined);
  return out;
}

function kryo(s: Extract<SerializerSnapshot, { type: "kryo" }>, ctx: MappingContext): string {
  const name = ctx.generation === 1 ? "kryo1" : "kryo";
  const declared = className(s.typeClass, "the Kryo-serialized class", s.className);
  if (s.defaultSerializers.length > 0 || s.defaultSerializerClasses.length > 0) {
    throw new Unmappable(
      s.className,
      `the job adds default Kryo serializers (for ${[...s.defaultSerializers, ...s.defaultSerializerClasses].join(", ")}): their bytes are their own`,
    );
  }
  // Flink registers the declared class first, then the job's classes, then Avro's array class (or a stand-in).
  const registered: string[] = [];
  for (const [i, r] of s.registrations.entries()) {
    if (r.name === AVRO_ARRAY) continue;
    if (r.definition !== "unspecified") {
      throw new Unmappable(s.className, `the job registers a Kryo serializer for ${r.name}${r.serializerClass ? ` (${r.serializerClass})` : ""}: its bytes are its own`);
    }
    if (i === 0 && r.name === s.typeClass) continue;
    registered.push(className(r.name, "a class registered with Kryo", s.className));
  }
  if (!isJdk(declared)) {
    ctx.notes.add(
      `${declared} is written by Kryo's FieldSerializer: a checkpoint does not hold its fields, so describe them ` +
        `(${name}<${declared}>{field:JavaType,...}, see the README's Kryo section) to read values of it.`,
    );
  }
  return `${name}<${[declared, ...registered.map((r) => `registered ${r}`)].join(",")}>`;
}

/** Classes Kryo reads without a description: the JDK's. */
function isJdk(name: string): boolean {
  return JDK_CLASSES.has(name) || /^javax?\./.test(name);
}

function avro(s: Extract<SerializerSnapshot, { type: "avro" }>, ctx: MappingContext): string {
  let schema: unknown;
  try {
    schema = JSON.parse(s.schema);
  } catch (e) {
    throw new Unmappable(s.className, `its Avro schema is not JSON (${(e as Error).message})`);
  }
  const base = avroName(schema);
  for (let i = 1;; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    const known = ctx.avroSchemas.get(name);
    if (known === undefined) {
      ctx.avroSchemas.set(name, schema);
      return `avro:${name}`;
    }
    if (JSON.stringify(known) === JSON.stringify(schema)) return `avro:${name}`;
  }
}

/** A schema's full name (`com.acme.User`) when it has one, else its type. */
function avroName(schema: unknown): string {
  if (typeof schema === "string") return schema;
  if (schema !== null && typeof schema === "object" && !Array.isArray(schema)) {
    const o = schema as { name?: unknown; namespace?: unknown; type?: unknown };
    if (typeof o.name === "string" && /^[A-Za-z_][\w.]*$/.test(o.name)) {
      return typeof o.namespace === "string" && o.namespace !== "" && !o.name.includes(".") ? `${o.namespace}.${o.name}` : o.name;
    }
    if (typeof o.type === "string") return o.type;
  }
  return "schema";
}
