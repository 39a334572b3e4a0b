// A client with several proxies routes around a frozen or slow one: a per-attempt deadline below the
// query's, moving on, demotion with probes, hedging; late answers never reach another query.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  ConnectError,
  defaultTransport,
  type DiagnosticEvent,
  InvalidArgumentError,
  JobID,
  type Listener,
  QueryableStateClient,
  RequestAbortedError,
  RequestTimeoutError,
  serializeValue,
  stringSerializer,
  UnknownKeyOrNamespaceError,
  valueState,
} from "../../mod.ts";
import { FrameDecoder, KvStateRequest, KvStateResponse, ServerBase } from "../../protocol.ts";
import { eventually } from "../helpers/eventually.ts";
import { FakeClock, settlesAt } from "../helpers/fake-clock.ts";

const JOB = JobID.fromHex("0123456789abcdef0011223344556677");
const names = valueState("names", stringSerializer);

/**
 * A proxy that answers `<its name>:<request number>` (so an answer says who gave it and to which
 * request), or holds its answers until `release()`, or says a key is unknown.
 */
class TestProxy {
  readonly server: ServerBase<KvStateRequest>;
  mode: "answer" | "hold" | "unknown-key" = "answer";
  received = 0;
  readonly #held: (() => void)[] = [];

  readonly name: string;

  constructor(name: string) {
    this.name = name;
    this.server = new ServerBase("Queryable State Proxy Server", {
      decode: KvStateRequest.decode,
      handle: () => {
        const n = ++this.received;
        const answer = () => new KvStateResponse(serializeValue(`${this.name}:${n}`, stringSerializer)!);
        if (this.mode === "unknown-key") throw UnknownKeyOrNamespaceError.forServer("Queryable State Server");
        if (this.mode === "hold") return new Promise((resolve) => this.#held.push(() => resolve(answer())));
        return answer();
      },
    }, { shutdownTimeoutMs: 100 });
  }

  async start(): Promise<string> {
    const { hostname, port } = await this.server.start();
    return `${hostname}:${port}`;
  }

  /** Sends every held answer now (late). */
  release(): void {
    for (const r of this.#held.splice(0)) r();
  }

  close(): Promise<void> {
    this.release();
    return this.server.close();
  }
}

/** A frozen proxy: the kernel accepts connections, nothing ever answers. Counts the requests it got. */
async function silentServer(): Promise<{ listener: Listener; address: string; received: () => number }> {
  const t = await defaultTransport();
  let received = 0;
  const listener = await t.listen({
    hostname: "127.0.0.1",
    port: 0,
    onConnection(conn) {
      const d = new FrameDecoder();
      conn.onData((chunk) => {
        d.push(chunk);
        while (d.next() !== undefined) received++;
      }, () => {});
    },
  });
  return { listener, address: `127.0.0.1:${listener.addr.port}`, received: () => received };
}

/**
 * Waits until a server got `n` requests: the fake clock must not pass an attempt's deadline before the
 * attempt is on the wire (real connects take real time).
 */
function arrived(count: () => number, n: number): Promise<void> {
  return eventually(`${n} request(s) at the server`, () => assert.equal(count(), n));
}

/** A loopback address nobody listens on. */
async function deadAddress(): Promise<string> {
  const p = new TestProxy("dead");
  const a = await p.start();
  await p.close();
  return a;
}

describe("QueryableStateClient routing over several proxies", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });
  async function proxies(...names: string[]): Promise<{ p: TestProxy[]; addresses: string[] }> {
    const p = names.map((n) => new TestProxy(n));
    const addresses = await Promise.all(p.map((x) => x.start()));
    cleanup.push(...p.map((x) => () => x.close()));
    return { p, addresses };
  }
  const ask = (client: QueryableStateClient, options = {}) =>
    client.getKvState(JOB, "names", "ada", stringSerializer, names, options).then((s) => s.value());

  test("a frozen preferred proxy costs one attempt deadline, then is demoted; it is probed alongside later", async () => {
    const silent = await silentServer();
    cleanup.push(() => silent.listener.close());
    const { p, addresses } = await proxies("b", "c");
    const clock = new FakeClock();
    const events: DiagnosticEvent[] = [];
    const client = new QueryableStateClient([silent.address, ...addresses], { clock, requestTimeoutMs: 10_000, diagnostics: (e) => events.push(e) });
    cleanup.push(() => client.close());
    // Default attempt deadline: a third of 10 s, at most 2 s.
    const first = ask(client);
    await arrived(() => silent.received(), 1);
    assert.equal(await settlesAt(clock, 2000, first, "the first query"), "b:1");
    assert.equal(silent.received(), 1);
    const failover = events.find((e) => e.type === "failover");
    assert.ok(failover !== undefined && failover.type === "failover" && failover.error instanceof RequestTimeoutError);
    // Demoted: the next queries go to b at once, the frozen one is not asked.
    assert.equal(await ask(client), "b:2");
    assert.equal(await ask(client), "b:3");
    assert.equal(silent.received(), 1);
    // After its demotion (2 s), a query also probes it, and is answered by b without waiting for the probe.
    await clock.tick(2000);
    assert.equal(await ask(client), "b:4");
    await eventually("the probe at the frozen proxy", () => assert.equal(silent.received(), 2));
    // Only one probe at a time.
    assert.equal(await ask(client), "b:5");
    assert.equal(silent.received(), 2);
    // The probe times out: demoted again, for twice as long (4 s).
    await clock.tick(2000);
    await clock.tick(3999);
    assert.equal(await ask(client), "b:6");
    assert.equal(silent.received(), 2);
    await clock.tick(1);
    assert.equal(await ask(client), "b:7");
    await eventually("the second probe", () => assert.equal(silent.received(), 3));
    assert.equal(p[1].received, 0);
  });

  /** Proxies a and b; a holds the first query, which fails over to b after its 1 s attempt (a fake clock's). */
  async function failedOverFromHeldA() {
    const { p, addresses } = await proxies("a", "b");
    const clock = new FakeClock();
    const client = new QueryableStateClient(addresses, { clock, requestTimeoutMs: 9000, attemptTimeoutMs: 1000 });
    cleanup.push(() => client.close());
    p[0].mode = "hold";
    const first = ask(client);
    await arrived(() => p[0].received, 1);
    assert.equal(await settlesAt(clock, 1000, first, "the query"), "b:1");
    return { p, clock, client };
  }

  test("a demoted proxy that answers a probe is preferred again once it answers first", async () => {
    const { p, clock, client } = await failedOverFromHeldA();
    p[0].mode = "answer";
    p[0].release(); // the late answer to the abandoned attempt: dropped
    await clock.tick(2000);
    assert.equal(await ask(client), "b:2"); // probes a alongside
    await eventually("the probe answered", () => assert.equal(p[0].received, 2));
    // a is healthy again, but b answered last: b stays preferred until it fails.
    assert.equal(await ask(client), "b:3");
    await p[1].close();
    assert.equal(await ask(client), "a:3");
    assert.equal(await ask(client), "a:4");
  });

  test("a late answer of an abandoned attempt never reaches another query", async () => {
    const { p, client } = await failedOverFromHeldA();
    // b goes away; the next query finds a (demoted, asked last) and its own answer, not the held one.
    await p[1].close();
    const second = ask(client);
    await eventually("the second query at a", () => assert.equal(p[0].received, 2));
    p[0].release(); // a:1, the answer to the first query's abandoned attempt, arrives first
    assert.equal(await second, "a:2");
  });

  test("hedging: a second proxy is asked after hedgeAfterMs; the first answer wins, the other is cancelled", async () => {
    const { p, addresses } = await proxies("a", "b");
    const clock = new FakeClock();
    const client = new QueryableStateClient(addresses, { clock, requestTimeoutMs: 9000, hedgeAfterMs: 50 });
    cleanup.push(() => client.close());
    p[0].mode = "hold";
    const first = ask(client);
    await arrived(() => p[0].received, 1);
    assert.equal(await settlesAt(clock, 50, first, "the hedged query"), "b:1");
    assert.equal(p[0].received, 1);
    // The slow proxy was not demoted by the cancelled attempt, and its late answer is dropped.
    p[0].release();
    p[0].mode = "answer";
    const stats = client.stats();
    assert.equal(stats.requests, 2);
    assert.equal(stats.successful, 1);
    assert.equal(stats.failed, 1); // the cancelled attempt
    // A quick answer needs no hedge.
    assert.equal(await ask(client), "b:2");
    assert.equal(p[0].received, 1);
  });

  test("a remote failure is an answer: it is not asked elsewhere", async () => {
    const { p, addresses } = await proxies("a", "b");
    const client = new QueryableStateClient(addresses, { requestTimeoutMs: 9000 });
    cleanup.push(() => client.close());
    p[0].mode = "unknown-key";
    await assert.rejects(ask(client), UnknownKeyOrNamespaceError);
    assert.equal(p[1].received, 0);
  });

  test("nothing answers: TIMEOUT with the query's deadline, naming what was tried; an abort ends the query at once", async () => {
    const s1 = await silentServer();
    const s2 = await silentServer();
    cleanup.push(() => s1.listener.close(), () => s2.listener.close());
    const clock = new FakeClock();
    const client = new QueryableStateClient([s1.address, s2.address], { clock, requestTimeoutMs: 3000, attemptTimeoutMs: 1000 });
    cleanup.push(() => client.close());
    const first = ask(client);
    await arrived(() => s1.received(), 1);
    await clock.tick(1000);
    await arrived(() => s2.received(), 1);
    await assert.rejects(settlesAt(clock, 2000, first, "the query"), (e: unknown) => {
      assert.ok(e instanceof RequestTimeoutError, String(e));
      assert.equal(e.timeoutMs, 3000);
      assert.ok(e.message.includes(s1.address) && e.message.includes(s2.address), e.message);
      return true;
    });
    const ac = new AbortController();
    const before = s1.received() + s2.received();
    const aborted = ask(client, { signal: ac.signal });
    await eventually("the query on the wire", () => assert.equal(s1.received() + s2.received(), before + 1));
    ac.abort(new Error("user gave up"));
    await assert.rejects(aborted, RequestAbortedError);
    // Per-query deadline, and options checked.
    await assert.rejects(settlesAt(clock, 500, ask(client, { timeoutMs: 500 }), "the short query"), (e: unknown) => e instanceof RequestTimeoutError && e.timeoutMs === 500);
    for (const bad of [{ attemptTimeoutMs: 0 }, { hedgeAfterMs: -1 }, { demotionMs: Number.NaN }]) {
      assert.throws(() => new QueryableStateClient([s1.address, s2.address], bad), InvalidArgumentError);
    }
  });

  test("real sockets: with the preferred proxy frozen, every query is answered by the healthy ones", async () => {
    const silent = await silentServer();
    cleanup.push(() => silent.listener.close());
    const { addresses } = await proxies("b", "c");
    const dead = await deadAddress();
    const client = new QueryableStateClient([silent.address, dead, ...addresses], { requestTimeoutMs: 30_000, attemptTimeoutMs: 300 });
    cleanup.push(() => client.close());
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(client)));
    for (const a of answers) assert.match(a!, /^b:\d+$/);
    for (let i = 0; i < 20; i++) assert.match((await ask(client))!, /^b:\d+$/);
    const nowhere = new QueryableStateClient([dead, await deadAddress()], { requestTimeoutMs: 30_000 });
    cleanup.push(() => nowhere.close());
    await assert.rejects(nowhere.getKvState(JOB, "names", "x", stringSerializer, names), ConnectError);
  });
});
