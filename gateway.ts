/**
 * queryable-state/gateway: an HTTP/JSON gateway in front of any queryable-state proxy (a Flink cluster's or ours),
 * with types from a state catalog, and its web console. An entry of its own because it needs the `hono` package
 * (and `@hono/node-server` on Node), optional peer dependencies: `npm install hono @hono/node-server`. The main entry
 * and `queryable-state/protocol` never load them.
 *
 * @example
 * ```ts
 * import { createGateway } from "queryable-state/gateway";
 *
 * // A fetch handler: serve it with Deno.serve, Bun.serve, or serveGateway on any runtime.
 * const gateway = await createGateway({
 *   proxies: "127.0.0.1:9069",
 *   catalog: { catalogVersion: 1, jobs: [{ name: "shop", jobId: "0102030405060708090a0b0c0d0e0f10",
 *     states: [{ name: "clicks", kind: "reducing", key: "string", value: "long" }] }] },
 * });
 * const res = await gateway.fetch(new Request("http://gateway/v1/jobs/shop/states/clicks?key=ada"));
 * console.log(res.status); // 200 with {"job":…,"value":"3"}, or a problem document (404, 503 …)
 * await gateway.close();
 * ```
 * @module
 */

export {
  createGateway,
  type Gateway,
  type GatewayCors,
  type GatewayLimits,
  type GatewayOptions,
  type ServedGateway,
  serveGateway,
  type ServeGatewayOptions,
} from "./src/gateway/gateway.ts";
export {
  AmbiguousJobError,
  type GatewayRequestCode,
  GatewayRequestError,
  JobListingError,
  type Problem,
  problemOf,
  statusOfCode,
  UnknownJobNameError,
} from "./src/gateway/errors.ts";
export { type JobLister, type ListedJob } from "./src/gateway/jobs.ts";
