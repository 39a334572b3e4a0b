import { InvalidArgumentError } from "../core/errors.ts";

// java.time values as small immutable classes; toString() (and toJSON()) is Java's toString().

function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

function year(y: number): string {
  if (Math.abs(y) < 1000) return (y < 0 ? "-" : "") + pad(Math.abs(y), 4);
  return (y > 9999 ? "+" : "") + y;
}

function fraction(nano: number): string {
  if (nano === 0) return "";
  if (nano % 1_000_000 === 0) return `.${pad(nano / 1_000_000, 3)}`;
  if (nano % 1000 === 0) return `.${pad(nano / 1000, 6)}`;
  return `.${pad(nano, 9)}`;
}

const DATE = /^([+-]?\d{4,9})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

function parsed(what: string, text: unknown, m: RegExpExecArray | null, example: string): RegExpExecArray {
  if (typeof text !== "string" || m === null) {
    throw new InvalidArgumentError(`Cannot read ${JSON.stringify(text)} as a ${what}: expected ISO-8601 text such as ${example}.`);
  }
  return m;
}

function nanos(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(9, "0"));
}

function check(what: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(`${what} ${v} is outside [${min}, ${max}].`);
  }
  return v;
}

/**
 * Java `LocalDate`: a date without a time zone (what {@link localDateSerializer} reads and writes).
 *
 * @example
 * ```ts
 * import { LocalDate } from "queryable-state";
 *
 * const d = new LocalDate(2024, 2, 29);
 * console.log(String(d), LocalDate.ofEpochDay(0).toString()); // 2024-02-29 1970-01-01
 * ```
 */
export class LocalDate {
  /** The proleptic Gregorian year, -999999999 to 999999999 (0 is 1 BC). */
  readonly year: number;
  /** The month, 1 (January) to 12. */
  readonly month: number;
  /** The day of the month, 1 to 31. */
  readonly day: number;
  /**
   * A date from its fields. Only the ranges are checked (as Java's fields are), not that the day
   * exists in that month.
   *
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when a field is not an integer in its range
   */
  constructor(year: number, month: number, day: number) {
    this.year = check("year", year, -999999999, 999999999);
    this.month = check("month", month, 1, 12);
    this.day = check("day", day, 1, 31);
  }
  /** Parses Java's `LocalDate.toString()` form: `2024-02-29`, `-0005-12-31`, `+12345-01-01`. */
  static parse(text: string): LocalDate {
    const m = parsed("LocalDate", text, DATE.exec(text), "2024-02-29");
    return new LocalDate(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  /** Days since 1970-01-01 → date (proleptic Gregorian). */
  static ofEpochDay(days: number): LocalDate {
    const z = days + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    return new LocalDate(yoe + era * 400 + (m <= 2 ? 1 : 0), m, d);
  }
  /** Date → days since 1970-01-01 (proleptic Gregorian), the inverse of {@link LocalDate.ofEpochDay}. */
  toEpochDay(): number {
    const y = this.year - (this.month <= 2 ? 1 : 0);
    const era = Math.floor(y / 400);
    const yoe = y - era * 400;
    const doy = Math.floor((153 * (this.month + (this.month > 2 ? -3 : 9)) + 2) / 5) + this.day - 1;
    const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return era * 146097 + doe - 719468;
  }
  /** Java's toString: ISO-8601 `yyyy-MM-dd` (a `+` before years above 9999). */
  toString(): string {
    return `${year(this.year)}-${pad(this.month, 2)}-${pad(this.day, 2)}`;
  }
  /** The same text as {@link toString}, so `JSON.stringify` writes the date as Java prints it. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `LocalDate.hashCode()`. */
  hashCode(): number {
    const y = this.year;
    return ((y & 0xfffff800) ^ ((y << 11) + (this.month << 6) + this.day)) | 0;
  }
}

/** Java `LocalTime`: a time of day with nanoseconds. */
export class LocalTime {
  /** The hour of the day, 0 to 23. */
  readonly hour: number;
  /** The minute of the hour, 0 to 59. */
  readonly minute: number;
  /** The second of the minute, 0 to 59. */
  readonly second: number;
  /** The nanosecond of the second, 0 to 999999999. */
  readonly nano: number;
  /**
   * A time of day from its fields.
   *
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when a field is not an integer in its range
   */
  constructor(hour: number, minute: number, second = 0, nano = 0) {
    this.hour = check("hour", hour, 0, 23);
    this.minute = check("minute", minute, 0, 59);
    this.second = check("second", second, 0, 59);
    this.nano = check("nano", nano, 0, 999_999_999);
  }
  /** Parses Java's `LocalTime.toString()` form: `12:30`, `01:02:03`, `01:02:03.000004`. */
  static parse(text: string): LocalTime {
    const m = parsed("LocalTime", text, TIME.exec(text), "13:45 or 01:02:03.5");
    return new LocalTime(Number(m[1]), Number(m[2]), Number(m[3] ?? 0), nanos(m[4]));
  }
  /** Java's toString: `HH:mm`, then `:ss` and a fraction only when not zero. */
  toString(): string {
    let s = `${pad(this.hour, 2)}:${pad(this.minute, 2)}`;
    if (this.second > 0 || this.nano > 0) s += `:${pad(this.second, 2)}${fraction(this.nano)}`;
    return s;
  }
  /** The same text as {@link toString}, so `JSON.stringify` writes the time as Java prints it. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `LocalTime.hashCode()`: `Long.hashCode(toNanoOfDay())`. */
  hashCode(): number {
    const n = ((BigInt(this.hour) * 60n + BigInt(this.minute)) * 60n + BigInt(this.second)) * 1_000_000_000n + BigInt(this.nano);
    return Number(BigInt.asIntN(32, n ^ (n >> 32n)));
  }
}

/** Java `LocalDateTime`: a date and a time without a time zone. */
export class LocalDateTime {
  /** The date part. */
  readonly date: LocalDate;
  /** The time-of-day part. */
  readonly time: LocalTime;
  /**
   * A date-time from its two parts.
   *
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) unless `date` is a LocalDate and `time` a LocalTime
   */
  constructor(date: LocalDate, time: LocalTime) {
    if (!(date instanceof LocalDate) || !(time instanceof LocalTime)) {
      throw new InvalidArgumentError("LocalDateTime needs a LocalDate and a LocalTime.");
    }
    this.date = date;
    this.time = time;
  }
  /** Parses Java's `LocalDateTime.toString()` form: `2024-02-29T13:05`, `1999-12-31T23:59:59.000000001`. */
  static parse(text: string): LocalDateTime {
    const at = typeof text === "string" ? text.indexOf("T") : -1;
    if (at < 0) parsed("LocalDateTime", text, null, "2024-02-29T13:05");
    return new LocalDateTime(LocalDate.parse(text.slice(0, at)), LocalTime.parse(text.slice(at + 1)));
  }
  /** Java's toString: the date, `T`, then the time (`2024-02-29T13:05`). */
  toString(): string {
    return `${this.date}T${this.time}`;
  }
  /** The same text as {@link toString}, so `JSON.stringify` writes it as Java prints it. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `LocalDateTime.hashCode()`: the date's hash XOR the time's. */
  hashCode(): number {
    return this.date.hashCode() ^ this.time.hashCode();
  }
}

/** Java `Instant` (also used for `java.sql.Timestamp`): seconds since the epoch and nanoseconds. */
export class Instant {
  /** Seconds since 1970-01-01T00:00:00Z (negative before). */
  readonly epochSecond: bigint;
  /** Nanoseconds after `epochSecond`, 0 to 999999999. */
  readonly nano: number;
  /**
   * An instant from seconds since the epoch and a nanosecond adjustment.
   *
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `epochSecond` is not a bigint or `nano` is
   *   not an integer from 0 to 999999999
   */
  constructor(epochSecond: bigint, nano = 0) {
    if (typeof epochSecond !== "bigint") throw new InvalidArgumentError("Instant needs a bigint epochSecond.");
    this.epochSecond = epochSecond;
    this.nano = check("nano", nano, 0, 999_999_999);
  }
  /** The instant `ms` milliseconds after the epoch (before it when negative), as Java's `Instant.ofEpochMilli`. */
  static ofEpochMilli(ms: bigint): Instant {
    let s = ms / 1000n, r = ms % 1000n;
    if (r < 0n) {
      s -= 1n;
      r += 1000n;
    }
    return new Instant(s, Number(r) * 1_000_000);
  }
  /** Parses Java's `Instant.toString()` form (UTC, ending in `Z`): `1970-01-01T00:00:00Z`, `2023-11-14T22:13:20.123Z`. */
  static parse(text: string): Instant {
    const ok = typeof text === "string" && text.endsWith("Z") && text.includes("T");
    if (!ok) parsed("Instant", text, null, "2023-11-14T22:13:20.123Z");
    const dt = LocalDateTime.parse(text.slice(0, -1));
    const t = dt.time;
    const seconds = BigInt(dt.date.toEpochDay()) * 86400n + BigInt(t.hour * 3600 + t.minute * 60 + t.second);
    return new Instant(seconds, t.nano);
  }
  /** Milliseconds since the epoch, sub-millisecond nanoseconds dropped (Java's `toEpochMilli`). */
  toEpochMilli(): bigint {
    return this.epochSecond * 1000n + BigInt(Math.floor(this.nano / 1_000_000));
  }
  /** Java's toString (ISO-8601 in UTC, fraction in groups of 3 digits, none when zero). */
  toString(): string {
    let days = this.epochSecond / 86400n, secs = this.epochSecond % 86400n;
    if (secs < 0n) {
      days -= 1n;
      secs += 86400n;
    }
    const s = Number(secs);
    const t = `${pad(Math.floor(s / 3600), 2)}:${pad(Math.floor(s / 60) % 60, 2)}:${pad(s % 60, 2)}`;
    return `${LocalDate.ofEpochDay(Number(days))}T${t}${fraction(this.nano)}Z`;
  }
  /** The same text as {@link toString}, so `JSON.stringify` writes the instant as Java prints it. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `Instant.hashCode()`. */
  hashCode(): number {
    const s = this.epochSecond;
    return (Number(BigInt.asIntN(32, s ^ (s >> 32n))) + Math.imul(51, this.nano)) | 0;
  }
}

function int32(n: number): number {
  return n | 0;
}

/**
 * Java `Duration`: seconds (a Java long) and nanoseconds of a length of time.
 *
 * @example
 * ```ts
 * import { Duration } from "queryable-state";
 *
 * console.log(String(new Duration(90n, 5)), String(Duration.parse("PT-1.5S").seconds)); // PT1M30.000000005S -2
 * ```
 */
export class Duration {
  /** Whole seconds (negative for a negative duration), as Java's `getSeconds()`. */
  readonly seconds: bigint;
  /** Nanoseconds added to `seconds`, 0 to 999999999 (Java's `getNano()`). */
  readonly nano: number;
  /**
   * A duration of `seconds` plus `nano` nanoseconds.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `seconds` is not a 64-bit bigint or `nano` not in [0, 999999999]
   */
  constructor(seconds: bigint, nano = 0) {
    if (typeof seconds !== "bigint" || seconds < -(1n << 63n) || seconds >= 1n << 63n) {
      throw new InvalidArgumentError("Duration needs its seconds as a bigint within a Java long.");
    }
    this.seconds = seconds;
    this.nano = check("nano", nano, 0, 999_999_999);
  }
  /** Parses Java's `Duration.toString()` form (`PT1M30S`, `PT-1.5S`, `PT48H`), also with days (`P2DT3H`). */
  static parse(text: string): Duration {
    const m = /^([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?)(\d+)(?:[.,](\d{0,9}))?S)?)?$/i
      .exec(typeof text === "string" ? text : "");
    if (m === null || m[0].toUpperCase().endsWith("T") || m[0].length <= (m[1] ? 2 : 1)) {
      return parsed("Duration", text, null, "PT1M30S") as never;
    }
    const big = (s: string | undefined) => BigInt(s ?? "0");
    let n = big(m[2]) * 86400_000_000_000n + big(m[3]) * 3600_000_000_000n + big(m[4]) * 60_000_000_000n;
    const frac = BigInt(nanos(m[7]));
    const secs = big(m[6]) * 1_000_000_000n + frac;
    n += m[5] === "-" ? -secs : secs;
    if (m[1] === "-") n = -n;
    let s = n / 1_000_000_000n, r = n % 1_000_000_000n;
    if (r < 0n) {
      s -= 1n;
      r += 1_000_000_000n;
    }
    return new Duration(s, Number(r));
  }
  /** Java's toString: ISO-8601 with hours, minutes and seconds (`PT1M30.000000005S`, `PT-1.5S`, `PT0S`). */
  toString(): string {
    if (this.seconds === 0n && this.nano === 0) return "PT0S";
    let eff = this.seconds;
    if (eff < 0n && this.nano > 0) eff++;
    const hours = eff / 3600n, minutes = (eff % 3600n) / 60n, secs = eff % 60n;
    let s = "PT";
    if (hours !== 0n) s += `${hours}H`;
    if (minutes !== 0n) s += `${minutes}M`;
    if (secs === 0n && this.nano === 0 && s.length > 2) return s;
    s += this.seconds < 0n && this.nano > 0 && secs === 0n ? "-0" : String(secs);
    if (this.nano > 0) {
      const n = this.seconds < 0n ? 2_000_000_000 - this.nano : this.nano + 1_000_000_000;
      s += `.${String(n).slice(1).replace(/0+$/, "")}`;
    }
    return `${s}S`;
  }
  /** The same text as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `Duration.hashCode()`. */
  hashCode(): number {
    const x = this.seconds;
    return int32(Number(BigInt.asIntN(32, x ^ (x >> 32n))) + Math.imul(51, this.nano));
  }
}

/**
 * Java `Period`: years, months and days (each a Java int, any sign).
 *
 * @example
 * ```ts
 * import { Period } from "queryable-state";
 *
 * console.log(String(new Period(1, 2, 3)), Period.parse("P-1Y-40D").days); // P1Y2M3D -40
 * ```
 */
export class Period {
  /** The years. */
  readonly years: number;
  /** The months. */
  readonly months: number;
  /** The days. */
  readonly days: number;
  /**
   * A period from its three parts.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) unless each part is a 32-bit integer
   */
  constructor(years: number, months = 0, days = 0) {
    const max = 0x7fffffff;
    this.years = check("years", years, -max - 1, max);
    this.months = check("months", months, -max - 1, max);
    this.days = check("days", days, -max - 1, max);
  }
  /** Parses Java's `Period.toString()` form (`P1Y2M3D`, `P-1Y-40D`, `P0D`; also weeks, `P2W`). */
  static parse(text: string): Period {
    const m = /^([-+]?)P(?:([-+]?\d+)Y)?(?:([-+]?\d+)M)?(?:([-+]?\d+)W)?(?:([-+]?\d+)D)?$/i.exec(typeof text === "string" ? text : "");
    if (m === null || m[0].length <= (m[1] ? 2 : 1)) return parsed("Period", text, null, "P1Y2M3D") as never;
    const sign = m[1] === "-" ? -1 : 1, n = (s: string | undefined) => Number(s ?? 0) * sign || 0;
    return new Period(n(m[2]), n(m[3]), n(m[4]) * 7 + n(m[5]) || 0);
  }
  /** Java's toString: `P1Y2M3D` (parts that are zero left out; `P0D` for zero). */
  toString(): string {
    if (this.years === 0 && this.months === 0 && this.days === 0) return "P0D";
    return `P${this.years ? `${this.years}Y` : ""}${this.months ? `${this.months}M` : ""}${this.days ? `${this.days}D` : ""}`;
  }
  /** The same text as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `Period.hashCode()`. */
  hashCode(): number {
    const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));
    return int32(this.years + rotl(this.months, 8) + rotl(this.days, 16));
  }
}

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

/** Java `Year`: a proleptic year. JSON and toString are Java's (`"2024"`). */
export class Year {
  /** The year, -999999999 to 999999999. */
  readonly value: number;
  /**
   * A year.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) outside [-999999999, 999999999]
   */
  constructor(value: number) {
    this.value = check("year", value, -999999999, 999999999);
  }
  /** Parses a year (`2024`, `-5`). */
  static parse(text: string): Year {
    const m = parsed("Year", text, /^[+-]?\d{1,9}$/.exec(typeof text === "string" ? text : ""), "2024");
    return new Year(Number(m[0]));
  }
  /** Java's toString: the number. */
  toString(): string {
    return String(this.value);
  }
  /** The same text as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `Year.hashCode()`. */
  hashCode(): number {
    return this.value;
  }
}

/** Java `YearMonth`: a year and a month (`2024-02`). */
export class YearMonth {
  /** The year, -999999999 to 999999999. */
  readonly year: number;
  /** The month, 1 to 12. */
  readonly month: number;
  /**
   * A year and month.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when a part is out of range
   */
  constructor(year: number, month: number) {
    this.year = check("year", year, -999999999, 999999999);
    this.month = check("month", month, 1, 12);
  }
  /** Parses Java's `YearMonth.toString()` form: `2024-02`, `-0005-12`. */
  static parse(text: string): YearMonth {
    const m = parsed("YearMonth", text, /^([+-]?\d{4,9})-(\d{2})$/.exec(typeof text === "string" ? text : ""), "2024-02");
    return new YearMonth(Number(m[1]), Number(m[2]));
  }
  /** Java's toString: `yyyy-MM` (at least four year digits; no `+` for long years). */
  toString(): string {
    const a = Math.abs(this.year);
    const y = a < 1000 ? `${this.year < 0 ? "-" : ""}${pad(a, 4)}` : String(this.year);
    return `${y}-${pad(this.month, 2)}`;
  }
  /** The same text as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `YearMonth.hashCode()`. */
  hashCode(): number {
    return this.year ^ (this.month << 27);
  }
}

/** Java `MonthDay`: a month and a day of it (`--02-29`). */
export class MonthDay {
  /** The month, 1 to 12. */
  readonly month: number;
  /** The day of the month, 1 to 31. */
  readonly day: number;
  /**
   * A month and day.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when a part is out of range
   */
  constructor(month: number, day: number) {
    this.month = check("month", month, 1, 12);
    this.day = check("day", day, 1, 31);
  }
  /** Parses Java's `MonthDay.toString()` form: `--02-29`. */
  static parse(text: string): MonthDay {
    const m = parsed("MonthDay", text, /^--(\d{2})-(\d{2})$/.exec(typeof text === "string" ? text : ""), "--02-29");
    return new MonthDay(Number(m[1]), Number(m[2]));
  }
  /** Java's toString: `--MM-dd`. */
  toString(): string {
    return `--${pad(this.month, 2)}-${pad(this.day, 2)}`;
  }
  /** The same text as {@link toString}. */
  toJSON(): string {
    return this.toString();
  }
  /** Java's `MonthDay.hashCode()`. */
  hashCode(): number {
    return (this.month << 6) + this.day;
  }
}
