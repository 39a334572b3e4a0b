/** `qstate gateway`: the HTTP/JSON gateway and web console in front of a proxy, until Ctrl-C or SIGTERM. */
import process from "node:process";
import { readFile } from "node:fs/promises";
import { GatewayNotInstalledError, isMissingHono, loadGateway } from "../gateway/load.ts";
import { type Flags, optionalString, positiveInt, UsageError } from "./args.ts";
import type { Command } from "./commands.ts";
import { untilStopped } from "./until-stopped.ts";

async function readPem(flags: Flags, name: string): Promise<string> {
  const file = optionalString(flags, name)!;
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    throw new UsageError(`--${name} ${file}: cannot read it (${(e as Error).message}).`, "gateway");
  }
}

/** `qstate gateway`. */
export const gatewayCommand: Command = {
  name: "gateway",
  summary: "serve states over HTTP/JSON (curl, Python, Go, browsers) and the web console, with types from a catalog",
  details: "GET /v1/jobs/{job}/states/{state}?key=K[&namespace=N], POST …/batch {\"keys\": [...]}, GET /v1/jobs, /openapi.json,\n" +
    "/healthz, /readyz, /metrics; the console at /. {job} is a job id or name (names resolve through the catalog's jobId,\n" +
    "--flink-rest or --coordinator). Bearer tokens come from QSTATE_GATEWAY_TOKENS (comma-separated), never the command\n" +
    "line. Needs the optional packages hono and (on Node) @hono/node-server. With --json it prints one line {\"url\"}.",
  flags: [
    { name: "proxy", value: "HOST:PORT[,HOST:PORT]", help: "the proxy (or proxies, with failover) to query", env: "QSTATE_PROXY", required: true },
    { name: "catalog", value: "FILE", help: "the state catalog (README, \"State catalog\")", env: "QSTATE_CATALOG", required: true },
    { name: "host", value: "HOST", help: "address to listen on", default: "127.0.0.1" },
    { name: "port", value: "PORT", help: "port to listen on (0: a free one)", default: "8080" },
    { name: "flink-rest", value: "URL", help: "Flink's REST API (http://jobmanager:8081): job names resolve through it", env: "QSTATE_FLINK_REST" },
    { name: "coordinator", value: "HOST:PORT[,HOST:PORT]", help: "our coordinator: job names resolve by their states, /route names servers", env: "QSTATE_COORDINATOR" },
    { name: "cors", value: "ORIGINS", help: "origins browsers may call from (comma-separated, or *)" },
    { name: "tls-cert", value: "FILE", help: "serve HTTPS with this certificate (PEM; with --tls-key)" },
    { name: "tls-key", value: "FILE", help: "the certificate's private key (PEM)" },
    { name: "timeout", value: "MS", help: "a query's time limit", default: "10000" },
    { name: "max-batch", value: "N", help: "the most keys one batch may have", default: "1000" },
    { name: "max-body", value: "BYTES", help: "the largest request body", default: "1048576" },
    { name: "max-page-size", value: "N", help: "the most keys or map entries one page of /keys or /scan may ask for", default: "10000" },
    { name: "max-watch-streams", value: "N", help: "the most watch streams (Server-Sent Events) open at once", default: "1000" },
    { name: "duration", value: "SEC", help: "stop after this many seconds" },
    { name: "json", help: "print {\"url\"} as JSON once listening" },
  ],
  examples: [
    "# in front of a Flink cluster's proxy, names resolved through its REST API\n" +
    "qstate gateway --proxy flink-tm:9069 --catalog catalog.json --flink-rest http://flink-jm:8081 --port 8080\n" +
    "curl 'http://127.0.0.1:8080/v1/jobs/shop/states/clicks?key=ada'",
    "# in front of `qstate cluster`, with tokens and CORS for one origin\n" +
    "QSTATE_GATEWAY_TOKENS=\"$(cat /run/secrets/gateway-tokens)\" qstate gateway --proxy 127.0.0.1:9069 --coordinator 127.0.0.1:6124 \\\n" +
    "  --catalog catalog.json --cors https://ops.example.com",
  ],
  async run(f) {
    const port = optionalString(f, "port")!;
    if (!/^\d+$/.test(port) || Number(port) > 65535) throw new UsageError(`--port must be a port number, got '${port}'.`, "gateway");
    if ((f["tls-cert"] === undefined) !== (f["tls-key"] === undefined)) throw new UsageError("--tls-cert and --tls-key go together.", "gateway");
    const duration = optionalString(f, "duration");
    if (duration !== undefined && !(Number(duration) > 0)) throw new UsageError(`--duration must be a positive number of seconds, got '${duration}'.`, "gateway");
    const corsText = optionalString(f, "cors");
    const tokens = (process.env.QSTATE_GATEWAY_TOKENS ?? "").split(",").map((t) => t.trim()).filter((t) => t !== "");
    const tls = f["tls-cert"] === undefined ? undefined : { cert: await readPem(f, "tls-cert"), key: await readPem(f, "tls-key") };
    const { serveGateway } = await loadGateway();
    let served;
    try {
      served = await serveGateway({
        proxies: f.proxy as string,
        catalog: f.catalog as string,
        host: f.host as string,
        port: Number(port),
        flinkRest: optionalString(f, "flink-rest"),
        coordinator: optionalString(f, "coordinator"),
        cors: corsText === undefined ? undefined : { origins: corsText.trim() === "*" ? "*" : corsText.split(",").map((o) => o.trim()).filter(Boolean) },
        tokens,
        tls,
        limits: {
          timeoutMs: positiveInt(f, "timeout", "gateway"),
          maxBatchKeys: positiveInt(f, "max-batch", "gateway"),
          maxBodyBytes: positiveInt(f, "max-body", "gateway"),
          maxPageSize: positiveInt(f, "max-page-size", "gateway"),
          maxWatchStreams: positiveInt(f, "max-watch-streams", "gateway"),
        },
      });
    } catch (e) {
      if (isMissingHono(e)) throw new GatewayNotInstalledError({ cause: e });
      const code = (e as { code?: string }).code;
      // A catalog or an option that cannot be used is a mistake in the flags.
      if (code === "CATALOG" || code === "INVALID_ARGUMENT") throw new UsageError((e as Error).message, "gateway", { code, cause: e });
      throw e;
    }
    if (f.json) process.stdout.write(JSON.stringify({ url: served.url }) + "\n");
    else {
      process.stdout.write(
        `qstate gateway: listening on ${served.url} (console at ${served.url}/, API at ${served.url}/openapi.json)` +
          `${tokens.length > 0 ? `, ${tokens.length} bearer token(s)` : ""}; Ctrl-C stops\n`,
      );
    }
    await untilStopped(duration === undefined ? undefined : Number(duration));
    await served.close();
    return 0;
  },
};
