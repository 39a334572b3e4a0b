/**
 * `qstate get --keys K1,K2,…` (or `--keys-file FILE`): many keys of one state in one `getKvStates` call (the
 * batch-get extension through a proxy of ours, single queries through Flink's), printed one line per key in order.
 */
import { readFile } from "node:fs/promises";
import process from "node:process";
import { queryCatalogStates } from "../catalog/state-types.ts";
import type { QueryableStateError } from "../core/errors.ts";
import type { Freshness } from "../protocol/extensions.ts";
import { listState, mapState, valueState } from "../state/descriptors.ts";
import { asUsage, UsageError } from "./args.ts";
import { forCommandLine, toJsonValue, toText } from "./format.ts";
import { asUsageAsync, type GetOptions, prepare, withKindHint } from "./get.ts";
import { type CatalogGetOptions, namespaceHint, prepareCatalogGet } from "./get-catalog.ts";
import { openQueryClient } from "./query-client.ts";
import { parseValue, typeOptionsFor } from "./types.ts";

/** One key's outcome: its text as given, its value or error, and how fresh (with our proxy and state servers). */
export interface KeyOutcome {
  readonly key: string;
  readonly value?: unknown;
  readonly error?: QueryableStateError;
  readonly freshness?: Freshness;
}

/** `--max-staleness MS`, `--min-version V`, `--wait MS`. */
export interface FreshnessFlags {
  maxStalenessMs?: number;
  minVersion?: bigint;
  waitMs?: number;
}

/**
 * The keys of `--keys` (a JSON array, or text split at commas) or of `--keys-file` (one key per line, blank lines
 * skipped). A key with a comma needs the JSON form: `--keys '["a,b","c"]'`.
 */
export function parseKeyList(text: string, fromFile: boolean, command = "get"): string[] {
  const trimmed = text.trim();
  let keys: string[];
  if (!fromFile && trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (e) {
      throw new UsageError(`--keys starts with '[' but is not a JSON array: ${(e as Error).message}`, command);
    }
    if (!Array.isArray(parsed)) throw new UsageError("--keys as JSON must be an array of keys.", command);
    keys = parsed.map((k) => (typeof k === "string" ? k : JSON.stringify(k)));
  } else keys = fromFile ? trimmed.split(/\r?\n/).filter((l) => l.trim() !== "") : trimmed.split(",");
  if (keys.length === 0 || (keys.length === 1 && keys[0] === "")) throw new UsageError("--keys lists no key.", command);
  return keys;
}

/** The text of `--keys-file` (`-`: standard input); a file that cannot be read is a mistake in the flags. */
export async function readKeysFile(path: string): Promise<string> {
  try {
    if (path === "-") {
      const chunks: Uint8Array[] = [];
      for await (const c of process.stdin) chunks.push(typeof c === "string" ? new TextEncoder().encode(c) : c);
      return new TextDecoder().decode(concat(chunks));
    }
    return await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`--keys-file ${path}: ${(e as Error).message}`, "get");
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) (out.set(c, at), at += c.length);
  return out;
}

/** Reads `keys` with the type flags; resolves with one outcome per key, in order. */
export async function runGetMany(o: Omit<GetOptions, "key">, keys: readonly string[], bounds: FreshnessFlags = {}): Promise<KeyOutcome[]> {
  if (o.keyHash !== undefined) throw new UsageError("--key-hash is one key's hash: use it with --key, not --keys.", "get");
  const types = await asUsageAsync("get", () => typeOptionsFor([o.valueType, o.mapKeyType, o.namespaceType]));
  const q = asUsage("get", () => prepare({ ...o, key: keys[0] }, types));
  const parsed = keys.map((k) => asUsage("get", () => parseValue(o.keyType, k, q.keyType)));
  const client = openQueryClient("get", o);
  const options = { ...q.namespace, timeoutMs: o.timeoutMs, ...bounds };
  try {
    const results = o.kind === "value"
      ? (await client.getKvStates(q.jobId, o.state, parsed, q.keyType, valueState(o.state, q.valueType), options)).map((r) => r.ok ? { value: r.state.value(), freshness: r.freshness } : r)
      : o.kind === "list"
      ? (await client.getKvStates(q.jobId, o.state, parsed, q.keyType, listState(o.state, q.valueType), options)).map((r) => r.ok ? { value: [...r.state.get()], freshness: r.freshness } : r)
      : (await client.getKvStates(q.jobId, o.state, parsed, q.keyType, mapState(o.state, q.mapKeyType, q.valueType), options))
        .map((r) => r.ok ? { value: new Map(r.state.entries()), freshness: r.freshness } : r);
    return results.map((r, i) =>
      "error" in r
        ? { key: keys[i], error: withKindHint(r.error, { ...o, key: keys[i] }) as QueryableStateError, freshness: r.freshness }
        : { key: keys[i], value: r.value, freshness: r.freshness }
    );
  } catch (e) {
    throw withKindHint(e, { ...o, key: keys[0] });
  } finally {
    await client.close();
  }
}

/** Reads `keys` with a catalog's types; one outcome per key, in order. */
export async function runCatalogGetMany(o: Omit<CatalogGetOptions, "key">, keys: readonly string[], bounds: FreshnessFlags = {}): Promise<KeyOutcome[]> {
  if (o.keyHash !== undefined) throw new UsageError("--key-hash is one key's hash: use it with --key, not --keys.", "get");
  const q = await prepareCatalogGet(o);
  const parsed = keys.map((k) => q.parseKey(k));
  const client = openQueryClient("get", o);
  try {
    const results = await queryCatalogStates(client, q.jobId, q.types, parsed, { namespace: q.namespace, timeoutMs: o.timeoutMs, ...bounds }).catch((e) => {
      throw namespaceHint(e, q);
    });
    return results.map((r, i) => (r.ok ? { key: keys[i], value: r.value, freshness: r.freshness } : { key: keys[i], error: r.error, freshness: r.freshness }));
  } finally {
    await client.close();
  }
}

/** The freshness flags, checked: `--max-staleness MS`, `--min-version V` (a version as printed), `--wait MS`. */
export function freshnessFlags(maxStaleness: string | undefined, minVersion: string | undefined, wait: string | undefined): FreshnessFlags {
  const ms = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number of milliseconds, got '${v}'.`, "get");
    return Number(v);
  };
  if (minVersion !== undefined && !/^\d+$/.test(minVersion)) {
    throw new UsageError(`--min-version must be a version as --json prints it (digits), got '${minVersion}'.`, "get");
  }
  return {
    maxStalenessMs: ms("max-staleness", maxStaleness),
    minVersion: minVersion === undefined ? undefined : BigInt(minVersion),
    waitMs: ms("wait", wait),
  };
}

/**
 * Prints the outcomes: a line `KEY<TAB>VALUE` or `KEY<TAB>error CODE: message` per key, or with `json` one object
 * `{"results": [{"key", "value"} | {"key", "error": {"code", "message"}}]}` (keys as JSON values: the text given),
 * each with `"freshness"` when the proxy and state server give it (`version` as a string).
 * Returns the exit code: 0 when every key has a value, 1 when some have not.
 */
export function printOutcomes(outcomes: readonly KeyOutcome[], json: boolean, write: (s: string) => void): number {
  if (json) {
    write(JSON.stringify({
      results: outcomes.map((o) => ({
        key: o.key,
        ...(o.error === undefined ? { value: toJsonValue(o.value) } : { error: { code: o.error.code, message: forCommandLine(o.error.message) } }),
        ...(o.freshness === undefined ? {} : { freshness: { ...o.freshness, version: String(o.freshness.version) } }),
      })),
    }) + "\n");
  } else {
    for (const o of outcomes) {
      write(`${o.key}\t${o.error === undefined ? toText(o.value) : `error ${o.error.code}: ${forCommandLine(o.error.message)}`}\n`);
    }
  }
  return outcomes.every((o) => o.error === undefined) ? 0 : 1;
}
