/** `host:port` text ⇄ endpoints, and lists of them (`"h1:p1,h2:p2"`). */
import { InvalidArgumentError } from "../core/errors.ts";
import type { Endpoint } from "./transport.ts";

/** Splits `host:port` (IPv6 as `[::1]:port`). */
export function parseHostPort(text: string): Endpoint {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`Invalid address '${text}': use HOST:PORT, e.g. 127.0.0.1:9069.`);
  return { hostname: m[1], port };
}

/** Addresses as one comma-separated string or a list of `host:port` strings or endpoints. */
export function parseAddressList(list: string | readonly (string | Endpoint)[]): Endpoint[] {
  const items = typeof list === "string" ? list.split(",").map((s) => s.trim()).filter((s) => s !== "") : list;
  const out = items.map((a) => typeof a === "string" ? parseHostPort(a) : a);
  if (out.length === 0) throw new InvalidArgumentError("No address given: pass at least one HOST:PORT.");
  return out;
}

/** `host:port`, IPv6 in brackets. */
export function formatHostPort(a: Endpoint): string {
  // A socket reset right after accept can leave the runtime without a peer address: never throw here,
  // this runs on error paths.
  const host = typeof a?.hostname === "string" && a.hostname !== "" ? a.hostname : "unknown-host";
  const port = typeof a?.port === "number" ? a.port : "?";
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
