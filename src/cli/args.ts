/**
 * Command-line parsing for qstate: each command declares its flags once, and that declaration
 * gives the parser, `--help`, did-you-mean suggestions and environment defaults.
 */
import type { ErrorCode } from "../core/error-codes.ts";
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
  /**
   * One argument without a flag (`qstate schema DIR`): its placeholder and help. It is parsed into the flags under
   * `name`, may be given as `--name VALUE` too, and is required.
   */
  readonly positional?: { readonly name: string; readonly value: string; readonly help: string };
  /** Command lines to copy, each with a `# comment` line above it, shown last in `--help`. */
  readonly examples?: readonly string[];
}

/**
 * A mistake on the command line (exit code 2); `command` names whose `--help` to point at. Its code is
 * `USAGE`, or the code of the library error that found the mistake (`TYPE_EXPRESSION` for a bad --key-type,
 * `INVALID_ARGUMENT` for a bad --job), so `--json` output keeps the specific code.
 */
export class UsageError extends QueryableStateError {
  readonly command: string | undefined;
  constructor(message: string, command?: string, options: { code?: ErrorCode; cause?: unknown } = {}) {
    super(options.code ?? "USAGE", message, { cause: options.cause });
    this.command = command;
  }
}

/**
 * Runs `parse` (the reading of a command's flag values) and turns a library error it throws into a
 * {@link UsageError} with the same code and message: every mistake in what was typed exits with 2.
 */
export function asUsage<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw usageErrorOf(command, e);
  }
}

/** `e` as a mistake in `command`'s flags: a library error becomes a {@link UsageError} keeping its code; anything else (a bug) is returned as is. */
export function usageErrorOf(command: string, e: unknown): unknown {
  if (e instanceof UsageError || !(e instanceof QueryableStateError)) return e;
  return new UsageError(e.message, command, { code: e.code, cause: e });
}

/** Parsed flags: strings for valued flags, `true` for switches. */
export type Flags = Readonly<Record<string, string | true>>;

/** Parses `args` against `spec`, filling defaults from `env` and then from the spec. */
export function parseArgs(spec: CommandSpec, args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Flags {
  const out: Record<string, string | true> = {};
  const byName = new Map(spec.flags.map((f) => [f.name, f]));
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) {
      const p = spec.positional;
      if (p !== undefined && out[p.name] === undefined) {
        out[p.name] = a;
        continue;
      }
      throw new UsageError(`unexpected argument '${a}' (flags look like --name VALUE).`, spec.name);
    }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq > 0 ? eq : undefined);
    const flag = byName.get(name) ??
      (spec.positional?.name === name ? { name, value: spec.positional.value, help: spec.positional.help } : undefined);
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
  if (spec.positional !== undefined && out[spec.positional.name] === undefined) {
    throw new UsageError(`${spec.positional.value} is required: qstate ${spec.name} ${spec.positional.value} [flags].`, spec.name);
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

/** `qstate NAME --help`: the summary, details, one aligned row per flag (and --help), then examples. */
export function helpFor(spec: CommandSpec): string {
  const rows = spec.flags.map((f) => {
    const left = `  --${f.name}${f.value ? ` ${f.value}` : ""}`;
    const extra = [f.required ? "required" : "", f.default !== undefined ? `default ${f.default}` : "", f.env ? `env ${f.env}` : ""]
      .filter(Boolean).join(", ");
    return [left, `${f.help}${extra ? ` (${extra})` : ""}`];
  });
  if (spec.positional) rows.unshift([`  ${spec.positional.value}`, `${spec.positional.help} (required)`]);
  rows.push(["  --help", "show this help"]);
  const width = Math.max(...rows.map(([l]) => l.length));
  const flags = rows.map(([l, r]) => `${l.padEnd(width)}  ${r}`).join("\n");
  const examples = spec.examples?.length ? `\nExamples:\n${spec.examples.map((e) => `  ${e.replaceAll("\n", "\n  ")}`).join("\n\n")}\n` : "";
  const usage = spec.positional ? `\nUsage: qstate ${spec.name} ${spec.positional.value} [flags]\n` : "";
  return `qstate ${spec.name}: ${spec.summary}\n${usage}${spec.details ? `\n${spec.details}\n` : ""}\nFlags:\n${flags}\n${examples}`;
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
