import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { badJson } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/**
 * Flink's `GlobalWindow`, the one window of `GlobalWindows` (what `countWindow(n)` and a
 * `window(GlobalWindows.create())` put every element in): the namespace of such a window
 * operator's per-window state.
 */
export const GlobalWindow: { readonly kind: "GlobalWindow"; toString(): string; toJSON(): string } = Object.freeze({
  kind: "GlobalWindow" as const,
  toString: () => "GlobalWindow",
  toJSON: () => "GlobalWindow",
});
/** The type of {@link GlobalWindow}. */
export type GlobalWindow = typeof GlobalWindow;

/**
 * Flink's `GlobalWindow.Serializer` (the same in Flink 1.x and 2.x): one `0x00` byte; reading skips
 * one byte. Use it as the `namespaceType` when querying the per-window state of a count window
 * (`countWindow(n)` with a `ProcessWindowFunction`'s `windowState()`, or the window contents of a
 * `reduce`/`aggregate` made queryable). Java's `GlobalWindow.hashCode()` is 0. In a type expression:
 * `globalwindow`; in JSON: `"GlobalWindow"` (null and `{}` are read too).
 *
 * @example
 * ```ts
 * import {
 *   GlobalWindow, globalWindowSerializer, type JobID, longSerializer, type QueryableStateClient, stringSerializer,
 *   valueState,
 * } from "queryable-state";
 * // Given a client of a proxy and the id of a running job with a count window keyed by user:
 * async function query(client: QueryableStateClient, jobId: JobID) {
 *   const sum = await client.getKvState(jobId, "count-window-sum", "user-1", stringSerializer,
 *     valueState("s", longSerializer), { namespace: GlobalWindow, namespaceType: globalWindowSerializer });
 * }
 * ```
 */
export const globalWindowSerializer: TypeSerializer<GlobalWindow> = {
  name: "GlobalWindow.Serializer",
  length: 1,
  serialize(_v: GlobalWindow, out: ByteWriter): void {
    out.writeUint8(0);
  },
  deserialize(input: ByteReader): GlobalWindow {
    input.skip(1);
    return GlobalWindow;
  },
  hashCode: (): number => 0,
  fromJson(json: unknown): GlobalWindow {
    const empty = json !== null && typeof json === "object" && !Array.isArray(json) && Object.keys(json).length === 0;
    if (json === null || json === "GlobalWindow" || json === GlobalWindow || empty) return GlobalWindow;
    throw badJson("GlobalWindow.Serializer", '"GlobalWindow" (or null)', json);
  },
};
