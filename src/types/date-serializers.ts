import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError, SerializationError } from "../core/errors.ts";
import { implausible } from "./decode-errors.ts";
import { jsonParsed } from "./json-value.ts";
import { javaLongHash } from "./java-hash.ts";
import { badValue } from "./primitive-serializers.ts";
import { Instant, LocalDate, LocalDateTime, LocalTime } from "./temporal.ts";
import type { TypeSerializer } from "./type-serializer.ts";

const NULL_LONG = -(1n << 63n);
const NULL_INT = -0x80000000;
const MAX_DATE_MS = 8.64e15;

function millisDate(name: string): TypeSerializer<Date | null> {
  return {
    name,
    length: 8,
    serialize(v: Date | null, out: ByteWriter): void {
      if (v === null || v === undefined) return out.writeInt64(NULL_LONG);
      if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw badValue(name, "a valid Date or null", v);
      out.writeInt64(BigInt(v.getTime()));
    },
    deserialize(input: ByteReader): Date | null {
      const ms = input.readInt64();
      if (ms === NULL_LONG) return null;
      if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) {
        throw implausible(new SerializationError(`${name}: ${ms} ms since the epoch is outside the range of a JS Date: these bytes are not a date.`));
      }
      return new Date(Number(ms));
    },
    hashCode(v: Date | null): number {
      if (!(v instanceof Date)) throw badValue(name, "a Date as a key", v);
      return javaLongHash(BigInt(v.getTime()));
    },
    fromJson(json: unknown): Date | null {
      if (json === null) return null;
      if (typeof json === "number" && Number.isSafeInteger(json)) return new Date(json);
      return new Date(Number(jsonParsed(name, json, "an ISO-8601 instant such as 2023-11-14T22:13:20.123Z (or epoch milliseconds)", Instant.parse).toEpochMilli()));
    },
  };
}

/** Reads with `read`, an impossible field (a month 0, a year beyond Java's) being bytes of another serializer. */
function fields<T>(name: string, what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    throw implausible(new SerializationError(`${name}: ${e.message.replace(/\.$/, "")}: these bytes are not a ${what}.`));
  }
}

function temporalFromJson<T>(name: string, example: string, parse: (text: string) => T): (json: unknown) => T | null {
  return (json) => json === null ? null : jsonParsed(name, json, `ISO-8601 text such as ${example}`, parse);
}

/** Flink's `DateSerializer` (`java.util.Date`) ⇄ `Date | null`: int64 milliseconds, `Long.MIN_VALUE` for null. */
export const dateSerializer: TypeSerializer<Date | null> = millisDate("DateSerializer");
/** Flink's `SqlDateSerializer` (`java.sql.Date`) ⇄ `Date | null`, the same bytes as DateSerializer. */
export const sqlDateSerializer: TypeSerializer<Date | null> = millisDate("SqlDateSerializer");
/** Flink's `SqlTimeSerializer` (`java.sql.Time`) ⇄ `Date | null`, the same bytes as DateSerializer. */
export const sqlTimeSerializer: TypeSerializer<Date | null> = millisDate("SqlTimeSerializer");

function instantOf(name: string, v: unknown): Instant {
  if (v instanceof Instant) return v;
  if (v instanceof Date && !Number.isNaN(v.getTime())) return Instant.ofEpochMilli(BigInt(v.getTime()));
  throw badValue(name, "an Instant (or a Date) or null", v);
}

/**
 * Flink's `SqlTimestampSerializer` (`java.sql.Timestamp`) ⇄ {@link Instant} `| null` (nanosecond
 * precision): int64 `getTime()` milliseconds, then int32 `getNanos()` (the whole fraction of the second).
 * A null is `Long.MIN_VALUE` and a zero int, of which Flink (and so this) reads back only the long.
 */
export const sqlTimestampSerializer: TypeSerializer<Instant | null> = {
  name: "SqlTimestampSerializer",
  length: 12,
  serialize(v: Instant | null, out: ByteWriter): void {
    if (v === null || v === undefined) {
      out.writeInt64(NULL_LONG);
      return out.writeInt32(0);
    }
    const i = instantOf(this.name, v);
    out.writeInt64(i.toEpochMilli());
    out.writeInt32(i.nano);
  },
  deserialize(input: ByteReader): Instant | null {
    const ms = input.readInt64();
    // As Flink does: a null is 12 bytes written but only 8 read (the nanos int stays unread).
    if (ms === NULL_LONG) return null;
    const nanos = input.readInt32();
    const whole = Instant.ofEpochMilli(ms);
    if (nanos < 0 || nanos > 999_999_999) {
      throw implausible(new SerializationError(`SqlTimestampSerializer: nanos ${nanos} out of range: these bytes are not a Timestamp.`));
    }
    return new Instant(whole.epochSecond, nanos);
  },
  hashCode(v: Instant | null): number {
    return javaLongHash(instantOf("SqlTimestampSerializer", v).toEpochMilli());
  },
  fromJson: temporalFromJson("SqlTimestampSerializer", "2023-11-14T22:13:20.123456789Z", Instant.parse),
};

/** Flink's `InstantSerializer` ⇄ {@link Instant} `| null`: int64 seconds, int32 nanos (`Long.MIN_VALUE`, `Integer.MIN_VALUE` for null). */
export const instantSerializer: TypeSerializer<Instant | null> = {
  name: "InstantSerializer",
  length: 12,
  serialize(v: Instant | null, out: ByteWriter): void {
    if (v === null || v === undefined) {
      out.writeInt64(NULL_LONG);
      return out.writeInt32(NULL_INT);
    }
    const i = instantOf(this.name, v);
    out.writeInt64(i.epochSecond);
    out.writeInt32(i.nano);
  },
  deserialize(input: ByteReader): Instant | null {
    const s = input.readInt64();
    const n = input.readInt32();
    return s === NULL_LONG && n === NULL_INT ? null : fields("InstantSerializer", "Instant", () => new Instant(s, n));
  },
  hashCode: (v: Instant | null): number => instantOf("InstantSerializer", v).hashCode(),
  fromJson: temporalFromJson("InstantSerializer", "2023-11-14T22:13:20.123Z", Instant.parse),
};

function writeDate(v: LocalDate | null, out: ByteWriter): void {
  if (v === null) {
    out.writeInt32(NULL_INT);
    return out.writeInt16(-0x8000);
  }
  out.writeInt32(v.year);
  out.writeInt8(v.month);
  out.writeInt8(v.day);
}
function readDate(input: ByteReader): LocalDate | null {
  const y = input.readInt32();
  const m = input.readInt8();
  const d = input.readInt8();
  return y === NULL_INT && m === -128 && d === 0 ? null : fields("LocalDateSerializer", "LocalDate", () => new LocalDate(y, m, d));
}
function writeTime(v: LocalTime | null, out: ByteWriter): void {
  if (v === null) {
    out.writeInt8(-128);
    out.writeInt16(-0x8000);
    return out.writeInt32(NULL_INT);
  }
  out.writeInt8(v.hour);
  out.writeInt8(v.minute);
  out.writeInt8(v.second);
  out.writeInt32(v.nano);
}
function readTime(input: ByteReader): LocalTime | null {
  const h = input.readInt8();
  const m = input.readInt8();
  const s = input.readInt8();
  const n = input.readInt32();
  return h === -128 ? null : fields("LocalTimeSerializer", "LocalTime", () => new LocalTime(h, m, s, n));
}

function typed<T>(name: string, cls: new (...a: never[]) => T, v: unknown): T | null {
  if (v === null || v === undefined) return null;
  if (!(v instanceof cls)) throw badValue(name, `a ${cls.name} or null`, v);
  return v;
}

/** Flink's `LocalDateSerializer` ⇄ {@link LocalDate} `| null`: int32 year, byte month, byte day. */
export const localDateSerializer: TypeSerializer<LocalDate | null> = {
  name: "LocalDateSerializer",
  length: 6,
  serialize(v, out) {
    writeDate(typed(this.name, LocalDate, v), out);
  },
  deserialize: readDate,
  hashCode: (v) => typed("LocalDateSerializer", LocalDate, v)!.hashCode(),
  fromJson: temporalFromJson("LocalDateSerializer", "2024-02-29", LocalDate.parse),
};

/** Flink's `LocalTimeSerializer` ⇄ {@link LocalTime} `| null`: byte hour, minute, second, int32 nano. */
export const localTimeSerializer: TypeSerializer<LocalTime | null> = {
  name: "LocalTimeSerializer",
  length: 7,
  serialize(v, out) {
    writeTime(typed(this.name, LocalTime, v), out);
  },
  deserialize: readTime,
  hashCode: (v) => typed("LocalTimeSerializer", LocalTime, v)!.hashCode(),
  fromJson: temporalFromJson("LocalTimeSerializer", "13:45:30.5", LocalTime.parse),
};

/** Flink's `LocalDateTimeSerializer` ⇄ {@link LocalDateTime} `| null`: the date's bytes, then the time's. */
export const localDateTimeSerializer: TypeSerializer<LocalDateTime | null> = {
  name: "LocalDateTimeSerializer",
  length: 13,
  serialize(v, out) {
    const dt = typed(this.name, LocalDateTime, v);
    writeDate(dt?.date ?? null, out);
    writeTime(dt?.time ?? null, out);
  },
  deserialize(input) {
    const d = readDate(input);
    const t = readTime(input);
    return d === null || t === null ? null : new LocalDateTime(d, t);
  },
  hashCode: (v) => typed("LocalDateTimeSerializer", LocalDateTime, v)!.hashCode(),
  fromJson: temporalFromJson("LocalDateTimeSerializer", "2024-02-29T13:45", LocalDateTime.parse),
};
