/**
 * The gateway's routes of one state's values: `GET …/states/{state}?key=` (one key), `POST …/batch` (many keys, with
 * freshness bounds) and `GET …/route` (where a key lives: its hash, key group and server).
 */
import type { Hono } from "hono";
import {
  computeKeyGroupForKeyHash, computeOperatorIndexForKeyGroup, type CatalogEntry, formatHostPort, InvalidArgumentError, type JsonValue, murmurHash,
  QueryableStateError, queryCatalogState, queryCatalogStates, toJsonValue, valueFromJson,
} from "./core.ts";
import { expression, type GatewayContext, NO_STORE } from "./context.ts";
import { GatewayRequestError, problemOf } from "./errors.ts";
import type { ResolvedJob } from "./jobs.ts";
import { readJson } from "./request-helpers.ts";

/** Adds the value, batch and route routes to `app`. */
export function stateRoutes(app: Hono, g: GatewayContext): void {
  app.get("/v1/jobs/:job/states/:state", async (c) => {
    const { job, entry, types: t, jobRef } = await g.target(c);
    const key = g.keyOf(c, t);
    const namespace = g.namespaceOf(c.req.query("namespace"), undefined, t);
    let value: unknown;
    try {
      value = await queryCatalogState(g.client, job.id, t, key, { namespace, timeoutMs: g.limits.timeoutMs });
      g.metrics.keys("found");
    } catch (e) {
      g.metrics.keys((e as { code?: string }).code === "UNKNOWN_KEY_OR_NAMESPACE" ? "missing" : "failed");
      throw e;
    }
    return c.json({
      job: jobRef,
      state: entry.state.name,
      key: toJsonValue(key),
      ...(namespace === undefined ? {} : { namespace: toJsonValue(namespace) }),
      value: toJsonValue(value),
    }, 200, NO_STORE);
  });

  app.post("/v1/jobs/:job/states/:state/batch", async (c) => {
    const body = await readJson(c.req.raw, g.limits.maxBodyBytes);
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new InvalidArgumentError('The body must be a JSON object {"keys": [...], "namespace"?: ...}.');
    }
    const members = ["keys", "namespace", "maxStalenessMs", "minVersion", "waitMs"];
    const extra = Object.keys(body).filter((k) => !members.includes(k));
    if (extra.length > 0) throw new InvalidArgumentError(`Unknown member ${JSON.stringify(extra[0])} in the body: it takes ${members.map((m) => `"${m}"`).join(", ")}.`);
    const bounds = freshnessBounds(body as Record<string, unknown>);
    const keys = (body as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0) throw new InvalidArgumentError('"keys" must be a non-empty array of keys (as JSON).');
    if (keys.length > g.limits.maxBatchKeys) {
      throw new GatewayRequestError("REQUEST_TOO_LARGE", `The batch has ${keys.length} keys; at most ${g.limits.maxBatchKeys} are allowed: split it.`);
    }
    const { job, entry, types: t, jobRef } = await g.target(c);
    const namespace = g.namespaceOf(undefined, (body as { namespace?: unknown }).namespace, t);
    const keyExpression = expression(entry.state.key);
    // Keys that do not fit the key type are their own errors; the others go in one getKvStates call (the batch-get
    // extension through a proxy of ours, concurrent single queries through Flink's).
    type Result = { key: JsonValue; value: JsonValue; freshness?: unknown } | { key: JsonValue; error: unknown; freshness?: unknown };
    const results: Result[] = new Array(keys.length);
    const parsed: unknown[] = [];
    const at: number[] = [];
    keys.forEach((k, i) => {
      try {
        parsed.push(valueFromJson(t.keyType, k, "key", keyExpression));
        at.push(i);
      } catch (e) {
        if (!(e instanceof QueryableStateError)) throw e;
        g.metrics.keys("failed");
        results[i] = { key: k as JsonValue, error: problemOf(e) };
      }
    });
    if (parsed.length > 0) {
      const answers = await queryCatalogStates(g.client, job.id, t, parsed, { namespace, timeoutMs: g.limits.timeoutMs, ...bounds });
      answers.forEach((r, j) => {
        const i = at[j];
        const fresh = r.freshness === undefined ? {} : { freshness: { ...r.freshness, version: String(r.freshness.version) } };
        if (r.ok) {
          g.metrics.keys("found");
          results[i] = { key: keys[i] as JsonValue, value: toJsonValue(r.value), ...fresh };
        } else {
          g.metrics.keys(r.error.code === "UNKNOWN_KEY_OR_NAMESPACE" ? "missing" : "failed");
          results[i] = { key: keys[i] as JsonValue, error: problemOf(r.error), ...fresh };
        }
      });
    }
    return c.json({ job: jobRef, state: entry.state.name, results }, 200, NO_STORE);
  });

  /** The freshness bounds of a batch body (`maxStalenessMs`, `minVersion` as digits, `waitMs`). */
  function freshnessBounds(body: Record<string, unknown>): { maxStalenessMs?: number; minVersion?: bigint; waitMs?: number } {
    const ms = (name: string) => {
      const v = body[name];
      if (v === undefined) return undefined;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new InvalidArgumentError(`"${name}" must be a whole number of milliseconds, at least 0.`);
      return v;
    };
    const minVersion = body.minVersion;
    if (minVersion !== undefined && (typeof minVersion !== "string" || !/^\d+$/.test(minVersion))) {
      throw new InvalidArgumentError('"minVersion" must be a version as the answers give it: a string of digits.');
    }
    return { maxStalenessMs: ms("maxStalenessMs"), minVersion: minVersion === undefined ? undefined : BigInt(minVersion), waitMs: ms("waitMs") };
  }

  app.get("/v1/jobs/:job/states/:state/route", async (c) => {
    const { job, entry, types: t, jobRef } = await g.target(c);
    const key = g.keyOf(c, t);
    if (typeof t.keyType.hashCode !== "function") {
      throw new InvalidArgumentError(`${entry.label}: keys of ${expression(entry.state.key)} have no value-based Java hash, so no route can be computed.`);
    }
    const javaHashCode = t.keyType.hashCode(key) | 0;
    const notes: string[] = [];
    const out: Record<string, unknown> = { job: jobRef, state: entry.state.name, key: toJsonValue(key), javaHashCode, murmurHash: murmurHash(javaHashCode) };
    let maxParallelism = entry.state.maxParallelism;
    if (maxParallelism !== undefined) notes.push("maxParallelism from the catalog");
    if (g.coordinator !== undefined) {
      try {
        const location = await g.coordinator.requestKvStateLocation(job.id, entry.queryableName, { signal: AbortSignal.timeout(g.limits.timeoutMs) });
        maxParallelism = location.numKeyGroups;
        const keyGroup = computeKeyGroupForKeyHash(javaHashCode, maxParallelism);
        const server = location.getKvStateServerAddress(keyGroup);
        if (server !== null) out.server = formatHostPort(server);
        out.vertex = location.jobVertexId;
        notes.push("key groups and server from the g.coordinator's location of the state");
      } catch (e) {
        notes.push(`the g.coordinator could not locate the state: ${(e as Error).message}`);
      }
    }
    if (maxParallelism === undefined) {
      notes.push('the key group needs the operator\'s max parallelism: add "maxParallelism" to the catalog entry, or run the gateway with --g.coordinator');
    } else {
      const keyGroup = computeKeyGroupForKeyHash(javaHashCode, maxParallelism);
      out.maxParallelism = maxParallelism;
      out.keyGroup = keyGroup;
      const parallelism = await parallelismOf(job, entry);
      if (parallelism !== undefined) {
        out.parallelism = parallelism.parallelism;
        out.operatorIndex = computeOperatorIndexForKeyGroup(maxParallelism, parallelism.parallelism, keyGroup);
        if (parallelism.vertex !== undefined) out.vertex ??= parallelism.vertex;
        if (parallelism.hosts?.[out.operatorIndex as number] !== undefined) out.server ??= parallelism.hosts[out.operatorIndex as number];
        notes.push(parallelism.note);
      }
    }
    out.notes = notes;
    return c.json(out, 200, NO_STORE);
  });

  /** Flink's REST API for the operator's parallelism and subtask hosts (when --flink-rest is given). */
  async function parallelismOf(job: ResolvedJob, entry: CatalogEntry): Promise<{ parallelism: number; vertex?: string; hosts?: string[]; note: string } | undefined> {
    if (g.flinkRest === undefined) return undefined;
    const base = g.flinkRest.replace(/\/+$/, "");
    try {
      const res = await fetch(`${base}/jobs/${job.id}`, { signal: AbortSignal.timeout(g.limits.timeoutMs) });
      if (!res.ok) return undefined;
      const vertices = ((await res.json()) as { vertices?: { id: string; name: string; parallelism: number }[] }).vertices ?? [];
      const op = entry.state.operator?.toLowerCase();
      const vertex = vertices.find((v) => v.id === entry.state.operatorId) ?? (op === undefined ? undefined : vertices.find((v) => v.name.toLowerCase().includes(op))) ??
        (vertices.length === 1 ? vertices[0] : undefined);
      if (vertex === undefined) return undefined;
      const detail = await fetch(`${base}/jobs/${job.id}/vertices/${vertex.id}`, { signal: AbortSignal.timeout(g.limits.timeoutMs) });
      const subtasks = detail.ok ? ((await detail.json()) as { subtasks?: { subtask: number; host?: string; endpoint?: string }[] }).subtasks ?? [] : [];
      const hosts: string[] = [];
      for (const s of subtasks) if (typeof s.subtask === "number") hosts[s.subtask] = s.endpoint ?? s.host ?? "";
      return { parallelism: vertex.parallelism, vertex: vertex.name, hosts, note: `parallelism and subtask hosts of vertex "${vertex.name}" from Flink's REST API` };
    } catch {
      return undefined;
    }
  }

}
