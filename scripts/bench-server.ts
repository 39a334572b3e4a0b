/**
 * The server side of `npm run bench`, run as a child process (same runtime as the client):
 *   raw    — frames in, precomputed response frames out, all answers of one read in one write
 *   direct — a KvStateServer with `--keys` int keys, each holding `--value-bytes` bytes
 *   proxy  — the same server plus a coordinator and a client proxy in front of it (in one
 *            process, as on a task manager: the proxy asks the co-located server directly)
 *   proxy-remote — the same, but the proxy reaches the server over TCP like a remote one
 *   scale  — a KvStateServer over a HeapKeyedStateBackend ValueState<long> with `--keys` long keys
 * Prints `LISTENING port=P stateId=HEX jobId=HEX` and serves until stdin closes or SIGTERM.
 */
import process from "node:process";
import {
  computeKeyGroupRangeForOperatorIndex,
  Coordinator,
  defaultTransport,
  HeapKeyedStateBackend,
  JobID,
  type KvState,
  KvStateClientProxy,
  KvStateServer,
  longSerializer,
  valueState,
} from "../mod.ts";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const mode = arg("mode", "direct");
const keys = Number(arg("keys", "1000"));
const valueBytes = Number(arg("value-bytes", "8"));

/** int key (4 bytes BE, then 0x2A 0x00) → `valueBytes` bytes. */
function intKeyState(): KvState {
  const values: Uint8Array[] = [];
  for (let k = 0; k < keys; k++) {
    const v = new Uint8Array(valueBytes);
    new DataView(v.buffer).setInt32(0, k % 2 ** 31);
    values.push(v);
  }
  return {
    getSerializedValue(b: Uint8Array) {
      const k = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
      return values[k] ?? null;
    },
  };
}

async function rawServer(): Promise<number> {
  // A response frame of the size direct mode sends: len, version, type, id, then [len][value].
  const response = new Uint8Array(4 + 16 + 4 + valueBytes);
  new DataView(response.buffer).setInt32(0, response.length - 4);
  const transport = await defaultTransport();
  const listener = await transport.listen({
    hostname: "127.0.0.1",
    port: 0,
    onConnection(conn) {
      let pending = new Uint8Array(0);
      conn.onData((chunk) => {
        let buf = chunk;
        if (pending.length > 0) {
          buf = new Uint8Array(pending.length + chunk.length);
          buf.set(pending);
          buf.set(chunk, pending.length);
        }
        let at = 0, frames = 0;
        while (buf.length - at >= 4) {
          const len = ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) + 4;
          if (buf.length - at < len) break;
          at += len;
          frames++;
        }
        pending = buf.slice(at);
        if (frames === 0) return;
        const out = new Uint8Array(frames * response.length);
        for (let i = 0; i < frames; i++) out.set(response, i * response.length);
        conn.write(out);
      });
    },
  });
  return listener.addr.port;
}

let port: number;
let stateId = "";
let jobId = "";
if (mode === "raw") port = await rawServer();
else {
  const server = new KvStateServer();
  let state: KvState;
  if (mode === "scale") {
    const d = valueState("v", longSerializer, { queryable: "v" });
    const backend = new HeapKeyedStateBackend({ keySerializer: longSerializer, keyGroupRange: computeKeyGroupRangeForOperatorIndex(128, 1, 0), numberOfKeyGroups: 128 });
    const s = backend.getState(d);
    for (let k = 0; k < keys; k++) {
      backend.setCurrentKey(BigInt(k));
      s.update(BigInt(k) * 7n);
    }
    state = backend.queryableStates()[0].kvState;
  } else state = intKeyState();
  const id = server.registry.register(state, { name: "bench" });
  stateId = id.toString();
  const addr = await server.start();
  port = addr.port;
  if (mode === "proxy" || mode === "proxy-remote") {
    const coordinator = new Coordinator();
    const job = JobID.random();
    jobId = job.toString();
    coordinator.registerJob(job, new Map([["op", 128]]));
    coordinator.notifyKvStateRegistered(job, "op", computeKeyGroupRangeForOperatorIndex(128, 1, 0), "bench", id, addr);
    const proxy = new KvStateClientProxy({ oracle: coordinator, localServers: mode === "proxy" ? [server] : [] });
    port = (await proxy.start()).port;
  }
}
console.log(`LISTENING port=${port} stateId=${stateId} jobId=${jobId}`);
// "cpu" on stdin: report this process's CPU time so far (µs, user and system), for CPU per request.
let input = "";
process.stdin.on("data", (d) => {
  input += d;
  let nl: number;
  while ((nl = input.indexOf("\n")) >= 0) {
    const line = input.slice(0, nl).trim();
    input = input.slice(nl + 1);
    if (line === "cpu") {
      const u = process.cpuUsage();
      console.log(`CPU user=${u.user} system=${u.system}`);
    }
  }
});
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
process.on("SIGTERM", () => process.exit(0));
