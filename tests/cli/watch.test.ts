// `qstate watch` (issue 23): one line per change (text, or NDJSON with --json) as a job writes, a map prefix, resuming
// with --from-version, Ctrl-C ending with exit 0; mistakes exit 2. Against a LocalCluster fed by the test, with the CLI
// on the runtime running this test.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { LocalCluster } from "../../src/cluster/local-cluster.ts";
import { formatHostPort } from "../../src/transport/address.ts";
import { mapState, reducingState } from "../../src/state/descriptors.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { qstate, run, runtime } from "../helpers/cli.ts";
import { fedSource } from "../helpers/fed-source.ts";

const clicks = reducingState("clicks", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "clicks" });
const pages = mapState("pages", stringSerializer, longSerializer, { queryable: "pages" });

type Visit = [user: string, page: string];

/** Lines a child prints, one at a time. */
function lines(child: ChildProcess): () => Promise<string> {
  let buffer = "";
  const ready: string[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  child.stdout!.on("data", (d) => {
    buffer += d;
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      ready.push(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
    wake?.();
  });
  child.on("close", () => {
    ended = true;
    wake?.();
  });
  return async () => {
    while (ready.length === 0) {
      if (ended) throw new Error("qstate watch ended");
      await new Promise<void>((r) => (wake = r));
    }
    return ready.shift()!;
  };
}

/**
 * The exit code after Ctrl-C. Deno's node:child_process reports a child it sent a signal to as ended by that signal
 * (code null) even when the child handled it and exited 0 (checked with Deno.Command, which reports 0): there, the
 * child's clean end shows as an empty standard error.
 */
function exitedAfterSigint(child: ChildProcess): Promise<number | null> {
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  return new Promise((resolve) =>
    child.on("close", (code, signal) => resolve(code === null && signal === "SIGINT" && runtime === "deno" && err === "" ? 0 : code))
  );
}

describe(`qstate watch, on ${runtime}`, () => {
  let cluster: LocalCluster;
  let jobId: string;
  let proxy: string;
  const { source, push } = fedSource<Visit>();
  before(async () => {
    cluster = await LocalCluster.start({ taskManagers: 2 });
    const job = cluster.submit({
      parallelism: 2,
      sources: [source],
      keyBy: (v: Visit) => v[0],
      keyType: stringSerializer,
      steps: [{
        name: "visits",
        states: [clicks, pages],
        process: (v, ctx) => {
          ctx.state(clicks).add(1n);
          const p = ctx.state(pages);
          p.put(v[1], (p.get(v[1]) ?? 0n) + 1n);
        },
      }],
    });
    jobId = job.jobId.toString();
    proxy = cluster.proxyAddresses.map(formatHostPort).join(",");
    push(["ada", "/docs/a"]);
  });
  after(async () => {
    await cluster?.close();
  });

  const base = (state: string) => ["watch", "--proxy", proxy, "--job", jobId, "--state", state, "--key-type", "string", "--value-type", "long"];

  test("NDJSON: the current value, then each change; Ctrl-C exits 0; --from-version resumes", async () => {
    const child = qstate([...base("clicks"), "--keys", "ada,bob", "--json", "--wait", "2000"]);
    const next = lines(child);
    const first = JSON.parse(await next());
    assert.deepEqual([first.key, first.value], ["ada", "1"]);
    assert.match(first.version, /^\d+$/);
    assert.match(first.resumeVersion, /^\d+$/);
    push(["bob", "/"]);
    const second = JSON.parse(await next());
    assert.deepEqual([second.key, second.value], ["bob", "1"]);
    push(["ada", "/"]);
    const third = JSON.parse(await next());
    assert.deepEqual([third.key, third.value], ["ada", "2"]);
    const end = exitedAfterSigint(child);
    child.kill("SIGINT");
    assert.equal(await end, 0);
    // Resuming after the second line: ada's later change comes (bob's, at the resume point, may come again: at least
    // once), then bob's next change.
    const resumed = qstate([...base("clicks"), "--keys", "ada,bob", "--json", "--from-version", second.resumeVersion]);
    const nextResumed = lines(resumed);
    const seen: string[] = [];
    push(["bob", "/x"]);
    while (!seen.includes("bob=2")) {
      const e = JSON.parse(await nextResumed());
      seen.push(`${e.key}=${e.value}`);
    }
    assert.ok(seen.includes("ada=2"), seen.join(" "));
    assert.ok(seen.every((e) => ["ada=2", "bob=1", "bob=2"].includes(e)), seen.join(" "));
    const resumedEnd = exitedAfterSigint(resumed);
    resumed.kill("SIGINT");
    assert.equal(await resumedEnd, 0);
  });

  test("text, a map prefix: KEY, MAP-KEY, VALUE, VERSION per line", async () => {
    const child = qstate([...base("pages"), "--kind", "map", "--key", "ada", "--prefix", "/docs"]);
    const next = lines(child);
    const [user, page, n, version] = (await next()).split("\t");
    assert.deepEqual([user, page, n], ["ada", "/docs/a", "1"]);
    assert.match(version, /^\d+$/);
    push(["ada", "/blog"]);
    push(["ada", "/docs/b"]);
    assert.deepEqual((await next()).split("\t").slice(0, 3), ["ada", "/docs/b", "1"]);
    const end = exitedAfterSigint(child);
    child.kill("SIGINT");
    assert.equal(await end, 0);
  });

  test("mistakes exit 2", async () => {
    for (const args of [["--key", "ada", "--keys", "a,b"], ["--key", "ada", "--prefix", "/x"], ["--key", "ada", "--from-version", "-1"], ["--key", "ada", "--kind", "set"]]) {
      const r = await run([...base("clicks"), ...args, "--json"], process.env);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    }
  });
});
