/** KvStateLocation ⇄ the JSON the coordinator sends: consecutive key groups held alike, as ranges. */
import { InvalidArgumentError } from "../core/errors.ts";
import { type JobID, KvStateID } from "../core/ids.ts";
import { KeyGroupRange } from "../core/key-groups.ts";
import { KvStateLocation } from "../state/kv-state-location.ts";
import { getOwn } from "../core/records.ts";

/** `[start, end, kvStateId hex, host, port]` */
export type LocationRange = [number, number, string, string, number];

export interface LocationJson {
  vertex: string;
  numKeyGroups: number;
  ranges: LocationRange[];
}

export function locationToJson(location: KvStateLocation): LocationJson {
  const ranges: LocationRange[] = [];
  let open: LocationRange | undefined;
  for (let kg = 0; kg < location.numKeyGroups; kg++) {
    const id = location.getKvStateID(kg);
    const address = location.getKvStateServerAddress(kg);
    if (id === null || address === null) {
      open = undefined;
      continue;
    }
    const hex = id.toString();
    if (open !== undefined && open[2] === hex && open[3] === address.hostname && open[4] === address.port && open[1] === kg - 1) {
      open[1] = kg;
    } else {
      open = [kg, kg, hex, address.hostname, address.port];
      ranges.push(open);
    }
  }
  return { vertex: location.jobVertexId, numKeyGroups: location.numKeyGroups, ranges };
}

/**
 * The location the coordinator sent. Every member is checked (the JSON is another process's): own properties
 * only, integer key groups, a string host and a TCP port, so nothing malformed reaches the routing tables.
 */
export function locationFromJson(jobId: JobID, name: string, json: Record<string, unknown>): KvStateLocation {
  const vertex = getOwn(json, "vertex"), numKeyGroups = getOwn(json, "numKeyGroups"), ranges = getOwn(json, "ranges");
  if (typeof vertex !== "string" || !Number.isInteger(numKeyGroups) || !Array.isArray(ranges)) {
    throw malformed("vertex, numKeyGroups, ranges expected");
  }
  const location = new KvStateLocation(jobId, vertex, numKeyGroups as number, name);
  for (const range of ranges as unknown[]) {
    if (!Array.isArray(range) || range.length !== 5) throw malformed(`a range is not [start, end, kvStateId, host, port]: ${JSON.stringify(range)}`);
    const [start, end, id, hostname, port] = range as unknown[];
    const ok = Number.isInteger(start) && Number.isInteger(end) && typeof id === "string" && typeof hostname === "string" &&
      Number.isInteger(port) && (port as number) >= 0 && (port as number) <= 65535;
    if (!ok) throw malformed(`a range is not [start, end, kvStateId, host, port]: ${JSON.stringify(range)}`);
    location.registerKvState(new KeyGroupRange(start as number, end as number), KvStateID.fromHex(id as string), { hostname: hostname as string, port: port as number });
  }
  return location;
}

function malformed(why: string): InvalidArgumentError {
  return new InvalidArgumentError(`The coordinator sent a malformed location (${why}).`);
}
