/**
 * The gateway's paged routes: `GET …/keys` (key listing) and `GET …/scan` (one key's map entries), a page at a time,
 * the next page's cursor in the body (null after the last) and in a `Link: <…>; rel="next"` header.
 */
import type { Context, Hono } from "hono";
import { type CatalogStateTypes, InvalidArgumentError, InvalidCursorError, type MapStateDescriptor, stringSerializer, toJsonValue, valueFromText } from "./core.ts";
import { DEFAULT_PAGE_SIZE, expression, type GatewayContext, NO_STORE } from "./context.ts";
import { namingEntry } from "./request-helpers.ts";

/** Adds `/keys` and `/scan` to `app`. */
export function pageRoutes(app: Hono, g: GatewayContext): void {
  // Key listing and map scans (the `keys` and `map-scan` extensions): a page at a time, the cursor of the next page in
  // the body (null after the last) and in a `Link: <…>; rel="next"` header.
  app.get("/v1/jobs/:job/states/:state/keys", async (c) => {
    const { job, entry, types: t, jobRef } = await g.target(c);
    const requested = pageSizeOf(c);
    const cursor = cursorOf(c);
    const keyGroups = keyGroupsOf(c.req.query("keyGroups"));
    const namespace = requiredNamespace(c, t);
    const pageSize = Math.min(requested, await peerLimit("keys.max-page-size"));
    let page;
    try {
      page = await g.client.listKeys(job.id, entry.queryableName, t.keyType, {
        pageSize,
        cursor,
        keyGroups,
        ...(t.namespaceType === undefined ? {} : { namespace, namespaceType: t.namespaceType }),
        timeoutMs: g.limits.timeoutMs,
      });
    } catch (e) {
      throw namingEntry(e, entry);
    }
    nextLink(c, page.cursor);
    return c.json({
      job: jobRef,
      state: entry.state.name,
      ...(namespace === undefined ? {} : { namespace: toJsonValue(namespace) }),
      keys: page.keys.map(toJsonValue),
      cursor: page.cursor ?? null,
    }, 200, NO_STORE);
  });

  app.get("/v1/jobs/:job/states/:state/scan", async (c) => {
    const { job, entry, types: t, jobRef } = await g.target(c);
    if (t.descriptor.kind !== "map") {
      throw new InvalidArgumentError(
        `${entry.label} is a ${entry.state.kind} state: only map states scan. Read its value with GET /v1/jobs/{job}/states/{state}?key=….`,
      );
    }
    const descriptor = t.descriptor as MapStateDescriptor<unknown, unknown>;
    const key = g.keyOf(c, t);
    const requested = pageSizeOf(c);
    const cursor = cursorOf(c);
    const namespace = requiredNamespace(c, t);
    const userKeyType = descriptor.userKeySerializer;
    const userKeyExpression = expression(entry.state.userKey);
    const bound = (name: "prefix" | "from" | "to") => {
      const text = c.req.query(name);
      return text === undefined ? undefined : valueFromText(userKeyType, text, name, userKeyExpression);
    };
    const prefix = bound("prefix"), from = bound("from"), to = bound("to");
    if (prefix !== undefined && userKeyType !== stringSerializer) {
      throw new InvalidArgumentError(`${entry.label} has map keys of ${userKeyExpression}: "prefix" needs string map keys; give a range with "from" and "to".`);
    }
    if (prefix !== undefined && (from !== undefined || to !== undefined)) throw new InvalidArgumentError('Give "prefix" or a range ("from", "to"), not both.');
    const pageSize = Math.min(requested, await peerLimit("map-scan.max-page-size"));
    let page;
    try {
      page = await g.client.scanMapState(job.id, entry.queryableName, key, t.keyType, descriptor, {
        pageSize,
        cursor,
        prefix,
        from,
        to,
        ...(t.namespaceType === undefined ? {} : { namespace, namespaceType: t.namespaceType }),
        timeoutMs: g.limits.timeoutMs,
      });
    } catch (e) {
      throw namingEntry(e, entry);
    }
    nextLink(c, page.cursor);
    return c.json({
      job: jobRef,
      state: entry.state.name,
      key: toJsonValue(key),
      ...(namespace === undefined ? {} : { namespace: toJsonValue(namespace) }),
      entries: page.entries.map(([k, v]) => ({ userKey: toJsonValue(k), value: toJsonValue(v) })),
      cursor: page.cursor ?? null,
    }, 200, NO_STORE);
  });

  /** `?keyGroups=FROM-TO` (inclusive). */
  function keyGroupsOf(text: string | undefined): { from: number; to: number } | undefined {
    if (text === undefined) return undefined;
    const m = /^(\d{1,10})-(\d{1,10})$/.exec(text);
    const from = Number(m?.[1]), to = Number(m?.[2]);
    if (m === null || from > to || to > 0x7fffffff) {
      throw new InvalidArgumentError(`keyGroups must be FROM-TO, two key groups with FROM ≤ TO (e.g. 0-63), got ${JSON.stringify(text)}.`);
    }
    return { from, to };
  }

  /** `?pageSize=` (default 1000, at most `g.limits.maxPageSize`). */
  function pageSizeOf(c: Context): number {
    const text = c.req.query("pageSize");
    if (text === undefined) return Math.min(DEFAULT_PAGE_SIZE, g.limits.maxPageSize);
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError(`pageSize must be a whole number from 1 to ${g.limits.maxPageSize}, got ${JSON.stringify(text)}.`);
    const n = Number(text);
    if (n > g.limits.maxPageSize) {
      throw new InvalidArgumentError(`pageSize ${text} is above the gateway's limit of ${g.limits.maxPageSize}: ask for fewer and follow the cursor to the next page.`);
    }
    return n;
  }

  /** `?cursor=` as a page gave it (base64url); anything else is INVALID_CURSOR before the proxy is asked. */
  function cursorOf(c: Context): string | undefined {
    const text = c.req.query("cursor");
    if (text === undefined) return undefined;
    if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) {
      throw new InvalidCursorError('The cursor is not one a page gave (base64url text expected): pass the "cursor" of the last page as it came, or leave it out to start again.');
    }
    return text;
  }

  /** The namespace of a listing or scan: required for namespaced states (but globalwindow's one value). */
  function requiredNamespace(c: Context, t: CatalogStateTypes): unknown {
    const namespace = g.namespaceOf(c.req.query("namespace"), undefined, t);
    if (namespace === undefined && t.namespaceType !== undefined) {
      throw new InvalidArgumentError(`${t.entry.label} is kept per namespace of ${expression(t.entry.state.namespace)}: give it as ?namespace=… (JSON).`);
    }
    return namespace;
  }

  /** The page size the proxy allows (it says so in its extension handshake); a peer without extensions fails later. */
  async function peerLimit(name: string): Promise<number> {
    const peer = await g.client.peerExtensions({ timeoutMs: g.limits.timeoutMs });
    return peer?.limits.get(name) ?? Infinity;
  }

  /** `Link: <this path with the next cursor>; rel="next"` when there is a next page. */
  function nextLink(c: Context, cursor: string | undefined): void {
    if (cursor === undefined) return;
    const url = new URL(c.req.url);
    url.searchParams.set("cursor", cursor);
    c.header("link", `<${url.pathname}${url.search}>; rel="next"`);
  }

}
