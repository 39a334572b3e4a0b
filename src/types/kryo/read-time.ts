// The java.time values (and java.sql.Timestamp) as Flink's Kryo reads them: Kryo 5's serializers, or Kryo 2.24's
// FieldSerializer over the classes' fields (Flink 1.x).
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
  zoneOffsetId,
} from "../temporal.ts";
import type { JdkKind } from "./jdk-classes.ts";
import type { KryoReader } from "./read.ts";
import { note, type SlotNote } from "./values.ts";

/** A java.time value (or a Timestamp) of `kind`, whose bytes start at `at`. */
export function readTime(r: KryoReader, kind: JdkKind, cls: string, at: number): unknown {
  const i = r.in;
  switch (kind) {
    case "timestamp": {
      const ms = i.varLong(true);
      const nanos = i.varInt(true);
      if (nanos < 0 || nanos > 999_999_999) throw r.corrupt(at, `a Timestamp with ${nanos} nanoseconds`);
      return r.noted(new Instant(Instant.ofEpochMilli(ms).epochSecond, nanos), cls);
    }
    case "localdate":
      return localDate(r, at);
    case "localtime":
      return localTime(r, at);
    case "localdatetime":
      if (r.gen2) return new LocalDateTime(localDate(r, at), localTime(r, at));
      return gen1LocalDateTime(r, at);
    case "instant": {
      if (r.gen2) {
        const s = i.varLong(true);
        return instant(r, s, i.varInt(true), at);
      }
      const nanos = i.varInt(false);
      return instant(r, i.varLong(false), nanos, at);
    }
    case "duration": {
      if (r.gen2) {
        const seconds = i.i64();
        return r.checked(() => new Duration(seconds, i.varInt(true)), at, "Duration");
      }
      const nano = i.varInt(false);
      const seconds = i.varLong(false);
      return r.checked(() => new Duration(seconds, nano), at, "Duration");
    }
    case "period": {
      // Kryo 5: years, months, days; Kryo 2.24's FieldSerializer: days, months, years (sorted by name).
      const a = i.varInt(r.gen2), b = i.varInt(r.gen2), c = i.varInt(r.gen2);
      return r.checked(() => (r.gen2 ? new Period(a, b, c) : new Period(c, b, a)), at, "Period");
    }
    case "zoneoffset": {
      if (r.gen2) return zoneOffset(r, at);
      const seconds = i.varInt(false);
      return r.checked(() => zoneOffsetId(seconds), at, "ZoneOffset");
    }
    case "zoneregion": {
      const id = r.gen2 ? i.string() : r.readObjectOrNull("java.lang.String", undefined);
      if (typeof id !== "string" || id === "") throw r.corrupt(at, "a zone id that is empty");
      const inner = r.gen2 ? undefined : r.lastRef;
      r.inner = inner;
      return id;
    }
    case "offsettime": {
      if (r.gen2) {
        const time = localTime(r, at);
        return r.checked(() => new OffsetTime(time, zoneOffset(r, at)), at, "OffsetTime");
      }
      const offset = gen1Offset(r, at);
      const offsetNote = r.slotNote(offset);
      const time = r.readObjectOrNull("java.time.LocalTime", undefined);
      if (!(time instanceof LocalTime)) throw r.corrupt(at, "an OffsetTime without its time");
      return withOffsetNote(new OffsetTime(time, offset), cls, offsetNote);
    }
    case "offsetdatetime": {
      const dateTime = readDateTime(r, at);
      if (r.gen2) return new OffsetDateTime(dateTime, zoneOffset(r, at));
      const offset = gen1Offset(r, at);
      return withOffsetNote(new OffsetDateTime(dateTime, offset), cls, r.slotNote(offset));
    }
    case "zoneddatetime": {
      const dateTime = readDateTime(r, at);
      if (r.gen2) {
        const zone = i.string();
        if (zone === null || zone === "") throw r.corrupt(at, "a ZonedDateTime without its zone");
        return r.checked(() => new ZonedDateTime(dateTime, zone), at, "ZonedDateTime");
      }
      const offset = gen1Offset(r, at);
      const offsetNote = r.slotNote(offset);
      const zone = r.readClassAndObject(undefined);
      if (typeof zone !== "string" || !["java.time.ZoneOffset", "java.time.ZoneRegion"].includes(r.lastClass)) {
        throw r.corrupt(at, "a ZonedDateTime without its zone");
      }
      const zn = r.slotNote(zone);
      const z = r.checked(() => new ZonedDateTime(dateTime, zone, offset), at, "ZonedDateTime");
      // How the offset and zone were written (new, or back-references to earlier objects) is kept for writing back.
      const notes = new Map<string, SlotNote>();
      if (offsetNote) notes.set("offset", offsetNote);
      if (zn) notes.set("zone", zn);
      note(z, cls, notes);
      return z;
    }
    case "year":
      return r.checked(() => new Year(i.varInt(r.gen2)), at, "Year");
    case "yearmonth": {
      if (r.gen2) {
        const y = i.varInt(true);
        const m = i.i8();
        return r.checked(() => new YearMonth(y, m), at, "YearMonth");
      }
      const m = i.varInt(false);
      const y = i.varInt(false);
      return r.checked(() => new YearMonth(y, m), at, "YearMonth");
    }
    case "monthday": {
      const a = r.gen2 ? i.i8() : i.varInt(false), b = r.gen2 ? i.i8() : i.varInt(false);
      return r.checked(() => (r.gen2 ? new MonthDay(a, b) : new MonthDay(b, a)), at, "MonthDay");
    }
  }
}

function localDate(r: KryoReader, at: number): LocalDate {
  const i = r.in;
  let y: number, m: number, d: number;
  if (r.gen2) {
    y = i.varInt(true);
    m = i.i8();
    d = i.i8();
  } else {
    d = i.i16();
    m = i.i16();
    y = i.varInt(false);
  }
  return r.checked(() => new LocalDate(y, m, d), at, "LocalDate");
}

function localTime(r: KryoReader, at: number): LocalTime {
  const i = r.in;
  let h: number, m = 0, s = 0, n = 0;
  if (r.gen2) {
    // Kryo 5 ends at the first part stored complemented (negative): the rest are zero.
    h = i.i8();
    if (h < 0) h = ~h;
    else {
      m = i.i8();
      if (m < 0) m = ~m;
      else {
        s = i.i8();
        if (s < 0) s = ~s;
        else n = i.varInt(true);
      }
    }
  } else {
    h = i.i8();
    m = i.i8();
    n = i.varInt(false);
    s = i.i8();
  }
  return r.checked(() => new LocalTime(h, m, s, n), at, "LocalTime");
}

/** Kryo 2.24 writes LocalDateTime with its FieldSerializer: fields `date` and `time`, each a final class. */
function gen1LocalDateTime(r: KryoReader, at: number): LocalDateTime {
  const date = r.readObjectOrNull("java.time.LocalDate", undefined);
  const time = r.readObjectOrNull("java.time.LocalTime", undefined);
  if (!(date instanceof LocalDate) || !(time instanceof LocalTime)) throw r.corrupt(at, "a LocalDateTime without date or time");
  return new LocalDateTime(date, time);
}

/** Keeps how a Kryo 2.24 java.time value's offset was written (new or a back-reference), for writing it back. */
function withOffsetNote<T extends object>(v: T, cls: string, offsetNote: SlotNote | undefined): T {
  note(v, cls, offsetNote ? new Map([["offset", offsetNote]]) : new Map());
  return v;
}

/** Kryo 5's ZoneOffset: a byte of 15-minute units, or 127 and the seconds as a fixed int. */
function zoneOffset(r: KryoReader, at: number): string {
  const b = r.in.i8();
  const seconds = b === 127 ? r.in.i32() : b * 900;
  return r.checked(() => zoneOffsetId(seconds), at, "ZoneOffset");
}

/** A ZoneOffset field of a java.time class as Kryo 2.24's FieldSerializer writes it (a final class: no class id). */
function gen1Offset(r: KryoReader, at: number): string {
  const o = r.readObjectOrNull("java.time.ZoneOffset", undefined);
  if (typeof o !== "string") throw r.corrupt(at, "a java.time value without its offset");
  return o;
}

/** The date-time of an OffsetDateTime/ZonedDateTime: inline in Kryo 5, a LocalDateTime field in Kryo 2.24. */
function readDateTime(r: KryoReader, at: number): LocalDateTime {
  if (r.gen2) return new LocalDateTime(localDate(r, at), localTime(r, at));
  const dt = r.readObjectOrNull("java.time.LocalDateTime", undefined);
  if (!(dt instanceof LocalDateTime)) throw r.corrupt(at, "a java.time value without its date-time");
  return dt;
}

function instant(r: KryoReader, seconds: bigint, nanos: number, at: number): Instant {
  return r.checked(() => new Instant(seconds, nanos), at, "Instant");
}
