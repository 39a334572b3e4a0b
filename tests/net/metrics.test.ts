import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LocalCluster, serveMetrics, toPrometheus } from "../../mod.ts";
import { parseMetrics, statsTable } from "../../src/cli/stats.ts";

const stats = { activeConnections: 2, requests: 10, successful: 7, failed: 3, successfulLatencyMs: 14, averageLatencyMs: 2 };

describe("metrics", () => {
  test("toPrometheus writes the text format: HELP, TYPE, labelled samples, latency in seconds", () => {
    const text = toPrometheus([{ role: "proxy", name: 'tm-"0"', stats }]);
    assert.match(text, /^# HELP qstate_active_connections /m);
    assert.match(text, /^# TYPE qstate_requests_total counter$/m);
    assert.match(text, /^qstate_requests_total\{role="proxy",name="tm-\\"0\\""\} 10$/m);
    assert.match(text, /^qstate_request_latency_seconds_sum\{role="proxy",name="tm-\\"0\\""\} 0\.014$/m);
    const rows = parseMetrics(toPrometheus([{ role: "server", name: "tm-1", stats }]));
    assert.deepEqual(rows.get("server tm-1"), {
      qstate_active_connections: 2,
      qstate_requests_total: 10,
      qstate_requests_successful_total: 7,
      qstate_requests_failed_total: 3,
      qstate_request_latency_seconds_sum: 0.014,
    });
    assert.match(statsTable(rows), /server +tm-1 +2 +10 +7 +3 +2\.000 ms/);
  });

  test("serveMetrics answers GET /metrics over HTTP with a LocalCluster's figures, 404 elsewhere", async () => {
    await using cluster = await LocalCluster.start({ taskManagers: 2 });
    const endpoint = await serveMetrics({ sources: () => cluster.metrics() });
    try {
      const base = `http://127.0.0.1:${endpoint.addr.port}`;
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
      const rows = parseMetrics(await res.text());
      assert.deepEqual([...rows.keys()].sort(), ["proxy tm-0", "proxy tm-1", "proxy_forwarding tm-0", "proxy_forwarding tm-1", "server tm-0", "server tm-1"]);
      const missing = await fetch(`${base}/nope`);
      assert.equal(missing.status, 404);
      await missing.text();
    } finally {
      await endpoint.close();
    }
  });
});
