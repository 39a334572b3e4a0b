/** Failures of the networked coordinator, as a task manager or proxy meets them. */
import { QueryableStateError } from "../core/errors.ts";
import { EtcdUnavailableError, RemoteError, UnknownJobError, UnknownStateNameError } from "../protocol/remote-errors.ts";
import { LocationNotReadyError } from "../proxy/location-oracle.ts";

/** A registration came with a missing or wrong shared-secret token; the coordinator refused and logged it. */
export class CoordinatorUnauthorizedError extends QueryableStateError {
  /** Made by the coordinator client from the coordinator's refusal; `message` defaults to what to do about it. */
  constructor(message = "The coordinator refused the registration: missing or wrong token. Start the task manager with the coordinator's --token.") {
    super("COORDINATOR_UNAUTHORIZED", message);
  }
}

/** A task manager could not reach its coordinator at start, however long it waited and retried (`joinTimeoutMs`). */
export class CoordinatorUnavailableError extends QueryableStateError {
  /**
   * Made by `TaskManager.join` when the coordinator did not answer within `waitedMs`.
   * @param address the coordinator address(es) tried, as `host:port` (comma-separated)
   * @param waitedMs how long the task manager kept trying
   * @param cause the last failure (a connect error or a timeout)
   */
  constructor(address: string, waitedMs: number, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      "COORDINATOR_UNAVAILABLE",
      `Could not reach the coordinator at ${address} within ${Math.round(waitedMs)} ms (last failure: ${why}). ` +
        "Start the coordinator, check the address and the network, or wait longer (joinTimeoutMs).",
      { cause },
    );
  }
}

/** The coordinator answered with a failure this library has no class for (the remote code is kept). */
export class CoordinatorRejectedError extends QueryableStateError {
  /** The code the coordinator sent. */
  readonly remoteCode: string;
  /**
   * Made by the coordinator client for a failure code it has no class for.
   * @param remoteCode the code the coordinator sent
   * @param message the coordinator's message
   */
  constructor(remoteCode: string, message: string) {
    super("COORDINATOR_REJECTED", `The coordinator rejected the request (${remoteCode}): ${message}`);
    this.remoteCode = remoteCode;
  }
}

/** A name clash the coordinator reported (the job fails, as in-process). */
export class RemoteStateNameClashError extends QueryableStateError {
  /** Made by the coordinator client; `message` is the coordinator's (it names the state and the job). */
  constructor(message: string) {
    super("STATE_NAME_CLASH", message);
  }
}

/** The stable code and message a failure goes on the coordinator wire as. */
export function wireFailure(e: unknown): { code: string; message: string } {
  if (e instanceof RemoteError) return { code: e.code, message: e.remoteMessage ?? e.message };
  if (e instanceof QueryableStateError) return { code: e.code, message: e.message };
  return { code: "INTERNAL", message: (e as Error)?.message ?? String(e) };
}

/** The error class for a failure that came over the coordinator wire. */
export function errorFromWire(code: string, message: string): Error {
  switch (code) {
    case "UNKNOWN_JOB":
      return new UnknownJobError({ className: UnknownJobError.javaClassName, message });
    case "UNKNOWN_STATE_NAME":
      return new UnknownStateNameError({ className: UnknownStateNameError.javaClassName, message });
    case "COORDINATOR_UNAUTHORIZED":
      return new CoordinatorUnauthorizedError(message);
    case "LOCATION_NOT_READY":
      return new LocationNotReadyError(message);
    case "STATE_NAME_CLASH":
      return new RemoteStateNameClashError(message);
    case "ETCD_UNAVAILABLE":
      // A coordinator serving lookups from etcd could not reach it: the same class as in-process.
      return new EtcdUnavailableError({ className: EtcdUnavailableError.javaClassName, message });
    default:
      return new CoordinatorRejectedError(code, message);
  }
}
