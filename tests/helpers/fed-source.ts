// A job source the test feeds by hand: `push(r)` hands the record to the job, which waits while none is queued.

/** A source for `LocalCluster.submit({ sources: [fed.source] })` and the `push` that feeds it. */
export interface FedSource<T> {
  /** The job's source (one per subtask is fine: each record goes to whichever asks first). */
  readonly source: () => AsyncIterable<T>;
  /** Queues a record for the job. */
  push(record: T): void;
}

/** A new, empty {@link FedSource}. */
export function fedSource<T>(): FedSource<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  return {
    push(record) {
      queue.push(record);
      wake?.();
    },
    source: () => ({
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (queue.length === 0) await new Promise<void>((r) => (wake = r));
          yield queue.shift()!;
        }
      },
    }),
  };
}
