/**
 * How far a subtask has got with its input, for the freshness extension: the records handed to it and not yet
 * processed, by the time they were handed over. Everything handed over before the oldest of them is applied.
 */
export class Progress {
  #next = 0;
  /** Records in flight: id → when handed over. A Map keeps insertion order, so the first is the oldest. */
  readonly #since = new Map<number, number>();

  /** A record was handed over at `now`; returns its token for {@link end}. */
  begin(now: number = Date.now()): number {
    const id = this.#next++;
    this.#since.set(id, now);
    return id;
  }

  /** The record of `token` is processed (or failed). */
  end(token: number): void {
    this.#since.delete(token);
  }

  /** The time before which every record handed over is applied: the oldest in flight, else `now`. */
  asOf(now: number = Date.now()): number {
    for (const t of this.#since.values()) return Math.min(t, now);
    return now;
  }
}
