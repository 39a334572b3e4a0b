import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  computeDefaultMaxParallelism,
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  computeOperatorIndexForKeyGroup,
  InvalidArgumentError,
  KeyGroupRange,
  murmurHash,
} from "../../mod.ts";
import { withSeed } from "../helpers/random.ts";

describe("murmurHash", () => {
  test("matches Flink's reference values", () => {
    assert.equal(murmurHash(42), 1134849565);
    assert.equal(murmurHash(0), 593689054);
    assert.equal(murmurHash(-1), 1982413648);
    assert.equal(murmurHash(-2147483648), 1718298732);
    assert.equal(murmurHash(2147483647), 1653689534);
    assert.equal(murmurHash(99162322), 1715862179);
  });
  test("is never negative", () => {
    withSeed((rng) => {
      for (let i = 0; i < 10000; i++) assert.ok(murmurHash(rng.int32()) >= 0);
    });
  });
});

describe("key groups", () => {
  test("integer keys, maxParallelism 128, parallelism 4 (spec table)", () => {
    const table = [[0, 94, 2], [1, 86, 2], [2, 127, 3], [3, 113, 3], [4, 7, 0], [5, 126, 3], [6, 18, 0], [7, 113, 3], [8, 15, 0], [9, 51, 1]];
    for (const [key, kg, op] of table) {
      assert.equal(computeKeyGroupForKeyHash(key, 128), kg);
      assert.equal(computeOperatorIndexForKeyGroup(128, 4, kg), op);
    }
  });

  test("ranges partition all key groups and agree with operatorIndexForKeyGroup", () => {
    withSeed((rng) => {
      for (let n = 0; n < 50; n++) {
        const maxP = rng.int(1, 4096);
        const p = rng.int(1, Math.min(maxP, 64));
        let next = 0;
        for (let op = 0; op < p; op++) {
          const r = computeKeyGroupRangeForOperatorIndex(maxP, p, op);
          assert.equal(r.startKeyGroup, next);
          for (const kg of [r.startKeyGroup, r.endKeyGroup]) {
            if (r.numberOfKeyGroups > 0) assert.equal(computeOperatorIndexForKeyGroup(maxP, p, kg), op);
          }
          next = r.endKeyGroup + 1;
        }
        assert.equal(next, maxP);
      }
    });
    assert.deepEqual(
      [0, 1, 2].map((i) => computeKeyGroupRangeForOperatorIndex(128, 3, i).toString()),
      ["KeyGroupRange{startKeyGroup=0, endKeyGroup=42}", "KeyGroupRange{startKeyGroup=43, endKeyGroup=85}", "KeyGroupRange{startKeyGroup=86, endKeyGroup=127}"],
    );
  });

  test("invalid parallelism is refused with Flink's messages", () => {
    assert.throws(() => computeKeyGroupRangeForOperatorIndex(128, 0, 0), { message: "Operator parallelism not within bounds: 0" });
    assert.throws(() => computeKeyGroupRangeForOperatorIndex(3, 7, 0), { message: "Maximum parallelism must not be smaller than parallelism." });
    assert.throws(() => computeKeyGroupRangeForOperatorIndex(128, 3, -1), InvalidArgumentError);
    assert.throws(() => computeDefaultMaxParallelism(32769), InvalidArgumentError);
  });

  test("default max parallelism thresholds", () => {
    const cases = [[1, 128], [85, 128], [86, 256], [172, 512], [342, 1024], [684, 2048], [1000, 2048], [1366, 4096], [10924, 32768], [32768, 32768]];
    for (const [p, m] of cases) assert.equal(computeDefaultMaxParallelism(p), m, `p=${p}`);
  });

  test("KeyGroupRange", () => {
    const r = new KeyGroupRange(3, 5);
    assert.deepEqual([...r], [3, 4, 5]);
    assert.equal(r.numberOfKeyGroups, 3);
    assert.ok(r.contains(5) && !r.contains(6));
    assert.equal(KeyGroupRange.EMPTY.numberOfKeyGroups, 0);
    assert.ok(r.equals(new KeyGroupRange(3, 5)));
    assert.throws(() => new KeyGroupRange(-1, 3), InvalidArgumentError);
    assert.throws(() => new KeyGroupRange(5, 2), InvalidArgumentError);
  });
});
