/**
 * What the proxy's extension requests share when an attempt fails: end the request with the right answer, or wait
 * the retry delay (the same backoff as a single query's) so the caller looks the location up again and retries.
 */
import { sleep } from "../core/clock.ts";
import { emitDiagnostic } from "../net/diagnostics.ts";
import { requestFailureThrowable } from "../net/failures.ts";
import { encodeFailedAnswer } from "../protocol/extension-codec.ts";
import { UNSUPPORTED_BY_PEER_CLASS } from "../protocol/extension-ops.ts";
import type { KvStateRequest } from "../protocol/messages.ts";
import { BadRequestError } from "../protocol/remote-errors.ts";
import type { JavaThrowableInit } from "../protocol/remote-errors.ts";
import type { ProxyExtensionHost } from "./extensions.ts";

/** A state server cannot do what the extension needs (a Flink state server, a state without the operation): the request fails with UNSUPPORTED_BY_PEER. */
export class UnsupportedByPeerSignal extends Error {}

/** The request an attempt belongs to, for {@link failOrBackOff}. */
export interface ExtensionAttempt {
  /** The extension op (echoed in the answer). */
  readonly op: number;
  readonly requestId: bigint;
  readonly stateName: string;
  /** The request the location was looked up with (its failure is worded as a single query's would be). */
  readonly lookupRequest: KvStateRequest;
  /** When the whole request must be answered (the host's clock). */
  readonly deadline: number;
  readonly signal: AbortSignal;
}

/**
 * After attempt number `attempt` failed with `failure`: the answer that ends the request (the state server cannot
 * do it, the failure is not retryable, attempts or time are used up, the request was aborted), or null once the
 * retry delay has passed (the caller looks the location up again, fresh, and tries once more).
 */
export async function failOrBackOff(host: ProxyExtensionHost, a: ExtensionAttempt, failure: unknown, attempt: number): Promise<Uint8Array | null> {
  if (failure instanceof UnsupportedByPeerSignal) return encodeFailedAnswer(a.op, { className: UNSUPPORTED_BY_PEER_CLASS, message: failure.message });
  const delay = Math.min(host.initialDelayMs * 2 ** (attempt - 1), host.maxDelayMs);
  if (!host.isRetryable(failure) || attempt >= host.maxAttempts || host.clock.now() + delay >= a.deadline || a.signal.aborted) {
    return encodeFailedAnswer(a.op, requestFailureThrowable(a.requestId, host.locationFailure(failure, a.lookupRequest)));
  }
  emitDiagnostic(host.diagnostics, { type: "retry", component: host.serverName, stateName: a.stateName, attempt, delayMs: delay, error: failure });
  try {
    await sleep(host.clock, delay, a.signal);
  } catch {
    return encodeFailedAnswer(a.op, requestFailureThrowable(a.requestId, failure));
  }
  return null;
}

/** A request the proxy refuses as malformed, as the failure record of its answer (Flink's `BadRequestException`). */
export function badRequestThrowable(host: ProxyExtensionHost, message: string): JavaThrowableInit {
  return BadRequestError.create(host.serverName, message).toJavaThrowable();
}
