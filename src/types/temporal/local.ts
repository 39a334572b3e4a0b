// Java's LocalDate, LocalTime, LocalDateTime and Instant: dates and times without a zone.
import { InvalidArgumentError } from "../../core/errors.ts";
import { check, DATE, fraction, nanos, pad, parsed, TIME, year } from "./text.ts";

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
