// Java's Duration and Period: amounts of time.
import { InvalidArgumentError } from "../../core/errors.ts";
import { check, nanos, parsed } from "./text.ts";

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
