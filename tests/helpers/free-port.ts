// A loopback port for a process a test starts and binds later itself (etcd, a coordinator, a CLI task manager).
// A port the kernel hands out for port 0 comes from the ephemeral range, from which every outgoing connection of
// the suite also takes its local port: between the pick and the bind, one of them can take it ("address already in
// use"). So the port is picked below that range when the range can be read (Linux), and checked free by binding it.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** The kernel's ephemeral port range, when it can be read. */
function ephemeralRange(): [number, number] | undefined {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) ? [low, high] : undefined;
  } catch {
    return undefined;
  }
}

/** Binds `port` on loopback and lets it go; its number, or undefined when it is taken. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(undefined));
    s.listen(port, "127.0.0.1", () => {
      const bound = (s.address() as { port: number }).port;
      s.close(() => resolve(bound));
    });
  });
}

const LOWEST = 10_000;
const given = new Set<number>();

/** A loopback port nobody listens on, outside the ephemeral range where it can be. */
export async function freePort(): Promise<number> {
  const range = ephemeralRange();
  if (range !== undefined && range[0] - LOWEST >= 1000) {
    for (let i = 0; i < 50; i++) {
      const port = LOWEST + Math.floor(Math.random() * (range[0] - LOWEST));
      if (given.has(port)) continue;
      if ((await tryPort(port)) !== undefined) {
        given.add(port);
        return port;
      }
    }
  }
  const port = await tryPort(0);
  if (port === undefined) throw new Error("no free loopback port");
  return port;
}
