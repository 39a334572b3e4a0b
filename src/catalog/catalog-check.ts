/**
 * Checking a catalog document as read from JSON: every key known, every name, id and type expression valid, each
 * problem reported with its JSON path (`CatalogError`). Pure.
 */
import { describeValue } from "../core/describe.ts";
import { QueryableStateError } from "../core/errors.ts";
import { JobID } from "../core/ids.ts";
import { getOwn } from "../core/records.ts";
import { parseTypeExpression } from "../types/expression.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { CATALOG_STATE_KINDS, CATALOG_VERSION, type CatalogDocument, CatalogError, type CatalogJob, type CatalogSource, type CatalogState, type CatalogStateKind, type CatalogType } from "./catalog.ts";

const JOB_KEYS = new Set(["name", "jobId", "states", "source", "description"]);
const STATE_KEYS = new Set([
  "name", "queryableName", "aliases", "kind", "key", "namespace", "value", "userKey", "operator", "operatorId", "maxParallelism",
  "description",
]);
const SOURCE_KEYS = new Set(["kind", "path", "flinkVersion", "backend", "createdAt"]);
const TOP_KEYS = new Set(["$schema", "catalogVersion", "jobs", "avroSchemas", "generatedBy", "source"]);
export const HEX32 = /^[0-9a-fA-F]{32}$/;

// ------------------------------------------------------------------------------------------------ checking

export function checkDocument(data: unknown, where: string | undefined): CatalogDocument {
  const fail = (path: string, problem: string): never => {
    throw new CatalogError(where, path, problem);
  };
  const top = object(data, "$", "an object {\"catalogVersion\": 1, \"jobs\": [...]}", fail);
  known(top, TOP_KEYS, "$", fail);
  const version = getOwn(top, "catalogVersion");
  if (version === undefined) fail("$.catalogVersion", `missing: a catalog starts with "catalogVersion": ${CATALOG_VERSION}.`);
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    fail("$.catalogVersion", `must be the integer ${CATALOG_VERSION}, got ${describeValue(version)}.`);
  }
  if (version !== CATALOG_VERSION) {
    fail("$.catalogVersion", `version ${version} is newer than this library reads (${CATALOG_VERSION}): upgrade queryable-state, or write the catalog again with this version.`);
  }
  const avroSchemas = getOwn(top, "avroSchemas");
  if (avroSchemas !== undefined) object(avroSchemas, "$.avroSchemas", "an object of Avro schemas by name", fail);
  const generatedBy = optionalString(top, "generatedBy", "$", fail);
  const source = getOwn(top, "source") === undefined ? undefined : checkSource(getOwn(top, "source"), "$.source", fail);
  const jobsValue = getOwn(top, "jobs");
  if (!Array.isArray(jobsValue)) fail("$.jobs", `must be an array of jobs, got ${describeValue(jobsValue)}.`);
  const avroNames = new Set(avroSchemas === undefined ? [] : Object.keys(avroSchemas as object));
  const jobs = (jobsValue as unknown[]).map((j, i) => checkJob(j, `$.jobs[${i}]`, avroNames, fail));
  const seenNames = new Map<string, number>(), seenIds = new Map<string, number>();
  jobs.forEach((job, i) => {
    const n = seenNames.get(job.name);
    if (n !== undefined) fail(`$.jobs[${i}].name`, `job name ${JSON.stringify(job.name)} is also the name of $.jobs[${n}]: job names must be unique.`);
    seenNames.set(job.name, i);
    if (job.jobId !== undefined) {
      const id = job.jobId.toLowerCase();
      const m = seenIds.get(id);
      if (m !== undefined) fail(`$.jobs[${i}].jobId`, `job id ${job.jobId} is also the id of $.jobs[${m}].`);
      seenIds.set(id, i);
    }
  });
  return {
    catalogVersion: 1,
    jobs,
    ...(avroSchemas === undefined ? {} : { avroSchemas: avroSchemas as Record<string, unknown> }),
    ...(generatedBy === undefined ? {} : { generatedBy }),
    ...(source === undefined ? {} : { source }),
  };
}

type Fail = (path: string, problem: string) => never;

function object(v: unknown, path: string, what: string, fail: Fail): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) fail(path, `must be ${what}, got ${describeValue(v)}.`);
  return v as Record<string, unknown>;
}

/** Unknown members are refused (a typo such as "vaule" would otherwise be ignored), except `x-…` extensions. */
function known(o: Record<string, unknown>, keys: ReadonlySet<string>, path: string, fail: Fail): void {
  for (const k of Object.keys(o)) {
    if (keys.has(k) || k.startsWith("x-")) continue;
    const guess = [...keys].find((c) => c.toLowerCase() === k.toLowerCase());
    fail(`${path}.${k}`, `unknown member ${JSON.stringify(k)}${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ""}; ` +
      `allowed: ${[...keys].join(", ")} (and "x-…" extensions).`);
  }
}

function optionalString(o: Record<string, unknown>, key: string, path: string, fail: Fail): string | undefined {
  const v = getOwn(o, key);
  if (v === undefined) return undefined;
  if (typeof v !== "string") fail(`${path}.${key}`, `must be a string, got ${describeValue(v)}.`);
  return v as string;
}

export function name(o: Record<string, unknown>, key: string, path: string, fail: Fail, required?: "job" | "state"): string | undefined {
  const v = getOwn(o, key);
  if (v === undefined) {
    if (required) fail(`${path}.${key}`, `missing: every ${required} needs a "${key}".`);
    return undefined;
  }
  if (typeof v !== "string" || v === "") fail(`${path}.${key}`, `must be a non-empty string, got ${describeValue(v)}.`);
  return v as string;
}

function checkSource(v: unknown, path: string, fail: Fail): CatalogSource {
  const o = object(v, path, "an object {kind, path, flinkVersion, backend, createdAt}", fail);
  known(o, SOURCE_KEYS, path, fail);
  for (const k of SOURCE_KEYS) optionalString(o, k, path, fail);
  return o as CatalogSource;
}

function checkJob(v: unknown, path: string, avroNames: ReadonlySet<string>, fail: Fail): CatalogJob {
  const o = object(v, path, 'a job {"name", "states": [...]}', fail);
  known(o, JOB_KEYS, path, fail);
  const jobName = name(o, "name", path, fail, "job")!;
  const jobId = optionalString(o, "jobId", path, fail);
  if (jobId !== undefined && !HEX32.test(jobId)) fail(`${path}.jobId`, `must be a job id of 32 hex digits, got ${JSON.stringify(jobId)}.`);
  const description = optionalString(o, "description", path, fail);
  const source = getOwn(o, "source") === undefined ? undefined : checkSource(getOwn(o, "source"), `${path}.source`, fail);
  const states = getOwn(o, "states");
  if (!Array.isArray(states)) fail(`${path}.states`, `must be an array of states, got ${describeValue(states)}.`);
  return {
    name: jobName,
    ...(jobId === undefined ? {} : { jobId: JobID.fromHex(jobId).toString() }),
    states: (states as unknown[]).map((s, i) => checkState(s, `${path}.states[${i}]`, avroNames, fail)),
    ...(source === undefined ? {} : { source }),
    ...(description === undefined ? {} : { description }),
  };
}

function checkState(v: unknown, path: string, avroNames: ReadonlySet<string>, fail: Fail): CatalogState {
  const o = object(v, path, 'a state {"name", "kind", "key", "value"}', fail);
  const stateName = name(o, "name", path, fail, "state")!;
  const at = `${path} (${JSON.stringify(stateName)})`;
  known(o, STATE_KEYS, at, fail);
  const queryableName = name(o, "queryableName", at, fail);
  const aliases = getOwn(o, "aliases");
  if (aliases !== undefined && (!Array.isArray(aliases) || aliases.some((a) => typeof a !== "string" || a === ""))) {
    fail(`${at}.aliases`, `must be an array of non-empty strings, got ${describeValue(aliases)}.`);
  }
  const kind = getOwn(o, "kind");
  if (kind === undefined) fail(`${at}.kind`, `missing: one of ${CATALOG_STATE_KINDS.join(", ")}.`);
  if (!CATALOG_STATE_KINDS.includes(kind as CatalogStateKind)) {
    fail(`${at}.kind`, `must be one of ${CATALOG_STATE_KINDS.join(", ")}, got ${describeValue(kind)}.`);
  }
  const type = (key: string, required: boolean): CatalogType | undefined => {
    const t = getOwn(o, key);
    if (t === undefined) {
      if (required) fail(`${at}.${key}`, `missing: the ${key === "userKey" ? "map's key" : key}'s type expression (e.g. "long", "string", "tuple<string,long>").`);
      return undefined;
    }
    return checkType(t, `${at}.${key}`, avroNames, fail);
  };
  const isMap = kind === "map";
  if (!isMap && getOwn(o, "userKey") !== undefined) fail(`${at}.userKey`, `only map states have a "userKey"; this state is ${kind}.`);
  const maxParallelism = getOwn(o, "maxParallelism");
  if (maxParallelism !== undefined && (typeof maxParallelism !== "number" || !Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > 32768)) {
    fail(`${at}.maxParallelism`, `must be an integer in 1..32768, got ${describeValue(maxParallelism)}.`);
  }
  const operatorId = optionalString(o, "operatorId", at, fail);
  if (operatorId !== undefined && !HEX32.test(operatorId)) fail(`${at}.operatorId`, `must be 32 hex digits, got ${JSON.stringify(operatorId)}.`);
  const state: Record<string, unknown> = { name: stateName };
  const put = (k: string, x: unknown) => x !== undefined && (state[k] = x);
  put("queryableName", queryableName);
  put("aliases", aliases === undefined ? undefined : [...(aliases as string[])]);
  put("kind", kind);
  put("key", type("key", true));
  put("namespace", type("namespace", false));
  put("value", type("value", true));
  put("userKey", type("userKey", isMap));
  put("operator", optionalString(o, "operator", at, fail));
  put("operatorId", operatorId?.toLowerCase());
  put("maxParallelism", maxParallelism);
  put("description", optionalString(o, "description", at, fail));
  return state as unknown as CatalogState;
}

// A stand-in for Avro types when only the syntax is checked: parsing never needs the schema itself.
// deno-lint-ignore no-explicit-any
const AVRO_SYNTAX_ONLY = (): TypeSerializer<any> => ({ name: "AvroSerializer", length: -1, serialize() {}, deserialize: () => undefined });

function checkType(t: unknown, path: string, _avroNames: ReadonlySet<string>, fail: Fail): CatalogType {
  if (typeof t === "string") {
    try {
      parseTypeExpression(t, { avro: AVRO_SYNTAX_ONLY });
    } catch (e) {
      if (!(e instanceof QueryableStateError)) throw e;
      fail(path, `${e.message}`);
    }
    return t;
  }
  if (t !== null && typeof t === "object" && !Array.isArray(t)) {
    const o = t as Record<string, unknown>;
    known(o, new Set(["serializer", "reason"]), path, fail);
    if (typeof o.serializer !== "string" || o.serializer === "" || typeof o.reason !== "string") {
      fail(path, `an unmapped type is {"serializer": "<Java class>", "reason": "<why>"}, got ${describeValue(t)}.`);
    }
    return { serializer: o.serializer as string, reason: o.reason as string };
  }
  return fail(path, `must be a type expression (a string such as "long") or {"serializer", "reason"}, got ${describeValue(t)}.`);
}
