/**
 * Command-line parsing for qstate: each command declares its flags once, and that declaration
 * gives the parser, `--help`, did-you-mean suggestions and environment defaults.
 */
import { QueryableStateError } from "../core/errors.ts";

/** One `--flag` of a command. */
export interface FlagSpec {
  readonly name: string;
  /** Placeholder of its value in help (e.g. `HOST:PORT`); absent for a switch such as `--json`. */
  readonly value?: string;
  readonly help: string;
  /** Shown in help and used when the flag is absent. */
  readonly default?: string;
  /** An environment variable that supplies the default, e.g. `QSTATE_PROXY`. */
  readonly env?: string;
  readonly required?: boolean;
}

/** A command: its flags and the help text around them. */
export interface CommandSpec {
  readonly name: string;
  /** One line for `qstate --help`. */
  readonly summary: string;
  /** More lines for `qstate NAME --help`. */
  readonly details?: string;
  readonly flags: readonly FlagSpec[];
}

/** A mistake on the command line (exit code 2); `command` names whose `--help` to point at. */
export class UsageError extends QueryableStateError {
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super("USAGE", message);
    this.command = command;
  }
}

/** Parsed flags: strings for valued flags, `true` for switches. */
export type Flags = Readonly<Record<string, string | true>>;

/** Parses `args` against `spec`, filling defaults from `env` and then from the spec. */
export function parseArgs(spec: CommandSpec, args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Flags {
  const out: Record<string, string | true> = {};
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument '${a}' (flags look like --name VALUE).`, spec.name);
    const eq = a.indexOf("=");
    const name = a.slice(2, eq > 0 ? eq : undefined);
    const flag = byName.get(name);
    if (flag === undefined) {
      const guess = suggest(name, [...byName.keys(), "help"]);
      throw new UsageError(`unknown flag --${name}${guess ? ` (did you mean --${guess}?)` : ""}.`, spec.name);
    }
    if (flag.value === undefined) {
      if (eq > 0) throw new UsageError(`--${name} takes no value.`, spec.name);
      out[name] = true;
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : args[i + 1];
    // A value may start with "-" when it is a number (--key -5), never with "--".
    if (value === undefined || (eq < 0 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value (${flag.value}).`, spec.name);
    if (eq < 0) i++;
    out[name] = value;
  }
  for (const f of spec.flags) {
    if (out[f.name] !== undefined) continue;
    const fromEnv = f.env === undefined ? undefined : env[f.env];
    if (fromEnv !== undefined && fromEnv !== "") out[f.name] = fromEnv;
    else if (f.default !== undefined) out[f.name] = f.default;
    else if (f.required) {
      throw new UsageError(`--${f.name} is required${f.env ? ` (or set ${f.env})` : ""}.`, spec.name);
    }
  }
  return out;
}

/** `qstate NAME --help`. */
export function helpFor(spec: CommandSpec): string {
  const rows = spec.flags.map((f) => {
    const left = `  --${f.name}${f.value ? ` ${f.value}` : ""}`;
    const extra = [f.required ? "required" : "", f.default !== undefined ? `default ${f.default}` : "", f.env ? `env ${f.env}` : ""]
      .filter(Boolean).join(", ");
    return [left, `${f.help}${extra ? ` (${extra})` : ""}`];
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  const flags = rows.map(([l, r]) => `${l.padEnd(width)}  ${r}`).join("\n");
  return `qstate ${spec.name}: ${spec.summary}\n${spec.details ? `\n${spec.details}\n` : ""}\nFlags:\n${flags}\n  --help${" ".repeat(Math.max(1, width - 5))} show this help\n`;
}

/** The candidate closest to `word` (at most two edits, or a prefix), for "did you mean". */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 3 ? 1 : distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** A positive integer flag. */
export function positiveInt(flags: Flags, name: string, command: string): number {
  const v = flags[name];
  if (typeof v !== "string" || !/^\d+$/.test(v) || Number(v) < 1) {
    throw new UsageError(`--${name} must be a positive integer, got '${String(v)}'.`, command);
  }
  return Number(v);
}

/** An optional string flag. */
export function optionalString(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}
