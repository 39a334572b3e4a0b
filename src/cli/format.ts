/** Turning query results into text and JSON for the CLI (conventions: src/types/json-value.ts). */
import { toJsonValue as lossless } from "../types/json-value.ts";

/**
 * A JSON form that loses nothing: 64-bit integers and decimals as exact strings, dates ISO-8601,
 * byte arrays hex (see the README's type table).
 */
export function toJsonValue(v: unknown): unknown {
  return lossless(v);
}

/** Human-readable text of a value. */
export function toText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "null";
  const j = lossless(v);
  return typeof j === "string" ? j : JSON.stringify(j);
}

/**
 * The library's advice names its options (`timeoutMs`); on the command line the same knob is a flag.
 * Each pair: the option's name in a message, the flag to say instead.
 */
const OPTION_FLAGS: readonly [RegExp, string][] = [
  [/\b(?:request|connect)?[tT]imeoutMs\b/g, "--timeout"],
];

/** `message` with library option names replaced by the qstate flags that set them. */
export function forCommandLine(message: string): string {
  return OPTION_FLAGS.reduce((m, [option, flag]) => m.replace(option, flag), message);
}
