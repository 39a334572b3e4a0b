/**
 * Retries `fn` with backing-off pauses (up to `maxDelayMs`) until it returns, or fails with its last
 * error after `timeoutMs`: for conditions that become true, never for measuring time.
 */
export async function eventually<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000, maxDelayMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > until) throw new Error(`${what} did not happen within ${timeoutMs} ms: ${(e as Error).message}`, { cause: e });
      await new Promise((r) => setTimeout(r, Math.min(maxDelayMs, (maxDelayMs / 20) * 2 ** i)));
    }
  }
}
