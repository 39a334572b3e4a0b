// Versions and freshness of the heap backend (issue 23): per state and key group, strictly increasing with every
// write (also within one millisecond and when the clock steps back), time-based, untouched by writes elsewhere;
// progress and staleness from the runner's `progress`.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { computeKeyGroupForKeyHash, KeyGroupRange } from "../../src/core/key-groups.ts";
import { InvalidArgumentError } from "../../src/core/errors.ts";
import { HeapKeyedStateBackend } from "../../src/state/keyed-state-backend.ts";
import { listState, mapState, valueState } from "../../src/state/descriptors.ts";
import { NoCurrentKeyError } from "../../src/state/errors.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";

const kgOf = (user: string) => computeKeyGroupForKeyHash(stringSerializer.hashCode(user), 128);

function backend(clock: { t: number; progress?: number }) {
  return new HeapKeyedStateBackend({
    keySerializer: stringSerializer,
    keyGroupRange: new KeyGroupRange(0, 127),
    numberOfKeyGroups: 128,
    now: () => clock.t,
    progress: () => clock.progress ?? clock.t,
  });
}

describe("state versions and freshness", () => {
  test("time-based, strictly increasing per state and key group; other key groups and states untouched", () => {
    const clock = { t: 1000 };
    const b = backend(clock);
    const v = b.getState(valueState("v", longSerializer, { queryable: "v" }));
    const other = b.getState(listState("l", longSerializer));
    assert.equal(b.freshness("v", kgOf("ada"))!.version, 0n);
    assert.equal(b.freshness("v", kgOf("ada"))!.lastUpdateMs, null);
    b.setCurrentKey("ada");
    v.update(1n);
    assert.equal(b.version("v"), 1000n << 16n);
    v.update(2n); // same millisecond
    assert.equal(b.version("v"), (1000n << 16n) | 1n);
    clock.t = 1005;
    v.update(3n);
    assert.equal(b.version("v"), 1005n << 16n);
    clock.t = 900; // the clock steps back: the version still moves on
    v.update(4n);
    assert.equal(b.version("v"), (1005n << 16n) | 1n);
    v.clear();
    assert.equal(b.version("v"), (1005n << 16n) | 2n);
    assert.equal(b.freshness("v", kgOf("ada"))!.lastUpdateMs, 1005);
    assert.equal(b.version("l"), 0n, "another state of the same key");
    b.setCurrentKey("bob");
    assert.notEqual(kgOf("bob"), kgOf("ada"));
    assert.equal(b.version("v"), 0n, "another key group");
    other.add(1n);
    assert.equal(b.freshness("v", kgOf("bob"))!.version, 0n);
    // The KvState a state server registers reports the same.
    const [entry] = b.queryableStates();
    assert.equal(entry.kvState.freshness!(kgOf("ada"))!.version, (1005n << 16n) | 2n);
  });

  test("65,536 writes within one millisecond roll into the next, still increasing", () => {
    const clock = { t: 5 };
    const b = backend(clock);
    const m = b.getState(mapState("m", stringSerializer, longSerializer));
    b.setCurrentKey("ada");
    let last = -1n;
    for (let i = 0; i < 70_000; i++) {
      m.put("k", BigInt(i));
      const v = b.version("m");
      assert.ok(v > last);
      last = v;
    }
    assert.equal(last >> 16n, 6n);
  });

  test("progress and staleness; key groups outside the range and unknown states", () => {
    const clock: { t: number; progress?: number } = { t: 10_000, progress: 9_200 };
    const b = new HeapKeyedStateBackend({
      keySerializer: stringSerializer,
      keyGroupRange: new KeyGroupRange(0, 63),
      numberOfKeyGroups: 128,
      now: () => clock.t,
      progress: () => clock.progress!,
    });
    b.getState(valueState("v", longSerializer));
    const f = b.freshness("v", 3)!;
    assert.equal(f.asOfMs, 9_200);
    assert.equal(f.stalenessMs, 800);
    clock.progress = 20_000; // never ahead of now
    assert.equal(b.freshness("v", 3)!.asOfMs, 10_000);
    assert.equal(b.freshness("v", 3)!.stalenessMs, 0);
    assert.equal(b.freshness("v", 64), undefined);
    assert.equal(b.freshness("nope", 3), undefined);
    assert.throws(() => b.version("v"), NoCurrentKeyError);
    assert.throws(() => b.version("nope"), InvalidArgumentError);
  });
});
