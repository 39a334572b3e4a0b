import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  defaultTransport,
  estimateQuantile,
  LATENCY_BUCKETS_MS,
  LocalCluster,
  QueryableStateClient,
  reducingState,
  longSerializer,
  serveMetrics,
  stringSerializer,
  toPrometheus,
  type RequestStats,
} from "../../mod.ts";
import { parseMetrics, statsJson, statsTable } from "../../src/cli/stats.ts";
import { StatsCounter } from "../../src/net/stats.ts";

/** Stats with real recorded latencies: 7 successes (0.1 ms ×4, 2 ms ×2, 40 ms), 3 failures, 2 connections. */
function sampleStats(): RequestStats {
  const s = new StatsCounter();
  s.activeConnections = 2;
  s.requests = 10;
  s.failed = 3;
  for (const ms of [0.1, 0.1, 0.1, 0.1, 2, 2, 40]) s.reportSuccess(100, 100 + ms);
  return s.snapshot();
}

interface Family {
  help?: string;
  type?: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

/** A strict reader of the text format (0.0.4): every sample must follow its family's HELP and TYPE. */
function readExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: string | undefined;
  assert.ok(text.endsWith("\n"), "ends with a newline");
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      const f = families.get(meta[2]) ?? { samples: [] };
      families.set(meta[2], f);
      if (meta[1] === "HELP") {
        assert.equal(f.help, undefined, `one HELP for ${meta[2]}`);
        f.help = meta[3];
      } else {
        assert.equal(f.type, undefined, `one TYPE for ${meta[2]}`);
        assert.equal(f.samples.length, 0, `TYPE of ${meta[2]} before its samples`);
        f.type = meta[3];
      }
      current = meta[2];
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_]\w*="(?:[^"\\]|\\.)*",?)*)\} (\S+)$/.exec(line);
    assert.ok(m, `a well-formed sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of m[2].matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    const f = families.get(current!);
    assert.ok(f, `sample ${m[1]} after a TYPE line`);
    const suffix = m[1].slice(current!.length);
    assert.ok(m[1].startsWith(current!) && (suffix === "" || (f.type === "histogram" && ["_bucket", "_sum", "_count"].includes(suffix))), `${m[1]} belongs to ${current}`);
    const value = m[3] === "+Inf" ? Infinity : Number(m[3]);
    assert.ok(!Number.isNaN(value), line);
    f.samples.push({ name: m[1], labels, value });
  }
  return families;
}

describe("toPrometheus", () => {
  test("every family has HELP and TYPE; counters end in _total, gauges and histograms do not", () => {
    const families = readExposition(toPrometheus([{ role: "proxy", name: "tm-0", stats: sampleStats() }]));
    assert.deepEqual(
      [...families].map(([name, f]) => [name, f.type]),
      [
        ["qstate_active_connections", "gauge"],
        ["qstate_requests_total", "counter"],
        ["qstate_requests_successful_total", "counter"],
        ["qstate_requests_failed_total", "counter"],
        ["qstate_request_latency_seconds", "histogram"],
      ],
    );
    for (const [name, f] of families) {
      assert.ok(f.help && f.help.length > 5, `HELP of ${name}`);
      assert.equal(name.endsWith("_total"), f.type === "counter", name);
    }
    const one = (name: string) => families.get(name)!.samples.map((s) => s.value);
    assert.deepEqual(one("qstate_active_connections"), [2]);
    assert.deepEqual(one("qstate_requests_total"), [10]);
    assert.deepEqual(one("qstate_requests_successful_total"), [7]);
    assert.deepEqual(one("qstate_requests_failed_total"), [3]);
  });

  test("the latency histogram: cumulative, monotone buckets up to +Inf, _count equal to it and to the successes, _sum in seconds", () => {
    const stats = [sampleStats(), new StatsCounter().snapshot()];
    const text = toPrometheus([{ role: "server", name: "tm-0", stats: stats[0] }, { role: "client", name: "idle", stats: stats[1] }]);
    const h = readExposition(text).get("qstate_request_latency_seconds")!;
    for (const [i, name] of ["tm-0", "idle"].entries()) {
      const mine = h.samples.filter((s) => s.labels.name === name);
      const buckets = mine.filter((s) => s.name.endsWith("_bucket"));
      const les = buckets.map((b) => b.labels.le);
      assert.deepEqual(les, [...LATENCY_BUCKETS_MS.map((ms) => String(ms / 1000)), "+Inf"]);
      for (let b = 1; b < buckets.length; b++) assert.ok(buckets[b].value >= buckets[b - 1].value, `monotone at le=${les[b]}`);
      const count = mine.find((s) => s.name.endsWith("_count"))!.value;
      const sum = mine.find((s) => s.name.endsWith("_sum"))!.value;
      assert.equal(count, buckets.at(-1)!.value, "_count is the +Inf bucket");
      assert.equal(count, stats[i].successful);
      assert.ok(Math.abs(sum - stats[i].successfulLatencyMs / 1000) < 1e-12);
      // Each bucket holds what the stats counted up to its bound.
      let cumulative = 0;
      buckets.forEach((b, k) => assert.equal(b.value, cumulative += stats[i].latencyBuckets[k]));
    }
    const at = (le: string) => h.samples.find((s) => s.labels.name === "tm-0" && s.labels.le === le)!.value;
    assert.deepEqual([at("0.00005"), at("0.0001"), at("0.002"), at("0.03"), at("0.05"), at("+Inf")], [0, 4, 6, 6, 7, 7]);
  });

  test("labels are escaped", () => {
    const text = toPrometheus([{ role: "proxy", name: 'tm-"0"\\\n', stats: sampleStats() }]);
    assert.match(text, /^qstate_requests_total\{role="proxy",name="tm-\\"0\\"\\\\\\n"\} 10$/m);
    const rows = parseMetrics(text);
    assert.equal([...rows.values()][0].name, 'tm-"0"\\\n');
  });
});

describe("qstate stats' reading of the exposition", () => {
  test("rows carry the counts, the mean and p50/p90/p99 estimated from the buckets, in the table and as JSON", () => {
    const stats = sampleStats();
    const rows = parseMetrics(toPrometheus([{ role: "server", name: "tm-1", stats }, { role: "client", name: "idle", stats: new StatsCounter().snapshot() }]));
    const row = rows.get("server tm-1")!;
    assert.deepEqual([row.role, row.name, row.connections, row.requests, row.successful, row.failed], ["server", "tm-1", 2, 10, 7, 3]);
    const l = row.latencyMs!;
    assert.ok(Math.abs(l.mean - stats.averageLatencyMs) < 1e-9);
    for (const [q, got] of [[0.5, l.p50], [0.9, l.p90], [0.99, l.p99]] as const) {
      assert.ok(Math.abs(got! - estimateQuantile(LATENCY_BUCKETS_MS, stats.latencyBuckets, q)) < 1e-9, `p${q * 100}`);
    }
    assert.ok(l.p50! > 0.075 && l.p50! <= 0.1, String(l.p50));
    assert.ok(l.p99! > 30 && l.p99! <= 50, String(l.p99));
    assert.equal(rows.get("client idle")!.latencyMs, null);

    const table = statsTable(rows);
    assert.match(table, /^role +name +connections +requests +successful +failed +mean ms +p50 ms +p90 ms +p99 ms$/m);
    assert.match(table, new RegExp(`^server +tm-1 +2 +10 +7 +3 +${l.mean.toFixed(3)} +${l.p50!.toFixed(3)} +${l.p90!.toFixed(3)} +${l.p99!.toFixed(3)}$`, "m"));
    assert.match(table, /^client +idle +0 +0 +0 +0 +- +- +- +-$/m);

    const json = JSON.parse(statsJson(rows));
    assert.deepEqual(Object.keys(json), ["server tm-1", "client idle"]);
    assert.equal(json["server tm-1"].successful, 7);
    assert.deepEqual(Object.keys(json["server tm-1"].latencyMs), ["mean", "p50", "p90", "p99"]);
    assert.ok(Math.abs(json["server tm-1"].latencyMs.p99 - l.p99!) <= 0.0005);
    assert.equal(json["client idle"].latencyMs, null);
  });

  test("an endpoint without buckets (an older qstate) still gives the mean, and no percentiles", () => {
    const rows = parseMetrics(
      'qstate_requests_successful_total{role="proxy",name="tm-0"} 4\nqstate_request_latency_seconds_sum{role="proxy",name="tm-0"} 0.002\n',
    );
    assert.deepEqual(rows.get("proxy tm-0")!.latencyMs, { mean: 0.5, p50: null, p90: null, p99: null });
  });
});

/** Sends `bytes` on a raw connection and returns everything the peer sent until it closed. */
async function rawExchange(port: number, bytes: Uint8Array): Promise<string> {
  const conn = await (await defaultTransport()).connect({ hostname: "127.0.0.1", port });
  const chunks: Uint8Array[] = [];
  const ended = new Promise<void>((resolve) => conn.onData((c) => chunks.push(c), resolve));
  conn.write(bytes);
  await Promise.race([ended, conn.closed]);
  await conn.close();
  return new TextDecoder().decode(Uint8Array.from(chunks.flatMap((c) => [...c])));
}

const text = (s: string) => new TextEncoder().encode(s);

describe("serveMetrics", () => {
  test("GET /metrics answers a LocalCluster's figures; HEAD the headers; 404 elsewhere, 405 for other methods", async () => {
    await using cluster = await LocalCluster.start({ taskManagers: 2 });
    await using endpoint = await serveMetrics({ sources: () => cluster.metrics() });
    const base = `http://127.0.0.1:${endpoint.addr.port}`;
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
    const rows = parseMetrics(await res.text());
    assert.deepEqual([...rows.keys()].sort(), ["proxy tm-0", "proxy tm-1", "proxy_forwarding tm-0", "proxy_forwarding tm-1", "server tm-0", "server tm-1"]);
    const head = await fetch(`${base}/metrics`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    await missing.text();
    const post = await fetch(`${base}/metrics`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.text();
  });

  test("bytes that are not HTTP get 400 at once; a head above 8 KiB gets 431; every answer closes the connection", async () => {
    await using endpoint = await serveMetrics({ sources: () => [] });
    const port = endpoint.addr.port;
    // The first bytes of a queryable-state request frame: length, then the version magic.
    const binary = await rawExchange(port, new Uint8Array([0, 0, 0, 0x2c, 0x79, 0xa1, 0xb7, 0x10, 0, 0, 0, 0, 0, 0, 0, 1]));
    assert.match(binary, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(binary, /Connection: close\r\n/i);
    assert.match(binary, /\r\n\r\nThis is a Prometheus metrics endpoint \(HTTP\): GET \/metrics\. Queryable-state clients connect to a proxy port instead\.\n$/);
    assert.match(await rawExchange(port, text("hello\r\n\r\n")), /^HTTP\/1\.1 400 /);
    const big = await rawExchange(port, text(`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(9000)}\r\n\r\n`));
    assert.match(big, /^HTTP\/1\.1 431 /);
    const ok = await rawExchange(port, text("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert.match(ok, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(ok, /Connection: close\r\n/i);
    assert.match(ok, /# TYPE qstate_request_latency_seconds histogram\n$/);
  });

  test("a client pointed at the metrics port fails with the HTTP-peer error, not a timeout", async () => {
    await using endpoint = await serveMetrics({ sources: () => [] });
    const client = new QueryableStateClient("127.0.0.1", endpoint.addr.port, { requestTimeoutMs: 120_000 });
    try {
      const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer);
      await assert.rejects(
        client.getKvState("0".repeat(32), "counts", "a", stringSerializer, counts),
        (e: unknown) => {
          const err = e as { code?: string; message?: string };
          assert.equal(err.code, "FRAME_TOO_LARGE", String(e));
          assert.match(err.message!, /^The peer is an HTTP server \(it answered "HTTP"\), not a queryable-state server or proxy/);
          return true;
        },
      );
    } finally {
      await client.close();
    }
  });
});
