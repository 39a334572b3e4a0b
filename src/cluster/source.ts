import type { Source } from "./job.ts";

/**
 * Feeds a job's source to `handle`, one record at a time, while `running()` holds; an error of the
 * source or of `handle` goes to `fail`. A source stopped early is told so (`return()`).
 */
export async function drainSource<T>(
  source: Source<T>,
  signal: AbortSignal,
  running: () => boolean,
  handle: (record: T) => void | Promise<void>,
  fail: (e: Error) => void,
): Promise<void> {
  const iterable = typeof source === "function" ? source({ signal }) : source;
  const it: AsyncIterator<T> | Iterator<T> = Symbol.asyncIterator in iterable
    ? (iterable as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (iterable as Iterable<T>)[Symbol.iterator]();
  try {
    while (running()) {
      const r = await it.next();
      if (r.done || !running()) break;
      await handle(r.value);
    }
  } catch (e) {
    fail(e as Error);
  } finally {
    if (!running()) void Promise.resolve(it.return?.()).catch(() => {});
  }
}
