/**
 * How a proxy judges a failed forward: whether a fresh lookup may cure it, and what the client is told when a
 * location could not be resolved. Shared by the single-request path and the protocol extensions.
 * @module
 */
import { ConnectError, ConnectionClosedError, ServerFailureError } from "../net/errors.ts";
import type { KvStateRequest } from "../protocol/messages.ts";
import { UnknownJobError, UnknownKeyGroupLocationError, UnknownKvStateIdError, UnknownLocationError } from "../protocol/remote-errors.ts";
import { LocationNotReadyError } from "./location-oracle.ts";

/** Failures that mean "the location may be stale": look it up again and retry. */
export function isRetryable(e: unknown): boolean {
  return e instanceof UnknownKvStateIdError || e instanceof UnknownKeyGroupLocationError ||
    e instanceof UnknownLocationError || e instanceof ConnectError || e instanceof ConnectionClosedError ||
    e instanceof ServerFailureError || e instanceof LocationNotReadyError;
}

/**
 * Unknown job or state name, as Flink's proxy reports them (checked against Flink 1.20 and 2.3
 * by the live-Flink suite): both go as the RuntimeException "Failed request N.\n Caused by: ..."
 * text. An unknown state name names flink-runtime's UnknownKvStateLocation; an unknown job names
 * UnknownLocationException, to which we add its cause (FlinkJobNotFoundException) as a Java
 * "Caused by:" line, so our client can still tell an unknown job from a state not yet ready. A
 * registry that was still not ready at the deadline (LocationNotReadyError) goes as that
 * UnknownLocationException ("the state is not ready"), with the registry's reason as its cause.
 */
export function locationFailure(e: unknown, request: KvStateRequest): unknown {
  if (!(e instanceof UnknownJobError || e instanceof LocationNotReadyError)) return e;
  const base = UnknownLocationError.forState(request.stateName, request.jobId);
  return new UnknownLocationError({ className: UnknownLocationError.javaClassName, message: base.remoteMessage }, { cause: e });
}
