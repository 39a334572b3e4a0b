// The gateway's watch (issue 23) over real HTTP on the runtime running this test: Server-Sent Events read with fetch and
// a stream reader — the current values, then each change with its resume version as the event id; Last-Event-ID resumes;
// heartbeats; a map prefix; the upstream poll released when the HTTP client goes away; mistakes and a proxy that cannot
// watch as problem documents; every answer checked against the gateway's OpenAPI document.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { detectRuntime } from "../../mod.ts";
import { type ServedGateway, serveGateway } from "../../gateway.ts";
import { LocalCluster } from "../../src/cluster/local-cluster.ts";
import { mapState, reducingState } from "../../src/state/descriptors.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { formatHostPort } from "../../src/transport/address.ts";
import { startDeployment } from "../helpers/batch-setup.ts";
import { eventually } from "../helpers/eventually.ts";
import { OpenApiChecker } from "../helpers/openapi.ts";
import { fedSource } from "../helpers/fed-source.ts";

const runtime = detectRuntime();
const clicks = reducingState("clicks", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "clicks" });
const pages = mapState("pages", stringSerializer, longSerializer, { queryable: "pages" });
type Visit = [user: string, page: string];

interface SseEvent { id?: string; event?: string; data?: string }

/** Reads Server-Sent Events from a response body: events, and the comment lines seen. */
function sse(res: Response): { next(): Promise<SseEvent>; comment(): Promise<string>; comments: string[]; cancel(): Promise<void> } {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const comments: string[] = [];
  const stream = {
    comments,
    /** The next comment line (a heartbeat), skipping events. */
    async comment(): Promise<string> {
      const before = comments.length;
      while (comments.length === before) await stream.next(true);
      return comments[before];
    },
    async next(untilComment = false): Promise<SseEvent> {
      const before = comments.length;
      for (;;) {
        if (untilComment && comments.length > before) return {};
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e: SseEvent = {};
          let hasField = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else {
              const at = line.indexOf(":");
              const field = line.slice(0, at), value = line.slice(at + 1).replace(/^ /, "");
              if (field === "id" || field === "event" || field === "data") {
                e[field] = value;
                hasField = true;
              }
            }
          }
          if (hasField && e.event !== undefined) return e;
          continue;
        }
        const { done, value } = await reader.read();
        if (done) throw new Error(`the stream ended (${buffer})`);
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
  return stream;
}

describe(`gateway watch (Server-Sent Events), on ${runtime}`, () => {
  let cluster: LocalCluster, served: ServedGateway, openapi: OpenApiChecker, jobId: string;
  const { source, push } = fedSource<Visit>();
  const held = () => cluster.taskManagers.reduce((n, tm) => n + tm.server.watchStats().heldPolls, 0);

  before(async () => {
    cluster = await LocalCluster.start({ taskManagers: 2 });
    const job = cluster.submit({
      name: "visits",
      parallelism: 2,
      sources: [source],
      keyBy: (v: Visit) => v[0],
      keyType: stringSerializer,
      steps: [{
        name: "visits",
        states: [clicks, pages],
        process: (v, ctx) => {
          ctx.state(clicks).add(1n);
          const p = ctx.state(pages);
          p.put(v[1], (p.get(v[1]) ?? 0n) + 1n);
        },
      }],
    });
    jobId = job.jobId.toString();
    served = await serveGateway({
      proxies: cluster.proxyAddresses.map(formatHostPort).join(","),
      catalog: {
        catalogVersion: 1,
        jobs: [{
          name: "visits",
          jobId,
          states: [{ name: "clicks", kind: "reducing", key: "string", value: "long" }, { name: "pages", kind: "map", key: "string", userKey: "string", value: "long" }],
        }],
      },
      port: 0,
      watchHeartbeatMs: 50,
    });
    openapi = new OpenApiChecker(await (await fetch(`${served.url}/openapi.json`)).json());
    push(["ada", "/docs/a"]);
  });
  after(async () => {
    await served?.close();
    await cluster?.close();
  });

  /** Opens a watch stream; its status and headers are checked against the OpenAPI document. */
  async function open(path: string, headers: Record<string, string> = {}, signal?: AbortSignal) {
    const url = `${served.url}${path}`;
    const res = await fetch(url, { headers, signal });
    assert.equal(res.status, 200, await (res.status === 200 ? "" : res.text()));
    openapi.check("GET", url, res.status, res.headers.get("content-type") ?? "", "");
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    return sse(res);
  }

  const data = (e: SseEvent) => JSON.parse(e.data!);

  test("the current values, then each change with its resume version as id; heartbeats; Last-Event-ID resumes", async () => {
    const stream = await open("/v1/jobs/visits/states/clicks/watch?key=ada&key=bob");
    const first = await stream.next();
    assert.equal(first.event, "change");
    const d1 = data(first);
    assert.deepEqual([d1.key, d1.value, d1.state, d1.job.name], ["ada", "1", "clicks", "visits"]);
    assert.equal(first.id, d1.resumeVersion);
    push(["bob", "/"]);
    const d2 = data(await stream.next());
    assert.deepEqual([d2.key, d2.value], ["bob", "1"]);
    assert.equal(await stream.comment(), "heartbeat");
    const lastId = d2.resumeVersion;
    await stream.cancel();
    await eventually("the upstream poll is released", () => assert.equal(held(), 0), 10_000);
    // While nobody watches: ada changes. Reconnecting with Last-Event-ID delivers it (bob may come again: at least once).
    push(["ada", "/"]);
    const again = await open("/v1/jobs/visits/states/clicks/watch?key=ada&key=bob", { "last-event-id": lastId });
    const seen: string[] = [];
    while (!seen.includes("ada=2")) {
      const e = data(await again.next());
      seen.push(`${e.key}=${e.value}`);
    }
    assert.ok(seen.every((s) => ["ada=2", "bob=1"].includes(s)), seen.join(" "));
    await again.cancel();
  });

  test("a map prefix: one event per changed entry", async () => {
    const ac = new AbortController();
    const stream = await open("/v1/jobs/visits/states/pages/watch?key=ada&prefix=%2Fdocs", {}, ac.signal);
    const first = data(await stream.next());
    assert.deepEqual([first.key, first.userKey, first.value], ["ada", "/docs/a", "1"]);
    push(["ada", "/blog"]);
    push(["ada", "/docs/b"]);
    const next = data(await stream.next());
    assert.deepEqual([next.userKey, next.value], ["/docs/b", "1"]);
    openapi.check("GET", `${served.url}/v1/jobs/visits/states/pages/watch`, 400, "application/problem+json", JSON.stringify({ type: "urn:queryable-state:error:INVALID_ARGUMENT", title: "t", status: 400, detail: "d", code: "INVALID_ARGUMENT" }));
    // The HTTP client goes away (an abort): the gateway releases its upstream poll.
    await eventually("a poll is held", () => assert.equal(held(), 1));
    ac.abort();
    await eventually("the upstream poll is released", () => assert.equal(held(), 0), 10_000);
  });

  test("mistakes are problem documents", async () => {
    const problem = async (path: string, status: number, code: string, headers: Record<string, string> = {}) => {
      const url = `${served.url}${path}`;
      const res = await fetch(url, { headers });
      const text = await res.text();
      openapi.check("GET", url, res.status, res.headers.get("content-type") ?? "", text);
      assert.equal(res.status, status, text);
      assert.equal(JSON.parse(text).code, code);
    };
    await problem("/v1/jobs/visits/states/clicks/watch", 400, "INVALID_ARGUMENT");
    await problem("/v1/jobs/visits/states/clicks/watch?key=ada&prefix=x", 400, "INVALID_ARGUMENT");
    await problem("/v1/jobs/visits/states/pages/watch?key=ada&key=bob&prefix=x", 400, "INVALID_ARGUMENT");
    await problem("/v1/jobs/visits/states/clicks/watch?key=ada", 400, "INVALID_ARGUMENT", { "last-event-id": "nope" });
    await problem("/v1/jobs/visits/states/nope/watch?key=ada", 404, "NOT_IN_CATALOG");
    const res = await fetch(`${served.url}/v1/jobs/visits/states/clicks/watch?key=ada`, { method: "POST" });
    await res.body?.cancel();
    assert.equal(res.status, 405);
  });

  test("streams beyond maxWatchStreams: 429 TOO_MANY_STREAMS with Retry-After; a closed stream frees its place", async () => {
    const gw = await serveGateway({
      proxies: cluster.proxyAddresses.map(formatHostPort).join(","),
      catalog: { catalogVersion: 1, jobs: [{ name: "visits", jobId, states: [{ name: "clicks", kind: "reducing", key: "string", value: "long" }] }] },
      port: 0,
      limits: { maxWatchStreams: 1 },
    });
    const url = `${gw.url}/v1/jobs/visits/states/clicks/watch?key=ada`;
    try {
      const stop = new AbortController();
      const first = await fetch(url, { signal: stop.signal });
      assert.equal(first.status, 200);
      const second = await fetch(url);
      const text = await second.text();
      assert.equal(second.status, 429, text);
      assert.equal(JSON.parse(text).code, "TOO_MANY_STREAMS");
      assert.equal(second.headers.get("retry-after"), "5");
      const doc = new OpenApiChecker(await (await fetch(`${gw.url}/openapi.json`)).json());
      doc.check("GET", url, second.status, second.headers.get("content-type") ?? "", text);
      stop.abort();
      await first.body?.cancel().catch(() => {});
      let again: Response | undefined;
      for (let i = 0; i < 100; i++) {
        again = await fetch(url);
        if (again.status === 200) break;
        await again.body?.cancel();
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(again!.status, 200);
      await again!.body?.cancel();
    } finally {
      await gw.close();
    }
  });

  test("a proxy that cannot watch: 501 UNSUPPORTED_BY_PEER", async () => {
    const d = await startDeployment(4, { extensions: false });
    const gw = await serveGateway({ proxies: formatHostPort(d.proxyAddress), catalog: { catalogVersion: 1, jobs: [{ name: "j", jobId: d.jobId.toString(), states: [{ name: "counts", kind: "value", key: "string", value: "long" }] }] }, port: 0 });
    try {
      const res = await fetch(`${gw.url}/v1/jobs/j/states/counts/watch?key=user-1`);
      const text = await res.text();
      openapi.check("GET", `${gw.url}/v1/jobs/j/states/counts/watch`, res.status, res.headers.get("content-type") ?? "", text);
      assert.equal(res.status, 501, text);
      assert.equal(JSON.parse(text).code, "UNSUPPORTED_BY_PEER");
    } finally {
      await gw.close();
      await d.close();
    }
  });
});
