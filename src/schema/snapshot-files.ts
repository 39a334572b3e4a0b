/**
 * Finding and reading a snapshot's files: its `_metadata` (or the newest chk-N's), byte ranges of the files it
 * names, whether it is a checkpoint or a savepoint, and the job id its paths give away.
 */
import { InvalidArgumentError, QueryableStateError } from "../core/errors.ts";
import type { JavaValue } from "../protocol/java/object-model.ts";
import { readJavaObject } from "../protocol/java/object-stream-reader.ts";
import { SnapshotNotFoundError } from "./errors.ts";
import type { SnapshotFiles } from "./files.ts";
import type { CheckpointMetadata } from "./metadata.ts";

export async function readFile(files: SnapshotFiles, path: string, start: number, end: number): Promise<Uint8Array> {
  try {
    if (files.readRange) return await files.readRange(path, start, end);
    const all = await files.read(path);
    return all.subarray(Math.min(start, all.length), Math.min(end, all.length));
  } catch (e) {
    if (e instanceof QueryableStateError) throw e;
    throw new SnapshotNotFoundError(
      path,
      `${path} could not be read in ${files.description ?? "the directory given"} (${(e as Error)?.message ?? e}): the checkpoint's metadata names it. ` +
        "Give the complete checkpoint directory.",
      { cause: e },
    );
  }
}

export async function findMetadata(files: SnapshotFiles, where: string): Promise<{ dir: string; bytes: Uint8Array }> {
  try {
    return { dir: "", bytes: await files.read("_metadata") };
  } catch (e) {
    if (e instanceof QueryableStateError && e.code === "SNAPSHOT_PATH") throw e;
    const cause = e;
    const entries = files.list ? await files.list("").catch(() => [] as string[]) : [];
    // The newest first: chk-N with the largest N.
    const checkpoints = entries.map((n) => /^chk-(\d+)$/.exec(n)).filter((m): m is RegExpExecArray => m !== null)
      .sort((a, b) => (BigInt(b[1]) > BigInt(a[1]) ? 1 : BigInt(b[1]) < BigInt(a[1]) ? -1 : 0));
    for (const m of checkpoints) {
      try {
        return { dir: m[0], bytes: await files.read(`${m[0]}/_metadata`) };
      } catch {
        // still being written, or incomplete: an older one may do
      }
    }
    throw new SnapshotNotFoundError(
      "_metadata",
      `No _metadata in ${where}${checkpoints.length > 0 ? " nor in its chk-N directories" : ""}: give a checkpoint's (chk-N) or ` +
        "savepoint's directory, or a job's checkpoint directory holding chk-N directories.",
      { cause },
    );
  }
}

/** Checkpoint or savepoint, and a savepoint's format: from the metadata's properties, else from handles and names. */
export function snapshotKind(m: CheckpointMetadata, name: string | undefined): { kind: "checkpoint" | "savepoint"; format: "canonical" | "native" | undefined } {
  const fromProperties = propertiesKind(m.trailer);
  if (fromProperties) return fromProperties;
  const canonical = m.operators.some((o) => o.subtasks.some((s) => s.managedKeyed?.kind === "key-groups" && s.managedKeyed.savepoint));
  if (canonical) return { kind: "savepoint", format: "canonical" };
  return { kind: name?.startsWith("savepoint-") ? "savepoint" : "checkpoint", format: undefined };
}

/** The snapshot type in `CheckpointProperties` (Java-serialized after the operators since version 4). */
function propertiesKind(trailer: Uint8Array): { kind: "checkpoint" | "savepoint"; format: "canonical" | "native" | undefined } | undefined {
  if (trailer.length === 0) return undefined;
  let root: JavaValue;
  try {
    root = readJavaObject(trailer);
  } catch {
    return undefined;
  }
  const seen = new Set<unknown>();
  const find = (v: JavaValue, depth: number): { kind: "checkpoint" | "savepoint"; format: "canonical" | "native" | undefined } | undefined => {
    if (v === null || typeof v !== "object" || depth > 16 || seen.has(v) || v.kind !== "object") return undefined;
    seen.add(v);
    const name = v.classDesc.name;
    if (name === "org.apache.flink.runtime.checkpoint.SavepointType") {
      let format: "canonical" | "native" | undefined;
      for (const d of v.classData) {
        const f = d.values.get("formatType");
        if (f && typeof f === "object" && f.kind === "enum") format = f.constantName === "NATIVE" ? "native" : f.constantName === "CANONICAL" ? "canonical" : undefined;
      }
      return { kind: "savepoint", format };
    }
    if (name === "org.apache.flink.runtime.checkpoint.CheckpointType") return { kind: "checkpoint", format: undefined };
    for (const d of v.classData) {
      for (const x of d.values.values()) {
        const r = find(x, depth + 1);
        if (r) return r;
      }
    }
    return undefined;
  };
  return find(root, 0);
}

/** A checkpoint's job id, when a path shows it: `…/<32 hex>/chk-N`. */
export function jobIdOf(writerDir: string | undefined, snapshotDir: string, localName: string | undefined, description: string | undefined): string | undefined {
  const hex = /^[0-9a-f]{32}$/;
  const candidates: (string | undefined)[] = [];
  if (writerDir) {
    const parts = writerDir.split("/");
    candidates.push(parts[parts.length - 2]);
  }
  if (snapshotDir !== "") candidates.push(localName);
  else if (description) {
    const parts = description.replace(/[/\\]+$/, "").split(/[/\\]/);
    candidates.push(parts[parts.length - 2]);
  }
  return candidates.find((c) => c !== undefined && hex.test(c));
}

export function baseName(path: string): string | undefined {
  const parts = path.replace(/[/\\]+$/, "").split(/[/\\]/);
  const last = parts[parts.length - 1];
  return last === "" || last === "." || last === ".." ? undefined : last;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  if (!(Number.isInteger(limit) && limit >= 1)) throw new InvalidArgumentError(`concurrency must be a positive integer, got ${limit}.`);
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
