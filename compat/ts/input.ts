/**
 * The same finite, deterministic input as the Flink peer's job (compat/flink Input.java), so a
 * job of ours holds exactly the content the peer computes for its own states.
 */
export interface CompatEvent {
  user: string;
  id: bigint;
  category: string;
  value: bigint;
}

export const EVENTS = 240;
const USERS = 12;
const IDS = 7;
const CATEGORIES = ["click", "view", "buy", "share"];

export function event(i: number): CompatEvent {
  return {
    user: `user-${(i * 5) % USERS}`,
    id: BigInt(i % IDS),
    category: CATEGORIES[(i * 3 + Math.floor(i / 7)) % CATEGORIES.length],
    value: BigInt(((i * 37) % 101) - 20),
  };
}

export function* events(): Iterable<CompatEvent & { index: number }> {
  for (let i = 0; i < EVENTS; i++) yield { ...event(i), index: i };
}
