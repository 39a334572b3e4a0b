/**
 * The gateway's own errors and the HTTP status of every error code. Kept apart from the server code so that the
 * CLI can name them without loading the HTTP framework.
 */
import type { ErrorCode } from "../core/error-codes.ts";
import { QueryableStateError } from "./core.ts";

/** A job name that several running jobs have (code `AMBIGUOUS_JOB`, HTTP 409); `candidates` are their ids. */
export class AmbiguousJobError extends QueryableStateError {
  /** The job name asked for. */
  readonly jobName: string;
  /** The ids of the running jobs of that name. */
  readonly candidates: readonly string[];
  /**
   * An error with code `AMBIGUOUS_JOB`.
   * @param jobName the name asked for
   * @param candidates the ids of the running jobs of that name
   */
  constructor(jobName: string, candidates: readonly string[]) {
    super(
      "AMBIGUOUS_JOB",
      `${candidates.length} running jobs are named ${JSON.stringify(jobName)} (${candidates.join(", ")}): ask by job id instead, ` +
        "or give the job a unique name.",
    );
    this.jobName = jobName;
    this.candidates = candidates;
  }
}

/** A job name no running job has (code `UNKNOWN_JOB_NAME`, HTTP 404). */
export class UnknownJobNameError extends QueryableStateError {
  /** The job name asked for. */
  readonly jobName: string;
  /**
   * An error with code `UNKNOWN_JOB_NAME`.
   * @param jobName the name asked for
   * @param message what was looked at and what the running jobs are called
   */
  constructor(jobName: string, message: string) {
    super("UNKNOWN_JOB_NAME", message);
    this.jobName = jobName;
  }
}

/** The running jobs could not be listed (Flink's REST API or the coordinator failed; code `JOB_LISTING_FAILED`, HTTP 503). */
export class JobListingError extends QueryableStateError {
  /**
   * An error with code `JOB_LISTING_FAILED`.
   * @param message what was asked, and why it failed
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("JOB_LISTING_FAILED", message, options);
  }
}

/** The codes of {@link GatewayRequestError}: HTTP-level refusals. */
export type GatewayRequestCode = "UNAUTHORIZED" | "REQUEST_TOO_LARGE" | "ROUTE_NOT_FOUND" | "METHOD_NOT_ALLOWED" | "TOO_MANY_STREAMS" | "GATEWAY_CLOSING";

/**
 * A request the gateway refuses before querying anything: no or a wrong bearer token (`UNAUTHORIZED`, 401), a body
 * or batch above its limit (`REQUEST_TOO_LARGE`, 413), an unknown path (`ROUTE_NOT_FOUND`, 404), a method the path
 * does not take (`METHOD_NOT_ALLOWED`, 405), a watch over the gateway's number of open streams (`TOO_MANY_STREAMS`, 429),
 * or a gateway shutting down (`GATEWAY_CLOSING`, 503).
 */
export class GatewayRequestError extends QueryableStateError {
  /**
   * An error with one of the {@link GatewayRequestCode}s.
   * @param code the refusal
   * @param message what was refused and what to do
   */
  constructor(code: GatewayRequestCode, message: string) {
    super(code, message);
  }
}

/** The HTTP status of each error code the gateway answers with; anything else is 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  TYPE_EXPRESSION: 400,
  MISSING_KEY_HASH: 400,
  INVALID_CURSOR: 400,
  UNAUTHORIZED: 401,
  ROUTE_NOT_FOUND: 404,
  NOT_IN_CATALOG: 404,
  UNKNOWN_JOB_NAME: 404,
  UNKNOWN_JOB: 404,
  UNKNOWN_STATE_NAME: 404,
  UNKNOWN_KEY_OR_NAMESPACE: 404,
  METHOD_NOT_ALLOWED: 405,
  AMBIGUOUS_JOB: 409,
  FRESHNESS_BOUND_NOT_MET: 412,
  REQUEST_TOO_LARGE: 413,
  TOO_MANY_STREAMS: 429,
  UNSUPPORTED_TYPE: 422,
  SERIALIZATION: 502,
  TRUNCATED_INPUT: 502,
  POJO_SUBCLASS: 502,
  AVRO_DECODE: 502,
  REMOTE: 502,
  BAD_REQUEST: 502,
  JAVA_SERIALIZATION: 502,
  INVALID_FRAME: 502,
  FRAME_TOO_LARGE: 502,
  VERSION_MISMATCH: 502,
  UNKNOWN_MESSAGE_TYPE: 502,
  UNSUPPORTED_BY_PEER: 501,
  UNKNOWN_LOCATION: 503,
  UNKNOWN_KEY_GROUP_LOCATION: 503,
  UNKNOWN_KV_STATE_ID: 503,
  UNKNOWN_JOB_MANAGER: 503,
  SERVER_UNREACHABLE: 503,
  CONNECT_FAILED: 503,
  CONNECTION_CLOSED: 503,
  SERVER_FAILURE: 503,
  CLIENT_CLOSED: 503,
  JOB_LISTING_FAILED: 503,
  GATEWAY_CLOSING: 503,
  ECONNREFUSED: 503,
  ECONNRESET: 503,
  EPIPE: 503,
  ENOTFOUND: 503,
  TLS: 503,
  CLOSED: 503,
  TIMEOUT: 504,
  FRAME_TIMEOUT: 504,
  ETIMEDOUT: 504,
};

/** The HTTP status of an error code (500 for codes without one). */
export function statusOfCode(code: string): number {
  return (STATUS as Record<string, number | undefined>)[code] ?? 500;
}

/** Every status the gateway's errors can have, with their codes (for the OpenAPI document). */
export function codesByStatus(): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const [code, status] of Object.entries(STATUS)) out.set(status!, [...(out.get(status!) ?? []), code]);
  return out;
}

/** An `application/problem+json` body (RFC 9457) with the library's stable `code`. */
export interface Problem {
  /** `urn:queryable-state:error:CODE`. */
  readonly type: string;
  /** A short summary of the kind of problem (the same for every problem of a code). */
  readonly title: string;
  /** The HTTP status. */
  readonly status: number;
  /** What happened and what to do (the error's message). */
  readonly detail: string;
  /** The stable error code (README, "Failures and errors"). */
  readonly code: string;
  /** More data of some codes: the candidates of `AMBIGUOUS_JOB`. */
  readonly candidates?: readonly string[];
}

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  404: "Not found",
  405: "Method not allowed",
  409: "Ambiguous",
  413: "Request too large",
  422: "Type not supported",
  500: "Internal error",
  501: "Not supported by the proxy",
  502: "Bad answer from upstream",
  503: "Upstream unavailable",
  504: "Upstream timeout",
};

/** The problem document of `e`: an error of the library keeps its code and message; anything else is UNEXPECTED (500). */
export function problemOf(e: unknown): Problem {
  if (e instanceof QueryableStateError) {
    const status = statusOfCode(e.code);
    return {
      type: `urn:queryable-state:error:${e.code}`,
      title: `${TITLES[status] ?? "Error"} (${e.code})`,
      status,
      detail: e.message,
      code: e.code,
      ...(e instanceof AmbiguousJobError ? { candidates: e.candidates } : {}),
    };
  }
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return {
    type: "urn:queryable-state:error:UNEXPECTED",
    title: "Internal error (UNEXPECTED)",
    status: 500,
    detail: `${text}. This is a bug in the gateway: please report it with the request.`,
    code: "UNEXPECTED",
  };
}
