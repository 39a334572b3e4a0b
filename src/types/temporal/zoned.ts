// Zone offsets and the java.time values that carry one: ZonedDateTime, OffsetDateTime, OffsetTime.
import { InvalidArgumentError } from "../../core/errors.ts";
import { LocalDate, LocalDateTime, LocalTime } from "./local.ts";
import { check, pad, parsed } from "./text.ts";

const OFFSET = /^(?:Z|([+-])(\d{2})(?::?(\d{2})(?::?(\d{2}))?)?)$/;

/**
 * The seconds east of UTC of a zone offset id in Java's form (`Z`, `+01:00`, `-05:30`, `+01:01:01`; also `+01`,
 * `+0100`), or undefined when `id` is no offset (a region such as `Europe/Paris`).
 */
export function zoneOffsetSeconds(id: string): number | undefined {
  const m = typeof id === "string" ? OFFSET.exec(id) : null;
  if (m === null) return undefined;
  if (m[1] === undefined) return 0;
  const h = Number(m[2]), min = Number(m[3] ?? 0), s = Number(m[4] ?? 0);
  if (h > 18 || min > 59 || s > 59 || (h === 18 && (min > 0 || s > 0))) return undefined;
  return (m[1] === "-" ? -1 : 1) * (h * 3600 + min * 60 + s);
}

/** Java's id of the zone offset of `seconds` east of UTC: `Z`, `+01:00`, `-01:01:01`. */
export function zoneOffsetId(seconds: number): string {
  check("zone offset seconds", seconds, -64800, 64800);
  if (seconds === 0) return "Z";
  const a = Math.abs(seconds);
  const hms = `${pad(Math.floor(a / 3600), 2)}:${pad(Math.floor(a / 60) % 60, 2)}${a % 60 ? `:${pad(a % 60, 2)}` : ""}`;
  return `${seconds < 0 ? "-" : "+"}${hms}`;
}

function offsetOf(what: string, id: string): string {
  const s = zoneOffsetSeconds(id);
  if (s === undefined) throw new InvalidArgumentError(`${what} needs a zone offset such as Z, +01:00 or -05:30, got ${JSON.stringify(id)}.`);
  return zoneOffsetId(s);
}

function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The offset (seconds east of UTC) that zone `zone` has at `epochMs`, from the runtime's time-zone data (Intl). */
function regionOffsetAt(zone: string, epochMs: number): number {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
    hour: "numeric", minute: "numeric", second: "numeric", era: "short",
  });
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(new Date(epochMs))) p[x.type] = x.value;
  const y = p.era === "BC" || p.era === "B" ? 1 - Number(p.year) : Number(p.year);
  const local = new LocalDate(y, Number(p.month), Number(p.day)).toEpochDay() * 86_400_000 +
    (Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second)) * 1000;
  return Math.round((local - Math.floor(epochMs / 1000) * 1000) / 1000);
}

/**
 * The offset Java's `ZonedDateTime.of(dateTime, zone)` picks for a local date-time in a region: the only valid
 * one, or in an overlap the earlier (larger) one. Uses the runtime's time-zone data (Intl), so it can differ from
 * Java's for zones whose rules changed between the two databases.
 */
function offsetInRegion(dateTime: LocalDateTime, zone: string): number {
  const t = dateTime.time;
  const local = dateTime.date.toEpochDay() * 86_400_000 + (t.hour * 3600 + t.minute * 60 + t.second) * 1000;
  try {
    const tried = [regionOffsetAt(zone, local), regionOffsetAt(zone, local - 86_400_000), regionOffsetAt(zone, local + 86_400_000)];
    const valid = [...new Set(tried)].filter((o) => regionOffsetAt(zone, local - o * 1000) === o);
    return valid.length ? Math.max(...valid) : tried[0];
  } catch {
    throw new InvalidArgumentError(
      `The offset of ${dateTime} in ${JSON.stringify(zone)} is unknown: the zone is not one this runtime knows (Intl), ` +
        "or the date is beyond JS dates; give the offset too.",
    );
  }
}

/**
 * Java `ZonedDateTime`: a local date-time, its offset from UTC and its zone (a region id such as `Europe/Paris`,
 * or an offset id when the zone is a fixed offset). Zone ids and offsets are strings in Java's form.
 *
 * @example
 * ```ts
 * import { LocalDateTime, ZonedDateTime } from "queryable-state";
 *
 * const z = new ZonedDateTime(LocalDateTime.parse("2024-02-29T13:45"), "Europe/Paris");
 * console.log(String(z)); // 2024-02-29T13:45+01:00[Europe/Paris]
 * ```
 */
export class ZonedDateTime {
  /** The local date-time. */
  readonly dateTime: LocalDateTime;
  /** The offset from UTC (`Z`, `+01:00`). */
  readonly offset: string;
  /** The zone: a region id (`Europe/Paris`, `UTC`) or, for a fixed offset, the offset's id. */
  readonly zone: string;
  /**
   * A zoned date-time. Without `offset`, it is the offset Java's `ZonedDateTime.of` picks (for a region, from
   * the runtime's time-zone data; in an overlap the earlier one).
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for a bad date-time, zone or offset
   */
  constructor(dateTime: LocalDateTime, zone: string, offset?: string) {
    if (!(dateTime instanceof LocalDateTime)) throw new InvalidArgumentError("ZonedDateTime needs a LocalDateTime.");
    if (typeof zone !== "string" || zone === "") throw new InvalidArgumentError("ZonedDateTime needs a zone id such as Europe/Paris or +01:00.");
    const fixed = zoneOffsetSeconds(zone);
    this.dateTime = dateTime;
    this.zone = fixed === undefined ? zone : zoneOffsetId(fixed);
    this.offset = offset !== undefined
      ? offsetOf("ZonedDateTime", offset)
      : zoneOffsetId(fixed ?? offsetInRegion(dateTime, zone));
  }
  /** Parses Java's `ZonedDateTime.toString()` form: `2024-02-29T13:45+01:00[Europe/Paris]`, `2024-02-29T13:45Z`. */
  static parse(text: string): ZonedDateTime {
    const m = typeof text === "string" ? /^(.*T.*?)(Z|[+-]\d{2}:\d{2}(?::\d{2})?)(?:\[([^\]]+)\])?$/.exec(text) : null;
    if (m === null) return parsed("ZonedDateTime", text, null, "2024-02-29T13:45+01:00[Europe/Paris]") as never;
    return new ZonedDateTime(LocalDateTime.parse(m[1]), m[3] ?? m[2], m[2]);
  }
  /** Java's toString: date-time, offset, and `[zone]` unless the zone is that offset. */
  toString(): string {
    return `${this.dateTime}${this.offset}${this.zone === this.offset ? "" : `[${this.zone}]`}`;
  }
  /** The same text as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `ZonedDateTime.hashCode()`. */
  hashCode(): number {
    const z = zoneOffsetSeconds(this.zone) ?? javaStringHash(this.zone);
    return this.dateTime.hashCode() ^ zoneOffsetSeconds(this.offset)! ^ ((z << 3) | (z >>> 29));
  }
}

/** Java `OffsetDateTime`: a local date-time and its offset from UTC (`Z`, `+05:30`). */
export class OffsetDateTime {
  /** The local date-time. */
  readonly dateTime: LocalDateTime;
  /** The offset from UTC, in Java's form (`Z`, `+05:30`, `-01:01:01`). */
  readonly offset: string;
  /**
   * An offset date-time.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for a bad date-time or offset
   */
  constructor(dateTime: LocalDateTime, offset: string) {
    if (!(dateTime instanceof LocalDateTime)) throw new InvalidArgumentError("OffsetDateTime needs a LocalDateTime.");
    this.dateTime = dateTime;
    this.offset = offsetOf("OffsetDateTime", offset);
  }
  /** Parses Java's `OffsetDateTime.toString()` form: `2024-02-29T13:45:30.500+05:30`. */
  static parse(text: string): OffsetDateTime {
    const m = typeof text === "string" ? /^(.*T.*?)(Z|[+-]\d{2}:\d{2}(?::\d{2})?)$/.exec(text) : null;
    if (m === null) return parsed("OffsetDateTime", text, null, "2024-02-29T13:45+05:30") as never;
    return new OffsetDateTime(LocalDateTime.parse(m[1]), m[2]);
  }
  /** Java's toString: the date-time, then the offset. */
  toString(): string {
    return `${this.dateTime}${this.offset}`;
  }
  /** The same text as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `OffsetDateTime.hashCode()`. */
  hashCode(): number {
    return this.dateTime.hashCode() ^ zoneOffsetSeconds(this.offset)!;
  }
}

/** Java `OffsetTime`: a time of day and its offset from UTC. */
export class OffsetTime {
  /** The time of day. */
  readonly time: LocalTime;
  /** The offset from UTC, in Java's form (`Z`, `-08:00`). */
  readonly offset: string;
  /**
   * An offset time.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for a bad time or offset
   */
  constructor(time: LocalTime, offset: string) {
    if (!(time instanceof LocalTime)) throw new InvalidArgumentError("OffsetTime needs a LocalTime.");
    this.time = time;
    this.offset = offsetOf("OffsetTime", offset);
  }
  /** Parses Java's `OffsetTime.toString()` form: `13:45-08:00`. */
  static parse(text: string): OffsetTime {
    const m = typeof text === "string" ? /^(.*?)(Z|[+-]\d{2}:\d{2}(?::\d{2})?)$/.exec(text) : null;
    if (m === null) return parsed("OffsetTime", text, null, "13:45-08:00") as never;
    return new OffsetTime(LocalTime.parse(m[1]), m[2]);
  }
  /** Java's toString: the time, then the offset. */
  toString(): string {
    return `${this.time}${this.offset}`;
  }
  /** The same text as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `OffsetTime.hashCode()`. */
  hashCode(): number {
    return this.time.hashCode() ^ zoneOffsetSeconds(this.offset)!;
  }
}
