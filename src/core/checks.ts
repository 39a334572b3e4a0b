/** Argument checks shared by every option that must be a positive number or count. */
import { InvalidArgumentError } from "./errors.ts";

/**
 * `v` if it is a finite number above 0, else an {@link InvalidArgumentError} naming the option.
 * Infinity is refused: a timer of Infinity milliseconds fires at once on every runtime.
 */
export function positiveNumber(name: string, v: number, unit = ""): number {
  if (typeof v === "number" && v > 0 && Number.isFinite(v)) return v;
  throw new InvalidArgumentError(`${name} must be a positive number${unit && ` of ${unit}`}, got ${v}.`);
}

/** `v` if it is an integer of at least 1, else an {@link InvalidArgumentError} naming the option. */
export function positiveInteger(name: string, v: number): number {
  if (Number.isInteger(v) && v >= 1) return v;
  throw new InvalidArgumentError(`${name} must be a positive integer, got ${v}.`);
}
