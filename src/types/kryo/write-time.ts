// The java.time values (and java.sql.Timestamp) as Flink's Kryo writes them: Kryo 5's serializers, or Kryo 2.24's
// FieldSerializer over the classes' fields (Flink 1.x). The mirror of read-time.ts.
import {
  type Duration,
  Instant,
  type LocalDate,
  type LocalDateTime,
  type LocalTime,
  type MonthDay,
  type OffsetDateTime,
  type OffsetTime,
  type Period,
  type Year,
  type YearMonth,
  type ZonedDateTime,
  zoneOffsetSeconds,
} from "../temporal.ts";
import type { JdkKind } from "./jdk-classes.ts";
import { notedSlots } from "./values.ts";
import { type KryoWriter, slotOf } from "./write.ts";

/** A java.time value (or a Timestamp) of `kind`. */
export function writeTime(w: KryoWriter, kind: JdkKind, cls: string, v: unknown): void {
  const o = w.out;
  switch (kind) {
    case "timestamp": {
      const i = v instanceof Date ? Instant.ofEpochMilli(BigInt(v.getTime())) : v as Instant;
      o.varLong(w.gen2 ? i.epochSecond * 1000n : i.toEpochMilli(), true);
      return o.varInt(i.nano, true);
    }
    case "localdate":
      return writeLocalDate(w, v as LocalDate);
    case "localtime":
      return writeLocalTime(w, v as LocalTime);
    case "localdatetime": {
      const dt = v as LocalDateTime;
      if (w.gen2) {
        writeLocalDate(w, dt.date);
        return writeLocalTime(w, dt.time);
      }
      w.writeObjectOrNull("java.time.LocalDate", dt.date, undefined, undefined);
      return w.writeObjectOrNull("java.time.LocalTime", dt.time, undefined, undefined);
    }
    case "instant": {
      const i = v as Instant;
      if (w.gen2) {
        o.varLong(i.epochSecond, true);
        return o.varInt(i.nano, true);
      }
      o.varInt(i.nano, false);
      return o.varLong(i.epochSecond, false);
    }
    case "duration": {
      const d = v as Duration;
      if (w.gen2) {
        o.i64(d.seconds);
        return o.varInt(d.nano, true);
      }
      o.varInt(d.nano, false);
      return o.varLong(d.seconds, false);
    }
    case "period": {
      const p = v as Period;
      const parts = w.gen2 ? [p.years, p.months, p.days] : [p.days, p.months, p.years];
      for (const x of parts) o.varInt(x, w.gen2);
      return;
    }
    case "zoneoffset":
      return writeZoneOffset(w, zoneOffsetSeconds(v as string)!);
    case "zoneregion": {
      if (w.gen2) return o.string(v as string);
      const inner = w.note?.cls === cls ? w.note.inner : undefined;
      return w.writeObjectOrNull("java.lang.String", v, undefined, inner === undefined ? undefined : { cls: "java.lang.String", ref: inner });
    }
    case "offsettime": {
      const t = v as OffsetTime;
      if (w.gen2) {
        writeLocalTime(w, t.time);
        return writeZoneOffset(w, zoneOffsetSeconds(t.offset)!);
      }
      w.writeObjectOrNull("java.time.ZoneOffset", t.offset, undefined, slotOf(notedSlots(t), "offset"));
      return w.writeObjectOrNull("java.time.LocalTime", t.time, undefined, undefined);
    }
    case "offsetdatetime": {
      const t = v as OffsetDateTime;
      writeDateTime(w, t.dateTime);
      if (w.gen2) return writeZoneOffset(w, zoneOffsetSeconds(t.offset)!);
      return w.writeObjectOrNull("java.time.ZoneOffset", t.offset, undefined, slotOf(notedSlots(t), "offset"));
    }
    case "zoneddatetime": {
      const z = v as ZonedDateTime;
      writeDateTime(w, z.dateTime);
      if (w.gen2) return o.string(z.zone);
      // Kryo 2.24's FieldSerializer: dateTime, offset, zone (with its class); a zone that is the offset is that object.
      const outer = w.zoneIsOffset;
      const seconds = zoneOffsetSeconds(z.offset)!;
      const same = z.zone === z.offset && seconds % 900 !== 0;
      if (same) w.zoneIsOffset = seconds;
      try {
        w.writeObjectOrNull("java.time.ZoneOffset", z.offset, undefined, slotOf(notedSlots(z), "offset"));
        const zoneNote = slotOf(notedSlots(z), "zone");
        return w.writeClassAndObject(z.zone, undefined, zoneNote, { kind: "class", name: "java.time.ZoneId", args: [] });
      } finally {
        if (same) w.shared.delete(`offset ${seconds}`);
        w.zoneIsOffset = outer;
      }
    }
    case "year":
      return o.varInt((v as Year).value, w.gen2);
    case "yearmonth": {
      const ym = v as YearMonth;
      if (w.gen2) {
        o.varInt(ym.year, true);
        return o.u8(ym.month);
      }
      o.varInt(ym.month, false);
      return o.varInt(ym.year, false);
    }
    case "monthday": {
      const md = v as MonthDay;
      if (w.gen2) {
        o.u8(md.month);
        return o.u8(md.day);
      }
      o.varInt(md.day, false);
      return o.varInt(md.month, false);
    }
  }
}

/** Kryo 5's ZoneOffset (a byte of quarter hours, or 127 and the seconds); Kryo 2.24's FieldSerializer: totalSeconds. */
function writeZoneOffset(w: KryoWriter, seconds: number): void {
  if (!w.gen2) return w.out.varInt(seconds, false);
  if (seconds % 900 === 0) return w.out.u8(seconds / 900);
  w.out.u8(127);
  w.out.i32(seconds);
}

/** The date-time of an OffsetDateTime/ZonedDateTime: inline in Kryo 5, a LocalDateTime field in Kryo 2.24. */
function writeDateTime(w: KryoWriter, dt: LocalDateTime): void {
  if (!w.gen2) return w.writeObjectOrNull("java.time.LocalDateTime", dt, undefined, undefined);
  writeLocalDate(w, dt.date);
  writeLocalTime(w, dt.time);
}

function writeLocalDate(w: KryoWriter, d: LocalDate): void {
  const o = w.out;
  if (w.gen2) {
    o.varInt(d.year, true);
    o.u8(d.month);
    return o.u8(d.day);
  }
  o.i16(d.day);
  o.i16(d.month);
  o.varInt(d.year, false);
}

function writeLocalTime(w: KryoWriter, t: LocalTime): void {
  const o = w.out;
  if (!w.gen2) {
    o.u8(t.hour);
    o.u8(t.minute);
    o.varInt(t.nano, false);
    return o.u8(t.second);
  }
  if (t.nano === 0 && t.second === 0 && t.minute === 0) return o.u8(~t.hour);
  o.u8(t.hour);
  if (t.nano === 0 && t.second === 0) return o.u8(~t.minute);
  o.u8(t.minute);
  if (t.nano === 0) return o.u8(~t.second);
  o.u8(t.second);
  o.varInt(t.nano, true);
}
