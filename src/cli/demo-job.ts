/** The demo job `qstate local` and `npm start` run: events counted per user. */
import type { KeyedJob } from "../cluster/job.ts";
import { listState, mapState, reducingState, valueState } from "../state/descriptors.ts";
import { longSerializer } from "../types/primitive-serializers.ts";
import { stringSerializer } from "../types/string-serializer.ts";

export interface DemoEvent {
  readonly user: string;
  readonly type: string;
}

export const DEMO_USERS = Array.from({ length: 16 }, (_, i) => `user-${i}`);
const TYPES = ["click", "view", "purchase", "share"];

const str = stringSerializer;
/** Events per user (reducing sum). */
export const eventCounts = reducingState("event-counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "event-counts" });
/** The last event type per user. */
export const lastEvent = valueState("last-event", str, { queryable: "last-event" });
/** Events per type, per user. */
export const eventsByType = mapState("events-by-type", str, longSerializer, { queryable: "events-by-type" });
/** The last five event types per user. */
export const recentEvents = listState("recent-events", str, { queryable: "recent-events" });

/** What `qstate local --json` reports about the demo's states. */
export const DEMO_STATES = [
  { name: "event-counts", kind: "reducing", keyType: "string", valueType: "long" },
  { name: "last-event", kind: "value", keyType: "string", valueType: "string" },
  { name: "events-by-type", kind: "map", keyType: "string", mapKeyType: "string", valueType: "long" },
  { name: "recent-events", kind: "list", keyType: "string", valueType: "string" },
];

/** The `qstate get` command line that reads `state` of the demo for `key` through `proxies`. */
export function demoGetCommand(state: typeof DEMO_STATES[number], proxies: string, jobId: string, key: string): string {
  const kind = state.kind === "map" || state.kind === "list" ? ` --kind ${state.kind}` : "";
  const mapKey = state.mapKeyType ? ` --map-key-type ${state.mapKeyType}` : "";
  return `qstate get --proxy ${proxies} --job ${jobId} --state ${state.name} --key ${key} --key-type ${state.keyType} --value-type ${state.valueType}${kind}${mapKey}`;
}

/** Lines naming each demo state (kind, types) and a `qstate get` to try on it, then a `qstate keys` and a `qstate scan`, for what `local`, `demo` and `cluster` print. */
export function demoStateLines(proxies: string, jobId: string, key: string): string {
  const width = Math.max(...DEMO_STATES.map((s) => s.name.length));
  return DEMO_STATES.map((s) =>
    `  ${s.name.padEnd(width)}  ${s.kind} state, key ${s.keyType}, ${s.kind === "map" ? `map<${s.mapKeyType},${s.valueType}>` : s.kind === "list" ? `list<${s.valueType}>` : s.valueType}
` +
    `  ${" ".repeat(width)}  ${demoGetCommand(s, proxies, jobId, key)}`
  ).join("\n") + "\n" +
    "Beyond one key: list a state's keys, or read a map state a page at a time:\n" +
    `  qstate keys --proxy ${proxies} --job ${jobId} --state event-counts --key-type string --all\n` +
    `  qstate scan --proxy ${proxies} --job ${jobId} --state events-by-type --key ${key} --key-type string --value-type long --all\n`;
}

/** An endless, paced source of random events (about `perSecond` of them). */
function events(perSecond: number) {
  return async function* ({ signal }: { signal: AbortSignal }): AsyncGenerator<DemoEvent> {
    let n = 0;
    const batch = Math.max(1, Math.round(perSecond / 50));
    while (!signal.aborted) {
      for (let i = 0; i < batch; i++) {
        // Skewed so the counts differ visibly: low user numbers are busier.
        const u = Math.floor(DEMO_USERS.length * Math.random() ** 2);
        yield { user: DEMO_USERS[u], type: TYPES[(n++ * 7 + u) % TYPES.length] };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
}

/** The users of a multi-process demo with `taskManagers` subtasks: at least 16, 8 per subtask. */
export function clusterDemoUsers(taskManagers: number): string[] {
  return Array.from({ length: Math.max(16, 8 * taskManagers) }, (_, i) => `user-${i}`);
}

/** A subtask's source in the multi-process demo: each of its own users once, then paced random events for them. */
function ownEvents(users: readonly string[], perSecond: number) {
  return async function* ({ signal }: { signal: AbortSignal }): AsyncGenerator<DemoEvent> {
    let n = 0;
    for (const user of users) yield { user, type: TYPES[n++ % TYPES.length] };
    if (users.length === 0) return;
    const batch = Math.max(1, Math.round(perSecond / 50));
    while (!signal.aborted) {
      for (let i = 0; i < batch; i++) yield { user: users[Math.floor(users.length * Math.random())], type: TYPES[n++ % TYPES.length] };
      await new Promise((r) => setTimeout(r, 20));
    }
  };
}

export function demoJob(options: { parallelism?: number; eventsPerSecond?: number; users?: readonly string[] } = {}): KeyedJob<DemoEvent, string> {
  const perSecond = options.eventsPerSecond ?? 400;
  return {
    name: "event counts per user",
    parallelism: options.parallelism,
    sources: [options.users === undefined ? events(perSecond) : ownEvents(options.users, perSecond)],
    keyBy: (e) => e.user,
    keyType: stringSerializer as unknown as KeyedJob<DemoEvent, string>["keyType"],
    steps: [{
      name: "count-events",
      states: [eventCounts, lastEvent, eventsByType, recentEvents],
      process(e, ctx) {
        ctx.state(eventCounts).add(1n);
        ctx.state(lastEvent).update(e.type);
        const byType = ctx.state(eventsByType);
        byType.put(e.type, (byType.get(e.type) ?? 0n) + 1n);
        const recent = ctx.state(recentEvents);
        recent.update([...recent.get(), e.type].slice(-5));
      },
    }],
  };
}
