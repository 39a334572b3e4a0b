/** Avro's logical types (decimal, date, time-*, timestamp-*, local-timestamp-*) as the main entry's values. */
import avsc from "avsc";
import { bigIntFromJavaBytes, bigIntToJavaBytes, Decimal, Instant, LocalDate, LocalDateTime, LocalTime } from "./core.ts";
import { type AvscType, type Codec, wrong } from "./encoding.ts";
import { AvroDecodeError } from "./errors.ts";

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

/** A logical type on its underlying type, with a decimal's precision and scale. */
export interface LogicalInfo {
  logical: string;
  underlying: AvscType;
  precision: number;
  scale: number;
}

/** avsc logical-type classes that keep our logical types on the parsed type (see above). */
export function logicalTypeClasses(): Record<string, new (schema: avsc.Schema, opts?: unknown) => avsc.types.LogicalType> {
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

/** The codec of a logical type over its underlying codec: Decimal, LocalDate, LocalTime, Instant, LocalDateTime. */
export function logicalCodec(info: LogicalInfo, under: Codec): Codec {
  const { logical } = info;
  const min = under.min;
  if (logical === "decimal") {
    const fixed = info.underlying.typeName === "fixed" ? (info.underlying as avsc.types.FixedType).size : -1;
    return {
      min,
      read: (r, p) => new Decimal(bigIntFromJavaBytes(under.read(r, p) as Uint8Array), info.scale),
      write: (v, w, p) => {
        if (!(v instanceof Decimal) || v.scale !== info.scale) throw wrong(p, `a Decimal of scale ${info.scale}`, v);
        let b = bigIntToJavaBytes(v.unscaled);
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
        under.write(v.toEpochDay(), w, p);
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
        n = BigInt(v.date.toEpochDay()) * 86_400_000_000_000n + nanosOfLocalTime(v.time);
      } else throw wrong(p, local ? "a LocalDateTime" : "an Instant", v);
      const [q, rest] = floorDiv(n, unit);
      if (rest !== 0n) throw wrong(p, `a time in whole ${logical.slice(logical.lastIndexOf("-") + 1)}`, v);
      under.write(q, w, p);
    },
  };
}
