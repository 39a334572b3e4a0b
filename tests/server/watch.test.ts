// Hostile WATCH frames (issue 23) against our state server and proxy, over real sockets: truncated and mutated
// payloads, impossible counts, unknown flags, limits, ops meant for the other role, cancels of polls that do not exist.
// Each is answered as bad input is (an extension answer: FAILED or UNSUPPORTED), nothing is held, and the same
// connection then answers a valid watch.
import assert from "node:assert/strict";
import process from "node:process";
import { describe, test } from "node:test";
import { computeKeyGroupForKeyHash } from "../../src/core/key-groups.ts";
import { KvStateID } from "../../src/core/ids.ts";
import { Client } from "../../src/net/client.ts";
import { decodeExtensionAnswer, EXTENSION_ID, EXTENSION_STATE_NAME, type ExtensionAnswer, ExtStatus } from "../../src/protocol/extensions.ts";
import { KvStateInternalRequest, KvStateRequest, KvStateResponse } from "../../src/protocol/messages.ts";
import { errorFromJavaThrowable } from "../../src/protocol/remote-errors.ts";
import { ChangeTag, encodeWatch, encodeWatchCancel, encodeWatchInternal, readWatchAnswer, readWatchInternalAnswer, WatchOp } from "../../src/protocol/watch.ts";
import { serializeKeyAndNamespace } from "../../src/state/kv-state-serializer.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../../src/types/void-namespace.ts";
import { Rng } from "../helpers/random.ts";
import { eventually } from "../helpers/eventually.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { KvStateServer } from "../../src/server/kv-state-server.ts";
import { HeapKeyedStateBackend } from "../../src/state/keyed-state-backend.ts";
import { KeyGroupRange } from "../../src/core/key-groups.ts";
import { counts, halfOf, NUM_KEY_GROUPS, startWatchDeployment } from "../helpers/watch-setup.ts";

const key = (user: string) => serializeKeyAndNamespace(user, stringSerializer, VoidNamespace, voidNamespaceSerializer);
const STATE_ID = KvStateID.random();

/** Where the wait field begins: the first byte in which a body with no wait and one with a wait differ. */
function waitAt(noWaitBody: Uint8Array, waitingBody: Uint8Array): number {
  let i = 0;
  while (noWaitBody[i] === waitingBody[i]) i++;
  return i;
}

/** A fuzzed body that is still a valid poll with a positive wait would be held, as it should: its wait goes back to 0. */
function noWait(p: Uint8Array, at: number): void {
  if (p.length >= at + 4 && new DataView(p.buffer, p.byteOffset).getInt32(at) > 0) p.fill(0, at, at + 4);
}

describe("hostile watch frames", () => {
  test("the state server answers each as bad input, holds nothing, and keeps the connection", async () => {
    const d = await startWatchDeployment();
    const events: string[] = [];
    await using client = new Client("t", KvStateResponse.decode, { requestTimeoutMs: 5000, diagnostics: (e) => events.push(e.type) });
    try {
      const half = halfOf("ada");
      const server = d.addresses[half];
      const kvStateId = d.idOf(half, "counts");
      const ask = async (p: Uint8Array, op: number): Promise<ExtensionAnswer> =>
        decodeExtensionAnswer((await client.sendRequest(server, new KvStateInternalRequest(EXTENSION_ID, p))).content, op);
      const keyGroup = computeKeyGroupForKeyHash(stringSerializer.hashCode("ada"), NUM_KEY_GROUPS);
      const watch = (o: { flags?: number; n?: number; prefix?: Uint8Array | null; waitMs?: number; id?: Uint8Array; keyGroup?: number } = {}) =>
        encodeWatchInternal({
          flags: o.flags ?? 0,
          waitMs: o.waitMs ?? 0,
          pollId: 1n,
          keys: Array.from({ length: o.n ?? 1 }, () => ({ kvStateId: o.id ?? kvStateId.toBytes(), keyGroup: o.keyGroup ?? keyGroup, fromVersion: 0n, keyAndNamespace: key("ada") })),
          prefix: o.prefix ?? null,
        });
      const expectFailed = async (p: Uint8Array, code: string) => {
        const a = await ask(p, WatchOp.WATCH_INTERNAL);
        assert.equal(a.status, ExtStatus.FAILED);
        if (a.status === ExtStatus.FAILED) assert.equal(errorFromJavaThrowable(a.failure).code, code, a.failure.message ?? "");
      };
      await expectFailed(watch({ flags: 4 }), "BAD_REQUEST");
      await expectFailed(watch({ n: 0 }), "BAD_REQUEST");
      await expectFailed(watch({ n: 4097 }), "BAD_REQUEST");
      await expectFailed(watch({ n: 2, prefix: new Uint8Array([0, 1, 0x2f]) }), "BAD_REQUEST");
      await expectFailed(watch({ id: KvStateID.random().toBytes() }), "UNKNOWN_KV_STATE_ID");
      await expectFailed(watch({ keyGroup: half === 0 ? 100 : 1 }), "UNKNOWN_KEY_GROUP_LOCATION");
      await expectFailed(watch().subarray(0, 30), "BAD_REQUEST");
      await expectFailed(new Uint8Array([1, WatchOp.WATCH_INTERNAL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff]), "BAD_REQUEST");
      // Meant for a proxy.
      assert.equal((await ask(encodeWatch({ jobId: d.jobId.toBytes(), stateName: "counts", flags: 0, waitMs: 0, pollId: 1n, keys: [], prefix: null }), WatchOp.WATCH)).status, ExtStatus.UNSUPPORTED);
      // A cancel of a poll that is not held: OK, nothing happens.
      assert.equal((await ask(encodeWatchCancel(12345n, true), WatchOp.WATCH_CANCEL_INTERNAL)).status, ExtStatus.OK);
      const rng = new Rng(Number(process.env.QSTATE_FUZZ_SEED ?? 0) || undefined);
      const base = watch();
      for (let i = 0; i < 200; i++) {
        const p = base.slice(0, rng.int(0, base.length));
        for (let m = rng.int(0, 3); m > 0 && p.length > 0; m--) p[rng.int(0, p.length - 1)] = rng.int(0, 255);
        noWait(p, waitAt(base, watch({ waitMs: 0x01010101 })));
        const r = await client.sendRequest(server, new KvStateInternalRequest(EXTENSION_ID, p)).catch((e) => {
          throw new Error(`seed ${rng.seed}, frame ${i}: ${e}`, { cause: e });
        });
        assert.equal(r.content[0], 1, `seed ${rng.seed}: an extension answer`);
      }
      assert.equal(d.servers[half].watchStats().heldPolls, 0);
      // The same connection: a held poll answered by a write.
      const held = ask(watch({ waitMs: 20_000 }), WatchOp.WATCH_INTERNAL);
      d.add("ada", 3n);
      const from = d.add("ada", 1n);
      const heldAfter = ask(encodeWatchInternal({ flags: 0, waitMs: 20_000, pollId: 2n, keys: [{ kvStateId: kvStateId.toBytes(), keyGroup, fromVersion: from, keyAndNamespace: key("ada") }], prefix: null }), WatchOp.WATCH_INTERNAL);
      await eventually("the poll is held", () => assert.equal(d.servers[half].watchStats().heldPolls, 1));
      const v = d.add("ada", 5n);
      const b = await heldAfter;
      assert.equal(b.status, ExtStatus.OK);
      if (b.status === ExtStatus.OK) {
        const c = readWatchInternalAnswer(b.body, 1)[0];
        assert.equal(c.tag, ChangeTag.VALUE);
        if (c.tag === ChangeTag.VALUE) assert.equal(c.version, v);
      }
      const a = await held;
      assert.equal(a.status, ExtStatus.OK);
      if (a.status === ExtStatus.OK) assert.equal(readWatchInternalAnswer(a.body, 1)[0].tag, ChangeTag.VALUE);
      assert.deepEqual(events, ["connected"]);
    } finally {
      await d.close();
    }
  });

  test("the proxy answers each as bad input and keeps the connection", async () => {
    const d = await startWatchDeployment({ maxWatchKeys: 10, maxStateNameLength: 64 });
    const events: string[] = [];
    await using client = new Client("t", KvStateResponse.decode, { requestTimeoutMs: 5000, diagnostics: (e) => events.push(e.type) });
    try {
      const proxy = d.proxyAddress;
      const ask = async (p: Uint8Array, op: number): Promise<ExtensionAnswer> =>
        decodeExtensionAnswer((await client.sendRequest(proxy, new KvStateRequest(EXTENSION_ID, EXTENSION_STATE_NAME, 0, p))).content, op);
      const watch = (o: { flags?: number; n?: number; name?: string; prefix?: Uint8Array | null; waitMs?: number } = {}) =>
        encodeWatch({
          jobId: d.jobId.toBytes(),
          stateName: o.name ?? "counts",
          flags: o.flags ?? 0,
          waitMs: o.waitMs ?? 0,
          pollId: 1n,
          keys: Array.from({ length: o.n ?? 1 }, () => ({ keyHash: stringSerializer.hashCode("ada"), fromVersion: 0n, keyAndNamespace: key("ada") })),
          prefix: o.prefix ?? null,
        });
      assert.equal((await ask(watch({ flags: 2 }), WatchOp.WATCH)).status, ExtStatus.UNSUPPORTED);
      for (const bad of [watch({ n: 0 }), watch({ n: 11 }), watch({ n: 2, prefix: new Uint8Array(1) }), watch({ name: "n".repeat(65) }), watch().subarray(0, 40)]) {
        const a = await ask(bad, WatchOp.WATCH);
        assert.equal(a.status, ExtStatus.FAILED);
        if (a.status === ExtStatus.FAILED) assert.equal(errorFromJavaThrowable(a.failure).code, "BAD_REQUEST");
      }
      const unknownState = await ask(watch({ name: "nope" }), WatchOp.WATCH);
      assert.equal(unknownState.status, ExtStatus.FAILED);
      if (unknownState.status === ExtStatus.FAILED) assert.equal(errorFromJavaThrowable(unknownState.failure).code, "UNKNOWN_STATE_NAME");
      // Meant for a state server.
      assert.equal((await ask(encodeWatchInternal({ flags: 0, waitMs: 0, pollId: 1n, keys: [], prefix: null }), WatchOp.WATCH_INTERNAL)).status, ExtStatus.UNSUPPORTED);
      assert.equal((await ask(encodeWatchCancel(5n), WatchOp.WATCH_CANCEL)).status, ExtStatus.OK);
      const rng = new Rng(Number(process.env.QSTATE_FUZZ_SEED ?? 0) || undefined);
      const base = watch();
      for (let i = 0; i < 200; i++) {
        const p = base.slice(0, rng.int(0, base.length));
        for (let m = rng.int(0, 3); m > 0 && p.length > 0; m--) p[rng.int(0, p.length - 1)] = rng.int(0, 255);
        noWait(p, waitAt(base, watch({ waitMs: 0x01010101 })));
        const r = await client.sendRequest(proxy, new KvStateRequest(EXTENSION_ID, EXTENSION_STATE_NAME, 0, p)).then((x) => x, (e) => e);
        assert.ok(r instanceof KvStateResponse && r.content[0] === 1, `seed ${rng.seed}: ${r}`);
      }
      d.add("ada", 1n);
      const ok = await ask(watch(), WatchOp.WATCH);
      assert.equal(ok.status, ExtStatus.OK);
      if (ok.status === ExtStatus.OK) assert.equal(readWatchAnswer(ok.body, 1).changes[0].tag, ChangeTag.VALUE);
      assert.deepEqual(events, ["connected"]);
      assert.equal(d.servers[0].watchStats().heldPolls + d.servers[1].watchStats().heldPolls, 0);
    } finally {
      await d.close();
    }
  });
});

describe("a state server's held polls (in-process)", () => {
  test("exact answers once a state is watched: a neighbour's write wakes nothing; the wait ends on the clock; idle recording stops", async () => {
    const clock = new FakeClock();
    const server = new KvStateServer({ clock });
    const backend = new HeapKeyedStateBackend({
      keySerializer: stringSerializer,
      keyGroupRange: new KeyGroupRange(0, NUM_KEY_GROUPS - 1),
      numberOfKeyGroups: NUM_KEY_GROUPS,
      onQueryableState: (e) => server.registry.register(e.kvState, { id: STATE_ID }),
    });
    const c = backend.getState(counts);
    const keyGroupOf = (u: string) => computeKeyGroupForKeyHash(stringSerializer.hashCode(u), NUM_KEY_GROUPS);
    // A neighbour: another key in ada's key group.
    let neighbour = "";
    for (let i = 0; neighbour === ""; i++) if (keyGroupOf(`n-${i}`) === keyGroupOf("ada")) neighbour = `n-${i}`;
    const poll = (fromVersion: bigint, waitMs: number, signal?: AbortSignal) =>
      server.watchLocally({ flags: 0, waitMs, pollId: 1n, keys: [{ kvStateId: STATE_ID.toBytes(), keyGroup: keyGroupOf("ada"), fromVersion, keyAndNamespace: key("ada") }], prefix: null }, signal);
    backend.setCurrentKey("ada");
    c.add(1n);
    // From 0, before the state was watched: the current value, at the key group's version.
    const first = await poll(0n, 0);
    assert.ok("changes" in first && first.changes[0].tag === ChangeTag.VALUE);
    const resume = first.changes[0].resumeVersion;
    assert.equal(server.watchStats().trackedStates, 1);
    // Held; a neighbour's write leaves it held; ada's write answers it with that write's version.
    const held = poll(resume, 10_000);
    assert.ok(held instanceof Promise);
    assert.equal(server.watchStats().heldPolls, 1);
    backend.setCurrentKey(neighbour);
    c.add(7n);
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(server.watchStats().heldPolls, 1, "a neighbour's write does not answer the poll");
    backend.setCurrentKey("ada");
    c.add(2n);
    const v = backend.version("counts");
    const woken = await held;
    assert.ok("changes" in woken);
    const change = woken.changes[0];
    assert.equal(change.tag, ChangeTag.VALUE);
    if (change.tag === ChangeTag.VALUE) assert.equal(change.version, v);
    // Nothing changes: the wait ends on the server's clock, with the key's resume version moved on.
    const quiet = poll(change.resumeVersion, 5000);
    assert.equal(server.watchStats().heldPolls, 1);
    await clock.tick(5000);
    const empty = await quiet;
    assert.ok("changes" in empty && empty.changes[0].tag === ChangeTag.UNCHANGED && empty.changes[0].resumeVersion >= change.resumeVersion);
    assert.equal(clock.pending, 0, "no timer left behind");
    // An abort answers a held poll at once.
    const ac = new AbortController();
    const aborted = poll(empty.changes[0].resumeVersion, 5000, ac.signal);
    ac.abort();
    assert.ok("changes" in await aborted);
    assert.equal(server.watchStats().heldPolls, 0);
    // A minute without polls: the next write ends the recording (writes cost nothing more).
    await clock.tick(61_000);
    backend.setCurrentKey("ada");
    c.add(1n);
    assert.equal(server.watchStats().trackedStates, 0);
    await server.close();
  });
});
