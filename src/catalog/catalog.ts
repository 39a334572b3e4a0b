/**
 * The state catalog: one JSON document naming, for each job, its queryable states with their kind and the type
 * expressions of their key, namespace and value (README, "State catalog"; the JSON Schema is
 * `schemas/catalog.schema.json`). The CLI (`qstate get --catalog`), the gateway and `qstate schema` (which writes
 * catalogs from Flink checkpoints) share it. This module is pure: reading files is `src/catalog/file.ts`.
 *
 * ```json
 * {"catalogVersion": 1,
 *  "jobs": [{"name": "clicks", "jobId": "379d0a…",
 *            "states": [{"name": "clicks-per-user", "kind": "reducing", "key": "string", "value": "long"},
 *                       {"name": "by-type", "kind": "map", "key": "string", "userKey": "string", "value": "long"}]}]}
 * ```
 */
import { QueryableStateError } from "../core/errors.ts";
import { avroFilesOf } from "../types/expression.ts";
import { checkDocument, HEX32 } from "./catalog-check.ts";

/** The version of the catalog format this library reads and writes (`catalogVersion`). */
export const CATALOG_VERSION = 1;

/** The state kinds of a catalog entry, as Flink's `StateDescriptor.Type` (lower case). */
export type CatalogStateKind = "value" | "list" | "map" | "reducing" | "aggregating" | "folding";

/** Every {@link CatalogStateKind}. */
export const CATALOG_STATE_KINDS: readonly CatalogStateKind[] = ["value", "list", "map", "reducing", "aggregating", "folding"];

/**
 * A type a catalog writer could not express (a custom serializer): the serializer's class name and why. A state
 * with such a type is listed, and querying it fails with UNSUPPORTED_TYPE naming the entry, the class and the
 * reason, instead of misreading bytes with a wrong type.
 */
export interface UnmappedType {
  /** The Java class of the serializer (or of its snapshot), e.g. `com.acme.MoneySerializer`. */
  readonly serializer: string;
  /** Why it has no type expression, e.g. "a custom serializer: its bytes are its own". */
  readonly reason: string;
}

/** A type in a catalog entry: a type expression (`long`, `tuple<string,long>`, `avro:user` …) or an {@link UnmappedType}. */
export type CatalogType = string | UnmappedType;

/** One queryable state of a job in a catalog. */
export interface CatalogState {
  /**
   * The state's name: the queryable state name, which requests use and the proxy knows. `qstate schema` writes the
   * name the checkpoint holds (the state descriptor's name); when the job registers it under another queryable name,
   * set {@link queryableName}.
   */
  readonly name: string;
  /** The name the state is registered under at the proxy, when it differs from {@link name}. @default name */
  readonly queryableName?: string;
  /** More names requests may use for this state (they are sent to the proxy as {@link queryableName}). */
  readonly aliases?: readonly string[];
  /** The state's kind; reducing, aggregating and folding states are read as one value of {@link value}'s type. */
  readonly kind: CatalogStateKind;
  /** The key's type (what the job's `keyBy` returns). */
  readonly key: CatalogType;
  /** The namespace's type: `void` for plain keyed state, `timewindow` or `globalwindow` for window state. @default "void" */
  readonly namespace?: CatalogType;
  /**
   * The stored value's type: the value (value and reducing states), a list's element, a map's value, the
   * accumulator (aggregating and folding states: the bytes hold the accumulator, not the result).
   */
  readonly value: CatalogType;
  /** A map state's key type (map states only). */
  readonly userKey?: CatalogType;
  /** The operator that holds the state (its name or uid, as Flink shows it). */
  readonly operator?: string;
  /** The operator's (or job vertex's) id, 32 hex digits, as in Flink's REST API and checkpoints. */
  readonly operatorId?: string;
  /** The operator's max parallelism (its number of key groups): lets the gateway tell a key's key group. */
  readonly maxParallelism?: number;
  /** Free text for people. */
  readonly description?: string;
}

/** Where a catalog (or one job of it) came from, as its writer saw it; all free text. */
export interface CatalogSource {
  /** `checkpoint`, `savepoint`, `manual` … */
  readonly kind?: string;
  /** The checkpoint or savepoint directory, or any locator. */
  readonly path?: string;
  /** The Flink version that wrote it, e.g. `1.20.1`. */
  readonly flinkVersion?: string;
  /** The state backend, e.g. `hashmap` or `rocksdb`. */
  readonly backend?: string;
  /** When it was read, ISO-8601. */
  readonly createdAt?: string;
}

/** One job of a catalog: its name, optionally its id, and its queryable states. */
export interface CatalogJob {
  /** The job's name (Flink's job name; the gateway resolves it to the running job's id). */
  readonly name: string;
  /** The job's id (32 hex digits), when it is fixed (a job id given at submission, or a job of ours). */
  readonly jobId?: string;
  /** Its queryable states. */
  readonly states: readonly CatalogState[];
  /** Where this job's entries came from. */
  readonly source?: CatalogSource;
  /** Free text for people. */
  readonly description?: string;
}

/** A catalog document, as JSON (`catalogVersion` 1). */
export interface CatalogDocument {
  /** The format's version: 1. */
  readonly catalogVersion: 1;
  /** The jobs. */
  readonly jobs: readonly CatalogJob[];
  /** Avro schemas named by `avro:NAME` in the type expressions (before files of that name). */
  readonly avroSchemas?: { readonly [name: string]: unknown };
  /** The tool that wrote it, e.g. `qstate schema 0.2.0`. */
  readonly generatedBy?: string;
  /** Where the whole catalog came from. */
  readonly source?: CatalogSource;
}

/**
 * A catalog that cannot be used (code `CATALOG`): not JSON, a missing or mistyped field, a type expression that
 * does not parse, two states of one job under one name. `entry` names the place (`jobs[0].states[2] ("clicks")`).
 */
export class CatalogError extends QueryableStateError {
  /** The JSON path of the faulty entry, e.g. `$.jobs[0].states[2].value`; `$` for the whole document. */
  readonly path: string;
  /**
   * An error with code `CATALOG`.
   * @param where what was read (a file name) or `undefined`
   * @param path the JSON path of the faulty part
   * @param problem what is wrong and what to write instead
   */
  constructor(where: string | undefined, path: string, problem: string, options?: { cause?: unknown }) {
    super("CATALOG", `State catalog${where === undefined ? "" : ` ${where}`}, at ${path}: ${problem}`, options);
    this.path = path;
  }
}

/** A job or state the catalog does not list (code `NOT_IN_CATALOG`); the message lists what it has. */
export class NotInCatalogError extends QueryableStateError {
  /**
   * An error with code `NOT_IN_CATALOG`.
   * @param message what was looked for, what the catalog has, and what to add
   */
  constructor(message: string) {
    super("NOT_IN_CATALOG", message);
  }
}

/** A state of a catalog with its job and where it is in the document. */
export interface CatalogEntry {
  /** The job. */
  readonly job: CatalogJob;
  /** The state. */
  readonly state: CatalogState;
  /** The name to send to the proxy: `state.queryableName ?? state.name`. */
  readonly queryableName: string;
  /** The JSON path of the state, e.g. `$.jobs[0].states[1]`. */
  readonly path: string;
  /** The entry as people read it in messages: `state "clicks" of job "clicks-job" ($.jobs[0].states[1])`. */
  readonly label: string;
}

/**
 * A parsed, checked state catalog, with lookups by job (name or id) and state (name, queryable name or alias).
 *
 * @example
 * ```ts
 * import { StateCatalog } from "queryable-state";
 *
 * const catalog = StateCatalog.parse(`{"catalogVersion": 1, "jobs": [{"name": "clicks", "states": [
 *   {"name": "clicks-per-user", "kind": "reducing", "key": "string", "value": "long"}]}]}`);
 * const entry = catalog.find("clicks", "clicks-per-user");
 * console.log(entry.state.kind, entry.label); // reducing state "clicks-per-user" of job "clicks" ($.jobs[0].states[0])
 * ```
 */
export class StateCatalog {
  /** The document, as read. */
  readonly document: CatalogDocument;
  /** What was read (a file name), for messages; `undefined` when unknown. */
  readonly where: string | undefined;
  readonly #byJob = new Map<CatalogJob, Map<string, CatalogEntry>>();

  private constructor(document: CatalogDocument, where: string | undefined) {
    this.document = document;
    this.where = where;
    document.jobs.forEach((job, j) => {
      const names = new Map<string, CatalogEntry>();
      job.states.forEach((state, s) => {
        const path = `$.jobs[${j}].states[${s}]`;
        const entry: CatalogEntry = {
          job,
          state,
          queryableName: state.queryableName ?? state.name,
          path,
          label: `state ${JSON.stringify(state.name)} of job ${JSON.stringify(job.name)} (${path}${where === undefined ? "" : ` of ${where}`})`,
        };
        for (const n of [state.name, state.queryableName, ...(state.aliases ?? [])]) {
          if (n === undefined) continue;
          const other = names.get(n);
          if (other !== undefined && other !== entry) {
            throw new CatalogError(where, path, `the name ${JSON.stringify(n)} is also used by ${other.path}: each name of a job's states must be unique.`);
          }
          names.set(n, entry);
        }
      });
      this.#byJob.set(job, names);
    });
  }

  /**
   * Reads a catalog from its JSON text (or from the value `JSON.parse` made of it) and checks it: the format
   * version, every field's type, every type expression's syntax, unique names.
   * @param where what was read, for messages (a file name)
   * @throws CatalogError (`CATALOG`) naming the faulty entry
   */
  static parse(json: string | unknown, where?: string): StateCatalog {
    let data = json;
    if (typeof json === "string") {
      try {
        data = JSON.parse(json);
      } catch (e) {
        throw new CatalogError(where, "$", `not JSON (${(e as Error).message}).`, { cause: e });
      }
    }
    return new StateCatalog(checkDocument(data, where), where);
  }

  /** The catalog's jobs. */
  get jobs(): readonly CatalogJob[] {
    return this.document.jobs;
  }

  /** The job named `nameOrId` (its name, or its `jobId` in any case), or undefined. */
  job(nameOrId: string): CatalogJob | undefined {
    const id = HEX32.test(nameOrId) ? nameOrId.toLowerCase() : undefined;
    return this.document.jobs.find((j) => j.name === nameOrId) ??
      (id === undefined ? undefined : this.document.jobs.find((j) => j.jobId?.toLowerCase() === id));
  }

  /** The names every `avro:NAME` type of the catalog uses (each once): what `avroSchemas` or files must provide. */
  avroNames(): string[] {
    const names = new Set<string>();
    for (const job of this.document.jobs) {
      for (const s of job.states) {
        for (const t of [s.key, s.namespace, s.value, s.userKey]) if (typeof t === "string") avroFilesOf(t).forEach((n) => names.add(n));
      }
    }
    return [...names];
  }

  /** Every state of `job` with its path and label. */
  entries(job: CatalogJob): CatalogEntry[] {
    return [...new Set(this.#byJob.get(job)?.values() ?? [])];
  }

  /**
   * The entry of `state` (its name, queryable name or an alias) in `job` (a catalog job name or id). When `job` is
   * undefined or not in the catalog (a job id the catalog does not list), the state is looked for in every job and
   * must be found in exactly one.
   * @throws NotInCatalogError (`NOT_IN_CATALOG`) naming what the catalog has
   */
  find(job: string | CatalogJob | undefined, state: string): CatalogEntry {
    const j = typeof job === "string" ? this.job(job) : job;
    if (j !== undefined) {
      const entry = this.#byJob.get(j)?.get(state);
      if (entry !== undefined) return entry;
      const names = this.entries(j).map((e) => e.state.name);
      throw new NotInCatalogError(
        `The state catalog${this.where === undefined ? "" : ` ${this.where}`} has no state ${JSON.stringify(state)} in job ${JSON.stringify(j.name)}` +
          ` (it has ${names.length === 0 ? "none" : names.map((n) => JSON.stringify(n)).join(", ")}): add it, or an alias, to the job's "states".`,
      );
    }
    const found = this.document.jobs.map((jb) => this.#byJob.get(jb)!.get(state)).filter((e) => e !== undefined);
    if (found.length === 1) return found[0];
    const catalog = `The state catalog${this.where === undefined ? "" : ` ${this.where}`}`;
    if (found.length === 0) {
      const jobText = typeof job === "string" ? `has no job ${JSON.stringify(job)} and ` : "";
      throw new NotInCatalogError(
        `${catalog} ${jobText}lists no state ${JSON.stringify(state)} in any job (jobs: ${this.document.jobs.map((x) => JSON.stringify(x.name)).join(", ") || "none"}).` +
          " Add the state to its job, or check the state's name.",
      );
    }
    throw new NotInCatalogError(
      `${catalog} lists state ${JSON.stringify(state)} in several jobs (${found.map((e) => JSON.stringify(e.job.name)).join(", ")})` +
        `${typeof job === "string" ? ` and none of them is ${JSON.stringify(job)}` : ""}: name the job by its catalog name, or give each job its "jobId".`,
    );
  }
}
