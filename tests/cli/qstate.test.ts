// `qstate local --json` and `qstate get` working together from a shell, on the runtime running
// this test (so across the three test runs: Node, Deno and Bun).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { command, main, qstate, root, run, runtime } from "../helpers/cli.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import process from "node:process";
import { after, before, describe, test } from "node:test";

interface LocalInfo {
  jobId: string;
  proxies: string[];
  states: { name: string; kind: string; keyType: string; valueType: string }[];
  keys: string[];
  metrics: string;
}

describe(`qstate CLI on ${runtime}`, () => {
  let local: ChildProcess;
  let info: LocalInfo;

  before(async () => {
    local = qstate(["local", "--task-managers", "2", "--metrics-port", "0", "--json"]);
    info = await new Promise<LocalInfo>((resolve, reject) => {
      let out = "", err = "";
      const timer = setTimeout(() => reject(new Error(`qstate local printed nothing in 30 s: ${err}`)), 30_000);
      local.stderr!.on("data", (d) => (err += d));
      local.stdout!.on("data", (d) => {
        out += d;
        const line = out.split("\n")[0];
        if (out.includes("\n")) {
          clearTimeout(timer);
          resolve(JSON.parse(line));
        }
      });
      local.on("exit", (code) => reject(new Error(`qstate local exited with ${code}: ${err}`)));
    });
  });

  after(async () => {
    if (local.exitCode !== null || local.signalCode !== null) return;
    const exited = new Promise((r) => local.on("exit", r));
    local.kill("SIGINT");
    await exited;
  });

  test("local --json describes the job", () => {
    assert.match(info.jobId, /^[0-9a-f]{32}$/);
    assert.equal(info.proxies.length, 2);
    for (const p of info.proxies) assert.match(p, /^127\.0\.0\.1:\d+$/);
    assert.ok(info.states.some((s) => s.name === "event-counts" && s.kind === "reducing" && s.keyType === "string" && s.valueType === "long"));
    assert.ok(info.keys.length > 0);
  });

  test("get reads a value, a list and a map through either proxy", async () => {
    const key = info.keys[0];
    for (const proxy of info.proxies) {
      const count = await run(["get", "--proxy", proxy, "--job", info.jobId, "--state", "event-counts", "--key", key, "--key-type", "string", "--value-type", "long", "--json"]);
      assert.equal(count.code, 0, count.stderr);
      const value = JSON.parse(count.stdout).value; // a long: an exact decimal string
      assert.ok(/^\d+$/.test(value) && BigInt(value) > 0n, count.stdout);
    }
    const list = await run(["get", "--proxy", info.proxies[0], "--job", info.jobId, "--state", "recent-events", "--key", key, "--key-type", "string", "--value-type", "string", "--kind", "list", "--json"]);
    assert.equal(list.code, 0, list.stderr);
    assert.ok(Array.isArray(JSON.parse(list.stdout).value));
    const map = await run(["get", "--proxy", info.proxies[1], "--job", info.jobId, "--state", "events-by-type", "--key", key, "--key-type", "string", "--value-type", "long", "--kind", "map"]);
    assert.equal(map.code, 0, map.stderr);
    assert.ok(Object.values(JSON.parse(map.stdout)).every((n) => typeof n === "string" && BigInt(n) > 0n), map.stdout);
  });

  test("stats reads the metrics endpoint: counts, and the latency's mean with p50/p90/p99, as a table and as JSON", async () => {
    assert.match(info.metrics, /^127\.0\.0\.1:\d+$/);
    const table = await run(["stats", "--metrics", info.metrics]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^role +name +connections +requests +successful +failed +mean ms +p50 ms +p90 ms +p99 ms$/m);
    // The get test above queried both proxies.
    assert.match(table.stdout, /^proxy +tm-0 +\d+ +[1-9]\d* +[1-9]\d* +\d+ +\d+\.\d{3} +\d+\.\d{3} +\d+\.\d{3} +\d+\.\d{3}$/m);
    const r = await run(["stats", "--metrics", info.metrics, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout);
    for (const key of ["server tm-0", "proxy tm-0", "proxy_forwarding tm-0", "server tm-1", "proxy tm-1", "proxy_forwarding tm-1", "client demo"]) {
      assert.ok(key in rows, key);
    }
    const proxy = rows["proxy tm-0"];
    assert.ok(proxy.successful > 0);
    const { mean, p50, p90, p99 } = proxy.latencyMs;
    assert.ok(mean > 0 && p50 > 0 && p50 <= p90 && p90 <= p99, JSON.stringify(proxy.latencyMs));
  });

  test("get pointed at the metrics port says it reached an HTTP server, well before its timeout", async () => {
    const r = await run(["get", "--proxy", info.metrics, "--job", info.jobId, "--state", "event-counts", "--key", "user-0", "--key-type", "string", "--value-type", "long", "--timeout", "120000"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^qstate: FRAME_TOO_LARGE: The peer is an HTTP server \(it answered "HTTP"\), not a queryable-state server or proxy/);
  });

  test("stats explains a refused port, a port that cannot exist, and a proxy port given instead", async () => {
    const refused = await run(["stats", "--metrics", "127.0.0.1:1"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^qstate: ECONNREFUSED: Cannot read metrics from 127\.0\.0\.1:1: connection refused, nothing listens on port 1 there\. Pass the address of a running metrics endpoint/);
    const invalid = await run(["stats", "--metrics", "127.0.0.1:70000"]);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /^qstate: --metrics 127\.0\.0\.1:70000: port 70000 cannot be connected to, ports run from 1 to 65535/);
    const proxy = await run(["stats", "--metrics", info.proxies[0]]);
    assert.equal(proxy.code, 1);
    assert.match(proxy.stderr, /it did not answer HTTP .* Is it a queryable-state proxy or server port\? Pass the metrics port instead/);
  });

  test("failures print one line with the error code and exit non-zero", async () => {
    const missing = await run(["get", "--proxy", info.proxies[0], "--job", info.jobId, "--state", "event-counts", "--key", "nobody", "--key-type", "string", "--value-type", "long"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^qstate: UNKNOWN_KEY_OR_NAMESPACE: /);
    assert.equal(missing.stderr.trim().split("\n").length, 1);
    const wrongName = await run(["get", "--proxy", info.proxies[0], "--job", info.jobId, "--state", "nope", "--key", "x", "--key-type", "string", "--value-type", "long"]);
    assert.equal(wrongName.code, 1);
    assert.match(wrongName.stderr, /^qstate: UNKNOWN_STATE_NAME: /);
    const wrongJob = await run(["get", "--proxy", info.proxies[0], "--job", "0".repeat(32), "--state", "event-counts", "--key", "x", "--key-type", "string", "--value-type", "long"]);
    assert.equal(wrongJob.code, 1);
    assert.match(wrongJob.stderr, /^qstate: UNKNOWN_JOB: /);
    const badType = await run(["get", "--proxy", info.proxies[0], "--job", info.jobId, "--state", "event-counts", "--key", "x", "--key-type", "strin", "--value-type", "long"]);
    assert.equal(badType.code, 2); // a mistake in the flags, found before anything is sent
    assert.match(badType.stderr, /^qstate: TYPE_EXPRESSION: Unknown type "strin" at position 0/);
    assert.match(badType.stderr, /see 'qstate get --help'\n$/);
    const usage = await run(["get", "--proxy", info.proxies[0]]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--job is required/);
  });

  test("explain shows Flink's routing and request bytes", async () => {
    const r = await run(["explain", "--key", "hello", "--key-type", "string", "--state", "query-name", "--job", "0102030405060708090a0b0c0d0e0f10", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.javaHashCode, 99162322);
    assert.equal(report.murmurHash, 1715862179);
    assert.equal(report.keyGroup, 35);
    assert.equal(report.serializedKeyAndNamespace, "0668656c6c6f2a00");
    assert.match(report.requestFrame, /^0000003e79a1b710/);
    const bad = await run(["explain", "--key", "x", "--key-type", "bytes"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /INVALID_ARGUMENT/);
    const dec = await run(["explain", "--key", "1.50", "--key-type", "decimal", "--json"]);
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(JSON.parse(dec.stdout).javaHashCode, 31 * 150 + 2); // Java's BigDecimal("1.50").hashCode()
    assert.equal(JSON.parse(dec.stdout).key, "1.50");
    const typo = await run(["explain", "--key", "1", "--key-type", "tuple<lnog>"]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /^qstate: TYPE_EXPRESSION: Unknown type "lnog" at position 6/);
    const enumKey = await run(["explain", "--key", "RED", "--key-type", "enum<RED,GREEN>"]);
    assert.equal(enumKey.code, 2);
    assert.match(enumKey.stderr, /cannot be a key/);
  });

  test("every mistake in the flags exits with 2 and its own code, whatever flag it is in", async () => {
    const base = ["get", "--proxy", info.proxies[0], "--job", info.jobId, "--state", "event-counts", "--key", "user-0", "--key-type", "string", "--value-type", "long"];
    const cases: [string[], RegExp][] = [
      [["--job", "zz"], /^qstate: INVALID_ARGUMENT: A JobID is 32 hex characters/],
      [["--timeout", "soon"], /^qstate: --timeout must be a positive integer, got 'soon'\./],
      [["--kind", "bag"], /^qstate: INVALID_ARGUMENT: Unknown --kind 'bag'/],
      [["--key-type", "long", "--key", "ada"], /^qstate: INVALID_ARGUMENT: Cannot read 'ada' as long/],
      [["--value-type", "list<"], /^qstate: TYPE_EXPRESSION: /],
      [["--namespace", "x"], /^qstate: INVALID_ARGUMENT: --namespace needs --namespace-type/],
      [["--proxy", "nohost:notaport"], /^qstate: INVALID_ARGUMENT: /],
    ];
    for (const [flags, expected] of cases) {
      const r = await run([...base, ...flags]);
      assert.equal(r.code, 2, `${flags.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, expected);
      assert.match(r.stderr, /\nsee 'qstate get --help'\n$/); // and where the help is
      const j = await run([...base, ...flags, "--json"]);
      assert.equal(j.code, 2);
      assert.ok(JSON.parse(j.stdout).error.code !== undefined, j.stdout);
    }
  });

  test("a timeout names the --timeout flag, not the library's option", async () => {
    // A peer that accepts and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const port = (silent.address() as { port: number }).port;
      const r = await run(["get", "--proxy", `127.0.0.1:${port}`, "--job", info.jobId, "--state", "s", "--key", "k", "--key-type", "string", "--value-type", "long", "--timeout", "300"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^qstate: TIMEOUT: .*no answer within 300 ms\. Raise --timeout,/);
      assert.ok(!/timeoutMs/.test(r.stderr), r.stderr);
    } finally {
      silent.close();
    }
  });

  test("local prints each state with its kind, types and a qstate get to copy", async () => {
    const r = await run(["local", "--task-managers", "1", "--duration", "0.5"]);
    assert.equal(r.code, 0, r.stderr);
    for (const s of info.states) {
      assert.match(r.stdout, new RegExp(`^  ${s.name} +${s.kind} state, key ${s.keyType}, `, "m"));
      assert.match(r.stdout, new RegExp(`^ +qstate get --proxy 127\\.0\\.0\\.1:\\d+ --job [0-9a-f]{32} --state ${s.name} --key user-0 --key-type ${s.keyType} --value-type ${s.valueType}`, "m"));
    }
    assert.match(r.stdout, /^ +qstate keys --proxy 127\.0\.0\.1:\d+ --job [0-9a-f]{32} --state event-counts --key-type string --all$/m);
    assert.match(r.stdout, /^ +qstate scan --proxy 127\.0\.0\.1:\d+ --job [0-9a-f]{32} --state events-by-type --key user-0 --key-type string --value-type long --all$/m);
  });

  test("demo (what npm start runs) prints live query results and stops by itself with --duration", async () => {
    const r = await run(["demo", "--task-managers", "2", "--duration", "1.5"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ +qstate get --proxy 127\.0\.0\.1:\d+ --job [0-9a-f]{32} --state event-counts --key user-0 /m);
    assert.match(r.stdout, /^key +events +last event/m);
    assert.match(r.stdout, /^user-0 +[1-9]\d* +(click|view|purchase|share)/m);
    assert.match(r.stdout, /Stopped\. \d+ queries answered \(mean \d+\.\d\d ms, p99 \d+\.\d\d ms\)/);
  });
});

describe(`qstate CLI conventions on ${runtime}`, () => {
  test("--help per command, --version, and a one-line usage error pointing at the command's help", async () => {
    const help = await run(["get", "--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^qstate get: /);
    assert.match(help.stdout, /--proxy HOST:PORT\[,HOST:PORT\] .*env QSTATE_PROXY/);
    const top = await run(["--help"]);
    assert.equal(top.code, 0);
    for (const c of ["local", "demo", "get", "explain"]) assert.match(top.stdout, new RegExp(`^  ${c} `, "m"));
    const version = await run(["--version"]);
    assert.match(version.stdout, /^qstate \d+\.\d+\.\d+\n$/);
    const typo = await run(["get", "--jobb", "x"]);
    assert.equal(typo.code, 2);
    assert.equal(typo.stderr, "qstate: unknown flag --jobb (did you mean --job?).\nsee 'qstate get --help'\n");
    const command = await run(["gett"]);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /did you mean 'get'/);
    const parallelism = await run(["explain", "--parallelism", "200", "--max-parallelism", "128"]);
    assert.equal(parallelism.code, 2);
    assert.match(parallelism.stderr, /--parallelism 200 is above --max-parallelism 128/);
  });

  test("every command's help aligns its flags (--help too) and ends with examples to copy", async () => {
    const top = await run(["--help"]);
    const names = [...top.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
    assert.ok(names.includes("states") && names.length >= 9, top.stdout);
    for (const name of names) {
      const help = (await run([name, "--help"])).stdout;
      const flagRows = help.split("Flags:\n")[1].split("\n\n")[0].split("\n").filter((l) => /^ {2}--/.test(l));
      const columns = new Set(flagRows.map((l) => /^ {2}--\S+(?: \S+)? +/.exec(l)![0].length));
      assert.equal(columns.size, 1, `${name}: descriptions start at one column\n${help}`);
      assert.ok(flagRows.some((l) => /^ {2}--help +show this help$/.test(l)), help);
      assert.match(help, /\nExamples:\n {2}# .+\n {2}.*qstate /, `${name} has an example`);
    }
  });

  test("a runtime in --runtimes that is not installed is one line naming it and the fix, exit 2", async () => {
    const missing = runtime === "bun" ? "deno" : "bun";
    const tmp = mkdtempSync(join(tmpdir(), "qstate-no-runtime-"));
    try {
      // No node_modules/.bin in the working directory, nothing on PATH: the runtime cannot be found.
      const args = runtime === "node" ? ["--import", pathToFileURL(`${root}node_modules/tsx/dist/loader.mjs`).href, main] : command[1];
      const once = (extra: string[]) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
          const child = spawn(command[0] === "node" ? process.execPath : command[0], [...args, "cluster", "--runtimes", `${runtime},${missing}`, ...extra], {
            cwd: tmp,
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, PATH: join(tmp, "nothing-here") },
          });
          let stdout = "", stderr = "";
          child.stdout!.on("data", (d) => (stdout += d));
          child.stderr!.on("data", (d) => (stderr += d));
          child.on("close", (code) => resolve({ code, stdout, stderr }));
        });
      const text = await once([]);
      assert.equal(text.code, 2, text.stderr);
      assert.match(text.stderr, new RegExp(`^qstate: RUNTIME_NOT_FOUND: --runtimes names ${missing}, which is not installed here .*npm install ${missing}.*\nsee 'qstate cluster --help'\n$`));
      const json = await once(["--json"]);
      assert.equal(json.code, 2);
      assert.equal(JSON.parse(json.stdout).error.code, "RUNTIME_NOT_FOUND");
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("with --json a failure is one JSON object; QSTATE_PROXY supplies --proxy", async () => {
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(command[0], [...command[1], "get", "--job", "0".repeat(32), "--state", "s", "--key", "k", "--key-type", "string", "--value-type", "long", "--json"], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, QSTATE_PROXY: "127.0.0.1:1" },
      });
      let stdout = "";
      child.stdout!.on("data", (d) => (stdout += d));
      child.on("close", (code) => resolve({ code, stdout }));
    });
    assert.equal(r.code, 1);
    const e = JSON.parse(r.stdout).error;
    assert.equal(e.code, "CONNECT_FAILED");
    assert.match(e.message, /127\.0\.0\.1:1/);
  });
});

