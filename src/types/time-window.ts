import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { getOwn } from "../core/records.ts";
import { jsonBigInt, jsonObject, jsonPart } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/** A Flink `TimeWindow`: `[start, end)` in milliseconds, as the namespace of a window's state. */
export interface TimeWindow {
  /** The window's first millisecond (inclusive), since the epoch. */
  readonly start: bigint;
  /** The millisecond after the window's last one (exclusive), since the epoch. */
  readonly end: bigint;
}

/**
 * Flink's `TimeWindow.Serializer`: start then end, each a big-endian 64-bit integer. Use it as
 * the `namespaceType` when querying the per-window state of a window operator (a
 * `ProcessWindowFunction`'s `windowState()`).
 *
 * @example
 * ```ts
 * import {
 *   type JobID, longSerializer, type QueryableStateClient, stringSerializer, timeWindowSerializer, valueState,
 * } from "queryable-state";
 * // Given a client of a proxy and the id of a running job:
 * async function query(client: QueryableStateClient, jobId: JobID) {
 *   // The state of user-1's window [0, 100) ms.
 *   const sum = await client.getKvState(jobId, "window-sum", "user-1", stringSerializer, valueState("s", longSerializer),
 *     { namespace: { start: 0n, end: 100n }, namespaceType: timeWindowSerializer });
 * }
 * ```
 */
export const timeWindowSerializer: TypeSerializer<TimeWindow> = {
  name: "TimeWindow.Serializer",
  length: 16,
  serialize(w: TimeWindow, out: ByteWriter): void {
    if (w === null || typeof w !== "object" || typeof w.start !== "bigint" || typeof w.end !== "bigint") {
      throw new InvalidArgumentError(
        `TimeWindow.Serializer cannot write ${String(w)}: expected { start: bigint, end: bigint } (milliseconds).`,
      );
    }
    out.writeInt64(w.start);
    out.writeInt64(w.end);
  },
  deserialize(input: ByteReader): TimeWindow {
    const start = input.readInt64();
    return { start, end: input.readInt64() };
  },
  fromJson(json: unknown): TimeWindow {
    const o = jsonObject("TimeWindow.Serializer", json, '{"start": ms, "end": ms}');
    const ms = (k: string) => jsonPart(`.${k}`, () => jsonBigInt("TimeWindow.Serializer", getOwn(o, k), true));
    return { start: ms("start"), end: ms("end") };
  },
};
