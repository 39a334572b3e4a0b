/**
 * Flink's AvroSerializer for generic records (`GenericRecordAvroTypeInfo`), as a {@link TypeSerializer}.
 *
 * Flink does not write standard Avro binary: its AvroSerializer drives Avro's GenericDatumWriter with an
 * encoder of its own (flink-avro's DataOutputEncoder) over Flink's DataOutputView. The datum's structure is
 * Avro's, the primitives are Java DataOutput's:
 *
 * | Avro | Flink's bytes |
 * | --- | --- |
 * | null | nothing |
 * | boolean | 1 byte (reading: non-zero is true) |
 * | int, long, float, double | 4 / 8 / 4 / 8 bytes big-endian (Avro itself: zig-zag varints, little-endian floats) |
 * | string, bytes | int32 length, then the bytes (strings UTF-8) |
 * | fixed | its bytes |
 * | enum, union branch | int32 index |
 * | array, map | blocks: an unsigned 7-bit varint count (not zig-zag), the items (map: string key, value), …, then 0 |
 *
 * No header, schema fingerprint or length prefix: a value's bytes are the datum alone. The schema is parsed and
 * checked by the `avsc` library; the bytes are ours.
 */
import avsc from "avsc";
import {
  type ByteReader, type ByteWriter, Decimal, Instant, InvalidArgumentError, LocalDate, LocalDateTime, LocalTime,
  type TypeSerializer,
} from "./core.ts";
import { AvroDecodeError, AvroSchemaError } from "./errors.ts";

/** An Avro schema: its JSON text, or the parsed JSON (an object, an array for a union, or a primitive's name). */
export type AvroSchema = string | Record<string, unknown> | unknown[];

/** Options of {@link avroSerializer}. */
export interface AvroSerializerOptions {
  /**
   * Read logical types as values (default true): `decimal` as {@link Decimal}, `date` as {@link LocalDate},
   * `time-millis`/`time-micros` as {@link LocalTime}, `timestamp-*` as {@link Instant}, `local-timestamp-*` as
   * {@link LocalDateTime}. `false` keeps the underlying value (bytes, int, long), as Flink's GenericData does.
   */
  logicalTypes?: boolean;
}

/** The serializer of an Avro schema: its values are the decoded generic records (see the README's Avro section). */
export interface AvroSerializer<T = unknown> extends TypeSerializer<T> {
  /** The schema as the Avro library parsed it (canonical JSON of the writer's schema). */
  readonly schema: string;
}

type AvscType = avsc.Type;

interface Codec {
  read(r: ByteReader, path: string): unknown;
  write(v: unknown, w: ByteWriter, path: string): void;
  /** The fewest bytes a value takes (bounds the item count of arrays and maps). */
  min: number;
}

// Logical types we convert. avsc drops a logical type it does not know; registering these keeps them on the
// parsed type (`typeName` "logical:NAME", `underlyingType`). A constructor that throws makes avsc fall back to the
// underlying type, as Java's Avro ignores an invalid logical type.
const LOGICAL_UNDERLYING: Record<string, string[]> = {
  decimal: ["bytes", "fixed"],
  date: ["int"],
  "time-millis": ["int"],
  "time-micros": ["long"],
  "timestamp-millis": ["long"],
  "timestamp-micros": ["long"],
  "timestamp-nanos": ["long"],
  "local-timestamp-millis": ["long"],
  "local-timestamp-micros": ["long"],
  "local-timestamp-nanos": ["long"],
};

interface LogicalInfo {
  logical: string;
  underlying: AvscType;
  precision: number;
  scale: number;
}

function logicalTypeClasses(): Record<string, new (schema: avsc.Schema, opts?: unknown) => avsc.types.LogicalType> {
  const out: Record<string, new (schema: avsc.Schema, opts?: unknown) => avsc.types.LogicalType> = {};
  for (const [name, underlying] of Object.entries(LOGICAL_UNDERLYING)) {
    out[name] = class extends avsc.types.LogicalType {
      readonly qsLogical: LogicalInfo;
      constructor(schema: avsc.Schema, opts?: unknown) {
        super(schema, opts);
        const s = schema as { precision?: unknown; scale?: unknown };
        if (!underlying.includes(this.underlyingType.typeName)) throw new Error(`${name} on ${this.underlyingType.typeName}`);
        let precision = 0, scale = 0;
        if (name === "decimal") {
          precision = s.precision as number;
          scale = s.scale === undefined ? 0 : s.scale as number;
          if (!Number.isInteger(precision) || precision <= 0) throw new Error("decimal precision");
          if (!Number.isInteger(scale) || scale < 0 || scale > precision) throw new Error("decimal scale");
        }
        this.qsLogical = { logical: name, underlying: this.underlyingType, precision, scale };
      }
      override _fromValue(v: unknown): unknown {
        return v;
      }
      override _toValue(v: unknown): unknown {
        return v;
      }
      override _resolve(type: AvscType): ((v: unknown) => unknown) | undefined {
        return type.typeName === this.underlyingType.typeName ? (v: unknown) => v : undefined;
      }
    };
  }
  return out;
}

let STRING_TYPE: AvscType | undefined;
let logicalClasses: ReturnType<typeof logicalTypeClasses> | undefined;

/**
 * The serializer Flink's `AvroSerializer` is for generic records of `schema` (a state made with
 * `new GenericRecordAvroTypeInfo(schema)`). Throws {@link AvroSchemaError} when the schema is not valid Avro.
 *
 * @example
 * ```ts
 * import { type JobID, type QueryableStateClient, stringSerializer, valueState } from "queryable-state";
 * import { avroSerializer } from "queryable-state/avro";
 *
 * const user = avroSerializer<{ id: bigint }>({ type: "record", name: "User", fields: [{ name: "id", type: "long" }] });
 * async function userOf(client: QueryableStateClient, jobId: JobID, name: string) {
 *   const state = await client.getKvState(jobId, "users", name, stringSerializer, valueState("users", user));
 *   return state.value(); // e.g. { id: 42n }; a key without a value throws UnknownKeyOrNamespaceError
 * }
 * ```
 */
export function avroSerializer<T = unknown>(schema: AvroSchema, options: AvroSerializerOptions = {}): AvroSerializer<T> {
  let parsed: unknown = schema;
  if (typeof schema === "string") {
    const t = schema.trim();
    if (t.startsWith("{") || t.startsWith("[") || t.startsWith('"')) {
      try {
        parsed = JSON.parse(t);
      } catch (e) {
        throw new AvroSchemaError(`The Avro schema is not valid JSON: ${(e as Error).message}`, { cause: e });
      }
    }
  }
  let type: AvscType;
  try {
    type = avsc.Type.forSchema(parsed as avsc.Schema, { logicalTypes: logicalClasses ??= logicalTypeClasses() });
  } catch (e) {
    throw new AvroSchemaError(`Not a valid Avro schema: ${(e as Error).message}`, { cause: e });
  }
  const codec = new Compiler(options.logicalTypes !== false).codec(type);
  const canonical = JSON.stringify(type.schema());
  return {
    name: "AvroSerializer",
    length: -1,
    schema: canonical,
    serialize(value: T, out: ByteWriter): void {
      codec.write(value, out, "$");
    },
    deserialize(input: ByteReader): T {
      return codec.read(input, "$") as T;
    },
  };
}

// ------------------------------------------------------------------------------------------- the codec

const MAX_INT = 2 ** 31 - 1;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8");
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A string as Avro's `Utf8.getBytesFor` (Java's `String.getBytes(UTF_8)`) writes it: int32 length, UTF-8, and a
 * lone surrogate as `?`. Short strings are encoded by hand: TextEncoder's per-call cost dominates them.
 */
function writeString(w: ByteWriter, s: string): void {
  if (s.length > 64) {
    const b = utf8Encoder.encode(s.replace(LONE_SURROGATES, "?"));
    w.writeInt32(b.length);
    w.writeBytes(b);
    return;
  }
  const at = w.length;
  w.writeInt32(0);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) w.writeUint8(c);
    else if (c < 0x800) {
      w.writeUint8(0xc0 | (c >> 6));
      w.writeUint8(0x80 | (c & 0x3f));
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        w.writeUint8(0xf0 | (cp >> 18));
        w.writeUint8(0x80 | ((cp >> 12) & 0x3f));
        w.writeUint8(0x80 | ((cp >> 6) & 0x3f));
        w.writeUint8(0x80 | (cp & 0x3f));
        i++;
      } else w.writeUint8(0x3f);
    } else {
      w.writeUint8(0xe0 | (c >> 12));
      w.writeUint8(0x80 | ((c >> 6) & 0x3f));
      w.writeUint8(0x80 | (c & 0x3f));
    }
  }
  w.patchInt32(at, w.length - at - 4);
}

/** UTF-8 decoding as Java's `new String(bytes, UTF_8)`: malformed input becomes U+FFFD. Short ASCII by hand. */
function decodeUtf8(b: Uint8Array): string {
  if (b.length <= 32) {
    let ascii = "";
    for (let i = 0; i < b.length; i++) {
      if (b[i] > 0x7f) return utf8Decoder.decode(b);
      ascii += String.fromCharCode(b[i]);
    }
    return ascii;
  }
  return utf8Decoder.decode(b);
}
// Items that take no bytes (nulls, empty records) are not bounded by the input: refuse absurd counts.
const MAX_EMPTY_ITEMS = 1 << 24;

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return String(v);
}

function wrong(path: string, expected: string, v: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`Avro: ${path} should be ${expected}, got ${describe(v)}.`);
}

function readCount(r: ByteReader, path: string): number {
  // flink-avro's readVarLongCount: 7 bits a byte, low bits first, no zig-zag.
  let value = 0, shift = 0, b: number;
  do {
    b = r.readUint8();
    if (shift > 49) throw new AvroDecodeError(path, "A block count longer than 8 bytes");
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return value;
}

function writeCount(w: ByteWriter, n: number): void {
  while (n > 0x7f) {
    w.writeUint8((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  w.writeUint8(n);
}

function readLength(r: ByteReader, path: string): number {
  const n = r.readInt32();
  if (n < 0) throw new AvroDecodeError(path, `A negative length (${n})`);
  return n;
}

function toBigInt(v: unknown, path: string, what = "a long (bigint)"): bigint {
  if (typeof v === "bigint") {
    if (BigInt.asIntN(64, v) !== v) throw wrong(path, `${what} within 64 bits`, v);
    return v;
  }
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw wrong(path, what, v);
}

function toInt(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < -(2 ** 31) || v > MAX_INT) throw wrong(path, "an int", v);
  return v;
}

// Two's complement, big-endian, fewest bytes (Java's BigInteger.toByteArray).
function unscaledBytes(v: bigint): Uint8Array {
  let n = 1;
  while (BigInt.asIntN(n * 8, v) !== v) n++;
  const out = new Uint8Array(n);
  let x = BigInt.asUintN(n * 8, v);
  for (let i = n - 1; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

function fromUnscaledBytes(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let x = 0n;
  for (const byte of b) x = (x << 8n) | BigInt(byte);
  return BigInt.asIntN(b.length * 8, x);
}

function floorDiv(a: bigint, b: bigint): [bigint, bigint] {
  let q = a / b, r = a % b;
  if (r < 0n) {
    q -= 1n;
    r += b;
  }
  return [q, r];
}

const UNIT: Record<string, bigint> = { millis: 1_000_000n, micros: 1000n, nanos: 1n };

function localTimeOfNanos(n: bigint): LocalTime {
  const s = n / 1_000_000_000n;
  return new LocalTime(Number(s / 3600n), Number((s / 60n) % 60n), Number(s % 60n), Number(n % 1_000_000_000n));
}

function nanosOfLocalTime(t: LocalTime): bigint {
  return ((BigInt(t.hour) * 60n + BigInt(t.minute)) * 60n + BigInt(t.second)) * 1_000_000_000n + BigInt(t.nano);
}

function epochDay(d: LocalDate): number {
  // Days from civil (proleptic Gregorian), the inverse of LocalDate.ofEpochDay.
  const y = d.year - (d.month <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (d.month + (d.month > 2 ? -3 : 9)) + 2) / 5) + d.day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

class Compiler {
  readonly #logical: boolean;
  readonly #done = new Map<AvscType, Codec>();
  constructor(logical: boolean) {
    this.#logical = logical;
  }

  codec(t: AvscType): Codec {
    const known = this.#done.get(t);
    if (known) return known;
    // Named types can recur (a linked list): register a forwarding codec first.
    const slot: Codec = { min: 0, read: () => undefined, write: () => undefined };
    this.#done.set(t, slot);
    const c = this.#make(t);
    slot.read = c.read;
    slot.write = c.write;
    slot.min = c.min;
    return slot;
  }

  #make(t: AvscType): Codec {
    const name = t.typeName;
    if (name.startsWith("logical:")) {
      const info = (t as unknown as { qsLogical: LogicalInfo }).qsLogical;
      const under = this.codec(info.underlying);
      return this.#logical ? logicalCodec(info, under) : under;
    }
    switch (name) {
      case "null":
        return {
          min: 0,
          read: () => null,
          write: (v, _w, p) => {
            if (v !== null && v !== undefined) throw wrong(p, "null", v);
          },
        };
      case "boolean":
        return {
          min: 1,
          read: (r) => r.readBoolean(),
          write: (v, w, p) => {
            if (typeof v !== "boolean") throw wrong(p, "a boolean", v);
            w.writeUint8(v ? 1 : 0);
          },
        };
      case "int":
        return { min: 4, read: (r) => r.readInt32(), write: (v, w, p) => w.writeInt32(toInt(v, p)) };
      case "long":
        return { min: 8, read: (r) => r.readInt64(), write: (v, w, p) => w.writeInt64(toBigInt(v, p)) };
      case "float":
        return {
          min: 4,
          read: (r) => r.readFloat32(),
          write: (v, w, p) => {
            if (typeof v !== "number") throw wrong(p, "a number (float)", v);
            w.writeFloat32(v);
          },
        };
      case "double":
        return {
          min: 8,
          read: (r) => r.readFloat64(),
          write: (v, w, p) => {
            if (typeof v !== "number") throw wrong(p, "a number (double)", v);
            w.writeFloat64(v);
          },
        };
      case "string":
        return {
          min: 4,
          read: (r, p) => decodeUtf8(r.readBytes(readLength(r, p))),
          write: (v, w, p) => {
            if (typeof v !== "string") throw wrong(p, "a string", v);
            writeString(w, v);
          },
        };
      case "bytes":
        return {
          min: 4,
          read: (r, p) => r.readBytes(readLength(r, p)).slice(),
          write: (v, w, p) => {
            if (!(v instanceof Uint8Array)) throw wrong(p, "bytes (a Uint8Array)", v);
            w.writeInt32(v.length);
            w.writeBytes(v);
          },
        };
      case "fixed": {
        const size = (t as avsc.types.FixedType).size;
        return {
          min: size,
          read: (r) => r.readBytes(size).slice(),
          write: (v, w, p) => {
            if (!(v instanceof Uint8Array) || v.length !== size) throw wrong(p, `${size} bytes (a Uint8Array)`, v);
            w.writeBytes(v);
          },
        };
      }
      case "enum": {
        const symbols = (t as avsc.types.EnumType).symbols;
        const index = new Map(symbols.map((s, i) => [s, i]));
        return {
          min: 4,
          read: (r, p) => {
            const i = r.readInt32();
            if (i < 0 || i >= symbols.length) throw new AvroDecodeError(p, `Enum index ${i} of ${symbols.length} symbols`);
            return symbols[i];
          },
          write: (v, w, p) => {
            const i = typeof v === "string" ? index.get(v) : undefined;
            if (i === undefined) throw wrong(p, `one of ${symbols.join(", ")}`, v);
            w.writeInt32(i);
          },
        };
      }
      case "array":
        return this.#array(this.codec((t as avsc.types.ArrayType).itemsType));
      case "map":
        return this.#map(this.codec((t as avsc.types.MapType).valuesType as AvscType));
      case "record":
      case "error":
        return this.#record(t as avsc.types.RecordType);
      case "union:unwrapped":
      case "union:wrapped":
        return this.#union((t as avsc.types.UnwrappedUnionType).types);
    }
    throw new AvroSchemaError(`Avro type ${name} is not supported.`);
  }

  #array(item: Codec): Codec {
    return {
      min: 1,
      read: (r, p) => {
        const out: unknown[] = [];
        for (let n = readCount(r, p); n !== 0; n = readCount(r, p)) {
          checkCount(r, p, n, out.length, item.min);
          for (let i = 0; i < n; i++) out.push(item.read(r, `${p}[${out.length}]`));
        }
        return out;
      },
      write: (v, w, p) => {
        if (!Array.isArray(v)) throw wrong(p, "an array", v);
        if (v.length > 0) writeCount(w, v.length);
        for (let i = 0; i < v.length; i++) item.write(v[i], w, `${p}[${i}]`);
        w.writeUint8(0);
      },
    };
  }

  #map(value: Codec): Codec {
    const key = this.codec(STRING_TYPE ??= avsc.Type.forSchema("string"));
    return {
      min: 1,
      read: (r, p) => {
        const out = new Map<string, unknown>();
        for (let n = readCount(r, p); n !== 0; n = readCount(r, p)) {
          checkCount(r, p, n, out.size, 4 + value.min);
          for (let i = 0; i < n; i++) {
            const k = key.read(r, `${p} key`) as string;
            out.set(k, value.read(r, `${p}[${JSON.stringify(k)}]`));
          }
        }
        return out;
      },
      write: (v, w, p) => {
        let entries: [unknown, unknown][];
        if (v instanceof Map) entries = [...v.entries()];
        else if (v !== null && typeof v === "object" && !Array.isArray(v)) entries = Object.entries(v);
        else throw wrong(p, "a Map or an object", v);
        if (entries.length > 0) writeCount(w, entries.length);
        for (const [k, x] of entries) {
          key.write(k, w, `${p} key`);
          value.write(x, w, `${p}[${JSON.stringify(k)}]`);
        }
        w.writeUint8(0);
      },
    };
  }

  #record(t: avsc.types.RecordType): Codec {
    const fields = t.fields.map((f) => ({ name: f.name, codec: this.codec(f.type), nullable: acceptsNull(f.type) }));
    const plain = !fields.some((f) => f.name === "__proto__");
    return {
      get min() {
        return fields.reduce((a, f) => a + f.codec.min, 0);
      },
      read: (r, p) => {
        const o: Record<string, unknown> = {};
        for (const f of fields) {
          const v = f.codec.read(r, `${p}.${f.name}`);
          if (plain) o[f.name] = v;
          else Object.defineProperty(o, f.name, { value: v, enumerable: true, writable: true, configurable: true });
        }
        return o;
      },
      write: (v, w, p) => {
        if (v === null || typeof v !== "object" || Array.isArray(v)) throw wrong(p, `a record (${t.name})`, v);
        for (const f of fields) {
          const x = plain || Object.hasOwn(v, f.name) ? (v as Record<string, unknown>)[f.name] : undefined;
          if (x === undefined && !f.nullable) throw wrong(`${p}.${f.name}`, "set (the field is missing)", x);
          f.codec.write(x ?? null, w, `${p}.${f.name}`);
        }
      },
    };
  }

  #union(types: AvscType[]): Codec {
    const branches = types.map((t) => ({ name: branchName(t), short: shortName(t), codec: this.codec(t) }));
    const nullIndex = types.findIndex((t) => t.typeName === "null");
    const others = branches.filter((_, i) => i !== nullIndex);
    // null and at most one other branch: the value itself (T | null); otherwise { branchName: value }.
    const unwrapped = others.length <= 1;
    const byName = new Map<string, number>();
    branches.forEach((b, i) => byName.set(b.name, i));
    branches.forEach((b, i) => {
      if (branches.filter((o) => o.short === b.short).length === 1 && !byName.has(b.short)) byName.set(b.short, i);
    });
    return {
      min: 4,
      read: (r, p) => {
        const i = r.readInt32();
        if (i < 0 || i >= branches.length) throw new AvroDecodeError(p, `Union branch ${i} of ${branches.length}`);
        const b = branches[i];
        const v = b.codec.read(r, p);
        // fromEntries: a branch named __proto__ stays a property.
        return unwrapped || i === nullIndex ? v : Object.fromEntries([[b.name, v]]);
      },
      write: (v, w, p) => {
        if (v === null || v === undefined) {
          if (nullIndex < 0) throw wrong(p, `one of ${branches.map((b) => b.name).join(", ")} (the union has no null)`, v);
          w.writeInt32(nullIndex);
          return;
        }
        if (unwrapped) {
          const i = branches.indexOf(others[0]);
          if (i < 0) throw wrong(p, "null", v);
          w.writeInt32(i);
          others[0].codec.write(v, w, p);
          return;
        }
        const keys = typeof v === "object" && !Array.isArray(v) && !(v instanceof Map) ? Object.keys(v) : [];
        const i = keys.length === 1 ? byName.get(keys[0]) : undefined;
        if (i === undefined) {
          throw wrong(p, `null or { branch: value } with a branch of ${branches.map((b) => b.name).join(", ")}`, v);
        }
        w.writeInt32(i);
        branches[i].codec.write((v as Record<string, unknown>)[keys[0]], w, `${p}.${keys[0]}`);
      },
    };
  }
}

function checkCount(r: ByteReader, p: string, n: number, sofar: number, min: number): void {
  if (min > 0 ? n > r.remaining / min : sofar + n > MAX_EMPTY_ITEMS) {
    throw new AvroDecodeError(p, `A block of ${n} items, more than the ${r.remaining} bytes left can hold`);
  }
}

function acceptsNull(t: AvscType): boolean {
  return t.typeName === "null" || ((t.typeName === "union:unwrapped" || t.typeName === "union:wrapped") &&
    (t as avsc.types.UnwrappedUnionType).types.some((x) => x.typeName === "null"));
}

// The name Avro's JSON encoding gives a union branch: a named type's full name, else the type's name.
function branchName(t: AvscType): string {
  if (t.typeName.startsWith("logical:")) return branchName((t as avsc.types.LogicalType).underlyingType);
  const named = t.typeName === "record" || t.typeName === "error" || t.typeName === "enum" || t.typeName === "fixed";
  return named ? (t as { name: string }).name : t.typeName;
}

function shortName(t: AvscType): string {
  const n = branchName(t);
  return n.slice(n.lastIndexOf(".") + 1);
}

function logicalCodec(info: LogicalInfo, under: Codec): Codec {
  const { logical } = info;
  const min = under.min;
  if (logical === "decimal") {
    const fixed = info.underlying.typeName === "fixed" ? (info.underlying as avsc.types.FixedType).size : -1;
    return {
      min,
      read: (r, p) => new Decimal(fromUnscaledBytes(under.read(r, p) as Uint8Array), info.scale),
      write: (v, w, p) => {
        if (!(v instanceof Decimal) || v.scale !== info.scale) throw wrong(p, `a Decimal of scale ${info.scale}`, v);
        let b = unscaledBytes(v.unscaled);
        if (fixed >= 0) {
          if (b.length > fixed) throw wrong(p, `a Decimal that fits ${fixed} bytes`, v);
          const padded = new Uint8Array(fixed).fill(v.unscaled < 0n ? 0xff : 0);
          padded.set(b, fixed - b.length);
          b = padded;
        }
        under.write(b, w, p);
      },
    };
  }
  if (logical === "date") {
    return {
      min,
      read: (r, p) => LocalDate.ofEpochDay(under.read(r, p) as number),
      write: (v, w, p) => {
        if (!(v instanceof LocalDate)) throw wrong(p, "a LocalDate", v);
        under.write(epochDay(v), w, p);
      },
    };
  }
  const unit = UNIT[logical.slice(logical.lastIndexOf("-") + 1)];
  if (logical.startsWith("time-")) {
    const millis = logical === "time-millis";
    return {
      min,
      read: (r, p) => {
        const raw = under.read(r, p);
        const n = (millis ? BigInt(raw as number) : raw as bigint) * unit;
        if (n < 0n || n >= 86_400_000_000_000n) throw new AvroDecodeError(p, `${logical} ${raw} is not a time of day`);
        return localTimeOfNanos(n);
      },
      write: (v, w, p) => {
        if (!(v instanceof LocalTime)) throw wrong(p, "a LocalTime", v);
        const [q, rest] = floorDiv(nanosOfLocalTime(v), unit);
        if (rest !== 0n) throw wrong(p, `a LocalTime in whole ${logical.slice(5)}`, v);
        under.write(millis ? Number(q) : q, w, p);
      },
    };
  }
  const local = logical.startsWith("local-");
  return {
    min,
    read: (r, p) => {
      const n = (under.read(r, p) as bigint) * unit;
      const [s, nano] = floorDiv(n, 1_000_000_000n);
      if (!local) return new Instant(s, Number(nano));
      const [day, sec] = floorDiv(s, 86400n);
      return new LocalDateTime(LocalDate.ofEpochDay(Number(day)), localTimeOfNanos(sec * 1_000_000_000n + nano));
    },
    write: (v, w, p) => {
      let n: bigint;
      if (!local && v instanceof Instant) n = v.epochSecond * 1_000_000_000n + BigInt(v.nano);
      else if (local && v instanceof LocalDateTime) {
        n = BigInt(epochDay(v.date)) * 86_400_000_000_000n + nanosOfLocalTime(v.time);
      } else throw wrong(p, local ? "a LocalDateTime" : "an Instant", v);
      const [q, rest] = floorDiv(n, unit);
      if (rest !== 0n) throw wrong(p, `a time in whole ${logical.slice(logical.lastIndexOf("-") + 1)}`, v);
      under.write(q, w, p);
    },
  };
}
