// The ISO-8601 text helpers the java.time classes share: zero padding, Java's year and fraction forms, parsing
// errors and range checks.
import { InvalidArgumentError } from "../../core/errors.ts";

export function pad(n: number, w: number): string {
  return String(n).padStart(w, "0");
}

export function year(y: number): string {
  if (Math.abs(y) < 1000) return (y < 0 ? "-" : "") + pad(Math.abs(y), 4);
  return (y > 9999 ? "+" : "") + y;
}

export function fraction(nano: number): string {
  if (nano === 0) return "";
  if (nano % 1_000_000 === 0) return `.${pad(nano / 1_000_000, 3)}`;
  if (nano % 1000 === 0) return `.${pad(nano / 1000, 6)}`;
  return `.${pad(nano, 9)}`;
}

export const DATE = /^([+-]?\d{4,9})-(\d{2})-(\d{2})$/;
export const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

export function parsed(what: string, text: unknown, m: RegExpExecArray | null, example: string): RegExpExecArray {
  if (typeof text !== "string" || m === null) {
    throw new InvalidArgumentError(`Cannot read ${JSON.stringify(text)} as a ${what}: expected ISO-8601 text such as ${example}.`);
  }
  return m;
}

export function nanos(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(9, "0"));
}

export function check(what: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(`${what} ${v} is outside [${min}, ${max}].`);
  }
  return v;
}
