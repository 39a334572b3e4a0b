/** KvStateLocation ⇄ the JSON the coordinator sends: consecutive key groups held alike, as ranges. */
import { InvalidArgumentError } from "../core/errors.ts";
import { type JobID, KvStateID } from "../core/ids.ts";
import { KeyGroupRange } from "../core/key-groups.ts";
import { KvStateLocation } from "../state/kv-state-location.ts";

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

export function locationFromJson(jobId: JobID, name: string, json: Record<string, unknown>): KvStateLocation {
  const { vertex, numKeyGroups, ranges } = json as unknown as LocationJson;
  if (typeof vertex !== "string" || !Number.isInteger(numKeyGroups) || !Array.isArray(ranges)) {
    throw new InvalidArgumentError("The coordinator sent a malformed location (vertex, numKeyGroups, ranges expected).");
  }
  const location = new KvStateLocation(jobId, vertex, numKeyGroups, name);
  for (const [start, end, id, hostname, port] of ranges) {
    location.registerKvState(new KeyGroupRange(start, end), KvStateID.fromHex(id), { hostname, port });
  }
  return location;
}
