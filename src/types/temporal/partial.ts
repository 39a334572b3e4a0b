// Java's Year, YearMonth and MonthDay: parts of a date.
import { check, pad, parsed } from "./text.ts";

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
