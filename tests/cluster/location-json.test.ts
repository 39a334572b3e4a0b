// The coordinator's location JSON comes from another process: nothing malformed reaches the routing table.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { JobID, KeyGroupRange, KvStateID, KvStateLocation } from "../../mod.ts";
import { locationFromJson, locationToJson } from "../../src/cluster/location-json.ts";

const JOB = JobID.fromHex("0102030405060708090a0b0c0d0e0f10");

describe("location JSON", () => {
  test("round trip, ranges of consecutive key groups held alike", () => {
    const l = new KvStateLocation(JOB, "v", 8, "s");
    const id = new KvStateID(1n, 2n);
    l.registerKvState(new KeyGroupRange(0, 3), id, { hostname: "h", port: 1 });
    l.registerKvState(new KeyGroupRange(4, 7), id, { hostname: "h", port: 2 });
    const json = JSON.parse(JSON.stringify(locationToJson(l)));
    assert.deepEqual(json.ranges, [[0, 3, id.toString(), "h", 1], [4, 7, id.toString(), "h", 2]]);
    const back = locationFromJson(JOB, "s", json);
    assert.equal(back.numRegisteredKeyGroups, 8);
    assert.deepEqual(back.getKvStateServerAddress(5), { hostname: "h", port: 2 });
  });

  test("malformed members are refused with INVALID_ARGUMENT", () => {
    const id = new KvStateID(1n, 2n).toString();
    const bad: unknown[] = [
      {},
      JSON.parse('{"__proto__":{"vertex":"v","numKeyGroups":4,"ranges":[]}}'), // inherited members are not members
      { vertex: "v", numKeyGroups: 4, ranges: [[0, 1, id, "h"]] },
      { vertex: "v", numKeyGroups: 4, ranges: [[0, 1, id, { host: "h" }, 1]] },
      { vertex: "v", numKeyGroups: 4, ranges: [["0", 1, id, "h", 1]] },
      { vertex: "v", numKeyGroups: 4, ranges: [[0, 1, id, "h", 70000]] },
      { vertex: "v", numKeyGroups: 4, ranges: [[0, 9, id, "h", 1]] },
      { vertex: "v", numKeyGroups: 4, ranges: [null] },
    ];
    for (const json of bad) {
      assert.throws(() => locationFromJson(JOB, "s", json as Record<string, unknown>), { code: "INVALID_ARGUMENT" }, JSON.stringify(json));
    }
  });
});
