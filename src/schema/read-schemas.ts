/**
 * `readStateSchemas`: from a Flink checkpoint or savepoint directory to a state catalog of every keyed state it holds.
 *
 * 1. `_metadata` (metadata.ts): the operators and each subtask's keyed state handle.
 * 2. Each handle's serialization proxy (backend-proxy.ts): at the start of a key-group file (heap, canonical
 *    savepoints), in the meta-data file of an incremental or native RocksDB snapshot, or inline in `_metadata`. Paths
 *    are mapped onto the directory given (paths.ts); only the first bytes of a key-group file are read.
 * 3. The states' serializer snapshots (serializer-snapshots.ts) become type expressions (expressions.ts).
 *
 * Pure but for the files, which come through {@link SnapshotFiles} (the local filesystem when a path is given).
 */
import { CATALOG_VERSION, type CatalogDocument, type CatalogJob, type CatalogSource, type CatalogState, StateCatalog } from "../catalog/catalog.ts";
import { VERSION } from "../version.ts";
import { type KeyedBackendProxy, readKeyedBackendProxy, type SnapshotOrLost, type StateMetaInfo } from "./backend-proxy.ts";
import { catalogState, label, operatorLabels, queryableNameFor } from "./catalog-states.ts";
import { SnapshotFormatError } from "./errors.ts";
import { type MappingContext, typeOf } from "./expressions.ts";
import type { SnapshotFiles } from "./files.ts";
import { type KeyedHandle, type OperatorMetadata, readCheckpointMetadata, type StreamHandle } from "./metadata.ts";
import { operatorIdOfUid } from "./operator-ids.ts";
import { PathMapper, type ResolvedStream } from "./paths.ts";
import { baseName, cmp, findMetadata, jobIdOf, mapLimit, readFile, snapshotKind } from "./snapshot-files.ts";

/** Options of {@link readStateSchemas}. */
export interface ReadStateSchemasOptions {
  /** The catalog job's name. @default the job id when the path shows it, else the directory's name */
  jobName?: string;
  /** The catalog job's id (32 hex digits). @default the job id a checkpoint's path shows (`…/<job id>/chk-N`) */
  jobId?: string;
  /**
   * The names the job registers states under at the proxy (`setQueryable(name)`, `asQueryableState(name)`) where they
   * differ from the descriptor names a checkpoint holds: descriptor name (or `operator/descriptor name` when several
   * operators have a state of that name; the operator by name, uid or id) to queryable name. They become each entry's
   * `queryableName`.
   */
  queryableNames?: Readonly<Record<string, string>>;
  /** The uids the job gives its operators: Flink 1.x checkpoints keep only operator ids, which are derived from uids. */
  uids?: readonly string[];
  /** The Flink generation that wrote the checkpoint, if the metadata version misleads (Kryo's bytes differ). @default from the metadata version */
  flinkGeneration?: 1 | 2;
  /** How many state files are read at once. @default 8 */
  concurrency?: number;
}

/** What {@link readStateSchemas} found. */
export interface StateSchemas {
  /** The catalog of every keyed state (`catalogVersion` 1), checked as `StateCatalog.parse` checks a file. */
  readonly catalog: CatalogDocument;
  /** What people should know: states left out (timers), serializers that could not be mapped, Kryo classes to describe. */
  readonly notes: readonly string[];
  /** The metadata's format version (Flink 1.20 writes 4, 2.x 6), checkpoint id and kind. */
  readonly snapshot: {
    readonly metadataVersion: number;
    readonly checkpointId: bigint;
    readonly kind: "checkpoint" | "savepoint";
    /** `canonical` or `native` for savepoints (when the metadata says), else undefined. */
    readonly format: "canonical" | "native" | undefined;
    /** The checkpoint's directory relative to the one given (`""`, or `chk-N` when a job's directory was given). */
    readonly directory: string;
  };
}

const FIRST_READ = 64 * 1024;
const MAX_READ = 256 * 1024 * 1024;
/**
 * Reads a Flink checkpoint or savepoint (Flink 1.17 to 2.x; heap and RocksDB, full, incremental, native and canonical)
 * and returns the state catalog of every keyed state: per state its operator, name, kind and the type expressions of
 * its key, namespace and value, derived from the serializer snapshots Flink wrote. A serializer without an expression
 * is listed as `{serializer, reason}`. Timer states are left out.
 *
 * @param source a directory (a checkpoint's `chk-N`, a savepoint's, or a job's checkpoint directory, whose newest
 *   complete `chk-N` is read), a `_metadata` file, or {@link SnapshotFiles} rooted at such a directory
 * @throws SnapshotNotFoundError (`SNAPSHOT_NOT_FOUND`), SnapshotFormatError (`SNAPSHOT_FORMAT`), SnapshotPathError
 *   (`SNAPSHOT_PATH`): no metadata, bytes that are not Flink's, a path outside the directory given
 *
 * @example
 * ```ts
 * import { readStateSchemas, StateCatalog } from "queryable-state";
 *
 * const { catalog, notes } = await readStateSchemas("/flink/checkpoints/379d0a…/chk-42", {
 *   jobName: "shop", queryableNames: { "clicks-per-user": "clicks" },
 * });
 * for (const note of notes) console.warn(note);
 * const entry = StateCatalog.parse(catalog).find("shop", "clicks");
 * ```
 */
export async function readStateSchemas(source: string | SnapshotFiles, options: ReadStateSchemasOptions = {}): Promise<StateSchemas> {
  let files: SnapshotFiles;
  let localName: string | undefined;
  if (typeof source === "string") {
    const dir = /(^|[/\\])_metadata$/.test(source) ? source.replace(/[/\\]?_metadata$/, "") || "." : source;
    files = await (await import("./local-files.ts")).localSnapshotFiles(dir);
    localName = baseName(dir);
  } else {
    files = source;
    localName = source.description === undefined ? undefined : baseName(source.description);
  }
  const where = files.description ?? "the directory given";
  const notes: string[] = [];

  // 1. The metadata: in the directory, or in its newest complete chk-N.
  const found = await findMetadata(files, where);
  const snapshotDir = found.dir;
  if (snapshotDir !== "") notes.push(`Read ${snapshotDir}, the newest complete checkpoint in ${where}.`);
  const metaFile = snapshotDir === "" ? "_metadata" : `${snapshotDir}/_metadata`;
  const metadata = readCheckpointMetadata(found.bytes, metaFile);
  const generation = options.flinkGeneration ?? (metadata.version >= 5 ? 2 : 1);
  const kind = snapshotKind(metadata, snapshotDir === "" ? localName : snapshotDir);
  const mapper = new PathMapper(snapshotDir, metadata.checkpointId, snapshotDir === "" ? localName : baseName(snapshotDir));

  // 2. Every subtask's serialization proxy.
  const uidById = new Map((options.uids ?? []).map((u) => [operatorIdOfUid(u), u]));
  const tasks: { op: OperatorMetadata; subtask: number; stream: ResolvedStream }[] = [];
  let backend: string | undefined;
  for (const op of metadata.operators) {
    for (const st of op.subtasks) {
      for (const h of proxyHandles(st.managedKeyed)) {
        if (h.stream === null) continue;
        backend ??= h.backend;
        tasks.push({ op, subtask: st.index, stream: mapper.resolve(h.stream, `the keyed state of subtask ${st.index} of operator ${label(op, uidById)}`) });
      }
      if (st.managedKeyed?.kind === "changelog" && st.managedKeyed.materialized.length === 0) {
        notes.push(`Subtask ${st.index} of operator ${label(op, uidById)} has only changelog deltas (no materialized snapshot yet): its states are not listed.`);
      }
    }
  }
  const proxies = await mapLimit(tasks, options.concurrency ?? 8, async (t) => ({ ...t, proxy: await readProxy(files, t.stream) }));

  // 3. States per operator (the union over its subtasks), then catalog entries.
  const byOperator = new Map<OperatorMetadata, { key: SnapshotOrLost; states: Map<string, StateMetaInfo> }>();
  let timers = 0;
  for (const { op, proxy } of proxies) {
    let entry = byOperator.get(op);
    if (!entry) byOperator.set(op, entry = { key: proxy.key, states: new Map() });
    for (const s of proxy.states) {
      if (s.backendStateType === "PRIORITY_QUEUE") {
        timers++;
        continue;
      }
      if (s.backendStateType !== "KEY_VALUE" && s.backendStateType !== "KEY_VALUE_V2") continue;
      if (!entry.states.has(s.name)) entry.states.set(s.name, s);
    }
  }
  if (timers > 0) notes.push("Timer states (_timer_state/…) are left out: Flink serves no timers to queryable state.");
  const avroSchemas = new Map<string, unknown>();
  const ctx: MappingContext = { generation, avroSchemas, notes: new Set() };
  const opLabels = operatorLabels([...byOperator.keys()], uidById);
  const drafts: { op: OperatorMetadata; info: StateMetaInfo; state: Omit<CatalogState, "name"> }[] = [];
  const ops = [...byOperator].sort(([a], [b]) => cmp(opLabels.get(a)!, opLabels.get(b)!));
  for (const [op, { key, states }] of ops) {
    const keyType = typeOf(key, ctx);
    for (const info of [...states.values()].sort((a, b) => cmp(a.name, b.name))) {
      const state = catalogState(op, info, keyType, ctx, notes, opLabels.get(op)!);
      if (state) drafts.push({ op, info, state });
    }
  }
  notes.push(...ctx.notes);

  // Names: the descriptor's name, qualified by the operator where several operators have a state of that name.
  const counts = new Map<string, number>();
  for (const d of drafts) counts.set(d.info.name, (counts.get(d.info.name) ?? 0) + 1);
  const qualified = (d: (typeof drafts)[number]) => `${opLabels.get(d.op)}/${d.info.name}`;
  const unused = new Set(Object.keys(options.queryableNames ?? {}));
  const states: CatalogState[] = drafts.map((d) => {
    const unique = counts.get(d.info.name) === 1;
    const name = unique ? d.info.name : qualified(d);
    const q = queryableNameFor(d, options.queryableNames, unique, qualified(d), uidById, unused);
    const description = unique ? d.state.description : [
      `${counts.get(d.info.name)} operators have a state named ${JSON.stringify(d.info.name)}: this one is qualified by its operator.`,
      d.state.description,
    ].filter(Boolean).join(" ");
    return {
      name,
      ...(q !== undefined && q !== name ? { queryableName: q } : {}),
      ...d.state,
      ...(description ? { description } : {}),
    } as CatalogState;
  });
  for (const k of unused) notes.push(`queryableNames: no state ${JSON.stringify(k)} in the checkpoint.`);
  if (states.length === 0) notes.push("The checkpoint holds no keyed state.");

  const jobId = options.jobId ?? (kind.kind === "checkpoint" ? jobIdOf(mapper.writerDirectory, snapshotDir, localName, files.description) : undefined);
  const origin: CatalogSource = {
    kind: kind.kind,
    ...(files.description === undefined ? {} : { path: snapshotDir === "" ? files.description : `${files.description}/${snapshotDir}` }),
    flinkVersion: generation === 2 ? "2.x" : "1.x",
    ...(backend === undefined || (backend === "heap" && kind.kind === "savepoint") ? {} : { backend: backend === "heap" ? "hashmap" : backend }),
    createdAt: new Date().toISOString(),
  };
  const job: CatalogJob = {
    name: options.jobName ?? jobId ?? localName ?? "job",
    ...(jobId === undefined ? {} : { jobId }),
    states,
    source: origin,
  };
  const catalog: CatalogDocument = {
    catalogVersion: CATALOG_VERSION,
    generatedBy: `qstate schema ${VERSION}`,
    jobs: [job],
    ...(avroSchemas.size === 0 ? {} : { avroSchemas: Object.fromEntries(avroSchemas) }),
  };
  // What a reader of the file will check (names unique, expressions that parse): a mistake shows here, not later.
  StateCatalog.parse(catalog, "(the catalog read from the checkpoint)");
  return {
    catalog,
    notes,
    snapshot: { metadataVersion: metadata.version, checkpointId: metadata.checkpointId, kind: kind.kind, format: kind.format, directory: snapshotDir },
  };
}

/** The proxies' handles of a subtask's keyed state (a changelog handle's materialized ones). */
function proxyHandles(h: KeyedHandle | null, depth = 0): { stream: StreamHandle | null; backend: string }[] {
  if (h === null || depth > 8) return [];
  switch (h.kind) {
    case "key-groups":
      return [{ stream: h.stream, backend: "heap" }];
    case "incremental":
      return [{ stream: h.metaData, backend: "rocksdb" }];
    case "changelog":
      return h.materialized.flatMap((m) => proxyHandles(m, depth + 1));
    case "changelog-delta":
      return [];
  }
}

/** Reads a proxy: the first 64 KiB of a file, more when the proxy goes on (or a snapshot must be read past). */
async function readProxy(files: SnapshotFiles, stream: ResolvedStream): Promise<KeyedBackendProxy> {
  if (stream.kind === "bytes") return readKeyedBackendProxy(stream.data, stream.label);
  const end = stream.size === undefined ? undefined : stream.start + stream.size;
  for (let want = FIRST_READ;; want *= 4) {
    const to = end === undefined ? stream.start + want : Math.min(end, stream.start + want);
    const bytes = await readFile(files, stream.path, stream.start, to);
    const whole = bytes.length < to - stream.start || to === end || want >= MAX_READ;
    try {
      const proxy = readKeyedBackendProxy(bytes, stream.label);
      // A lost snapshot is recovered from by searching forward: search the whole file before believing it.
      const lost = proxy.key.type === "lost" || proxy.states.some((s) => [...s.serializers.values()].some((x) => x.type === "lost"));
      if (!lost || whole) return proxy;
    } catch (e) {
      if (!(e instanceof SnapshotFormatError && e.endOfInput) || whole) throw e;
    }
  }
}
