import type { KvStateLocationOracle } from "../proxy/location-oracle.ts";
import { KvStateClientProxy, type KvStateClientProxyOptions } from "../proxy/kv-state-client-proxy.ts";
import { KvStateServer } from "../server/kv-state-server.ts";
import type { ServerTlsOptions, Transport, Endpoint, ClientTlsOptions } from "../net/transport.ts";
import { KvStateRegistry } from "../state/kv-state-registry.ts";
import type { MetricsSource } from "../net/prometheus.ts";

export interface TaskManagerOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** Port spec of the state server. @default 0 */
  serverPort?: number | string;
  /** Port spec of the proxy. @default 0 */
  proxyPort?: number | string;
  transport?: Transport;
  /** Serve TLS on both the state server and the proxy. */
  tls?: ServerTlsOptions;
  /** TLS the proxy uses towards state servers (needed when `tls` is set). */
  clientTls?: ClientTlsOptions;
  /** Proxy tuning (retries, timeout). */
  proxy?: Omit<KvStateClientProxyOptions, "oracle" | "host" | "port" | "transport" | "tls" | "serverTls" | "localServers">;
}

/**
 * One worker: a KvState registry, the state server that serves it, and a client proxy (as
 * every Flink task manager runs both). Starts the server first, then the proxy; stops in
 * the reverse order.
 */
export class TaskManager implements AsyncDisposable {
  readonly index: number;
  readonly registry: KvStateRegistry = new KvStateRegistry();
  readonly server: KvStateServer;
  readonly proxy: KvStateClientProxy;

  /**
   * `colocated`: state servers of other task managers in this process (a LocalCluster's), which
   * this one's proxy may ask in-process as it asks its own server; it also gets this one's server.
   */
  constructor(index: number, oracle: KvStateLocationOracle, options: TaskManagerOptions = {}, colocated?: KvStateServer[]) {
    this.index = index;
    const common = { host: options.host ?? "127.0.0.1", transport: options.transport, tls: options.tls };
    this.server = new KvStateServer({ ...common, port: options.serverPort ?? 0, registry: this.registry });
    const localServers = colocated ?? [];
    localServers.push(this.server);
    this.proxy = new KvStateClientProxy({ ...options.proxy, ...common, port: options.proxyPort ?? 0, oracle, serverTls: options.clientTls, localServers });
  }

  async start(): Promise<void> {
    await this.server.start();
    try {
      await this.proxy.start();
    } catch (e) {
      await this.server.close();
      throw e;
    }
  }

  /** Where the state server listens (what the coordinator hands to proxies). */
  get serverAddress(): Endpoint {
    return this.server.address!;
  }

  /** Where clients send queries. */
  get proxyAddress(): Endpoint {
    return this.proxy.address!;
  }

  /** This task manager's statistics for {@link toPrometheus} / {@link serveMetrics}. */
  metrics(): MetricsSource[] {
    const name = `tm-${this.index}`;
    return [
      { role: "server", name, stats: this.server.stats() },
      { role: "proxy", name, stats: this.proxy.stats() },
      { role: "proxy_forwarding", name, stats: this.proxy.forwardingStats() },
    ];
  }

  async close(options?: { timeoutMs?: number }): Promise<void> {
    await this.proxy.close(options);
    await this.server.close(options);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
