/** `qstate local` and `qstate demo`: an embedded cluster running the demo job. */
import process from "node:process";
import { QueryableStateClient } from "../client/queryable-state-client.ts";
import { LocalCluster } from "../cluster/local-cluster.ts";
import type { JobClient } from "../cluster/running-job.ts";
import { serveMetrics } from "../net/metrics-endpoint.ts";
import { formatHostPort } from "../transport/address.ts";
import { stringSerializer } from "../types/string-serializer.ts";
import { untilStopped } from "./until-stopped.ts";
import { DEMO_STATES, DEMO_USERS, demoJob, type DemoEvent, demoStateLines, eventCounts, lastEvent } from "./demo-job.ts";
import { UnknownKeyOrNamespaceError } from "../protocol/remote-errors.ts";

const EXAMPLE_KEYS = DEMO_USERS.slice(0, 4);

async function startDemo(taskManagers: number, host: string) {
  const cluster = await LocalCluster.start({ taskManagers, host });
  const job = cluster.submit(demoJob());
  const proxy = cluster.proxyAddresses[0];
  const client = new QueryableStateClient(proxy.hostname, proxy.port, { requestTimeoutMs: 5000 });
  // Report only keys that already have values, so whoever reads our output can query them.
  const until = Date.now() + 10_000;
  for (const key of EXAMPLE_KEYS) {
    for (;;) {
      try {
        await client.getKvState(job.jobId, "event-counts", key, stringSerializer, eventCounts);
        break;
      } catch (e) {
        if (Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
  return { cluster, job, client };
}

export async function runLocal(o: { taskManagers: number; host: string; json: boolean; seconds?: number; metricsPort?: number }): Promise<void> {
  const { cluster, job, client } = await startDemo(o.taskManagers, o.host);
  const proxies = cluster.proxyAddresses.map((a) => formatHostPort(a));
  const metrics = o.metricsPort === undefined
    ? undefined
    : await serveMetrics({ host: o.host, port: o.metricsPort, sources: () => [...cluster.metrics(), { role: "client", name: "demo", stats: client.stats() }] });
  const metricsAt = metrics && formatHostPort(metrics.addr);
  if (o.json) {
    process.stdout.write(JSON.stringify({ jobId: job.jobId.toString(), proxies, states: DEMO_STATES, keys: EXAMPLE_KEYS, ...(metricsAt ? { metrics: metricsAt } : {}) }) + "\n");
  } else {
    process.stdout.write(
      `LocalCluster with ${cluster.taskManagers.length} task manager(s) running "${job.name}"\n` +
        `  job id:   ${job.jobId}\n  proxies:  ${proxies.join(", ")}\n` +
        `  keys:     ${EXAMPLE_KEYS.join(", ")} (string)\n` +
        (metricsAt ? `  metrics:  http://${metricsAt}/metrics (qstate stats --metrics ${metricsAt})\n` : "") + "\n" +
        `Its queryable states, and a query to try on each (npm run qstate -- get ... in a checkout):\n` +
        demoStateLines(proxies[0], job.jobId.toString(), EXAMPLE_KEYS[0]) +
        `\nStop with Ctrl-C.\n`,
    );
  }
  await untilStopped(o.seconds);
  await metrics?.close();
  await client.close();
  await cluster.close();
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ")).join("\n");
}

/**
 * What the demo's table shows for a key whose query failed: "(no events yet)" when the job has not seen the
 * key (UNKNOWN_KEY_OR_NAMESPACE is no error here), else the error's code.
 */
export function failureCell(e: unknown): string {
  if (e instanceof UnknownKeyOrNamespaceError) return "(no events yet)";
  return (e as { code?: string }).code ?? String(e);
}

async function snapshot(client: QueryableStateClient, job: JobClient<DemoEvent, string>): Promise<string[][]> {
  const rows = await Promise.all(DEMO_USERS.map(async (user) => {
    try {
      const [count, last] = await Promise.all([
        client.getKvState(job.jobId, "event-counts", user, stringSerializer, eventCounts),
        client.getKvState(job.jobId, "last-event", user, stringSerializer, lastEvent),
      ]);
      return [user, String(count.get()), String(last.value())];
    } catch (e) {
      return [user, "-", failureCell(e)];
    }
  }));
  return [["key", "events", "last event"], ...rows];
}

/** `npm start`: the demo with a table of live query results, refreshed every second. */
export async function runDemo(o: { taskManagers: number; host: string; seconds?: number }): Promise<void> {
  const { cluster, job, client } = await startDemo(o.taskManagers, o.host);
  const tty = process.stdout.isTTY === true;
  const proxy = formatHostPort(cluster.proxyAddresses[0]);
  process.stdout.write(`Job ${job.jobId} counts events per user on ${cluster.taskManagers.length} task managers; ` +
    `each refresh queries ${DEMO_USERS.length * 2} keys through the proxy at ${proxy}. Ctrl-C stops.\n` +
    `From another terminal, query its states (npm run qstate -- get ... in a checkout):\n` +
    demoStateLines(proxy, job.jobId.toString(), EXAMPLE_KEYS[0]) + "\n");
  let stopped = false;
  const stop = untilStopped(o.seconds).then(() => (stopped = true));
  let shown = 0; // lines the last refresh drew
  while (!stopped) {
    const lines = table(await snapshot(client, job)).split("\n");
    if (tty) {
      // Redraw in place: clear each line (values may get shorter) and fit a short terminal.
      const room = Math.max(2, (process.stdout.rows ?? lines.length + 4) - 4);
      const fitted = lines.length > room ? [...lines.slice(0, room - 1), `… ${lines.length - room + 1} more rows (enlarge the terminal)`] : lines;
      if (shown > 0) process.stdout.write(`\x1b[${shown}A`);
      process.stdout.write(fitted.map((l) => `\x1b[2K${l}`).join("\n") + "\n");
      if (fitted.length < shown) process.stdout.write("\x1b[J"); // erase what the taller last table left below
      shown = fitted.length;
    } else process.stdout.write(lines.join("\n") + "\n\n");
    await Promise.race([stop, new Promise((r) => setTimeout(r, 1000))]);
  }
  const s = client.stats();
  process.stdout.write(`\nStopped. ${s.successful} queries answered (mean ${s.averageLatencyMs.toFixed(2)} ms, p99 ${s.p99LatencyMs.toFixed(2)} ms).\n`);
  await client.close();
  await cluster.close();
}
