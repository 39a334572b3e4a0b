/**
 * The coordinator's message family: task managers register locations, proxies look them up.
 * Frames are laid out as Flink's (`[i32 length][i32 version][i32 type][i64 request id][body]`)
 * but carry their own version magic, so a coordinator never accepts a Flink frame and a
 * Flink port never accepts ours (each answers the other with a version-mismatch failure).
 *
 * Bodies: a request is `[u8 op][i32 n][n bytes of UTF-8 JSON]`; an answer is
 * `[u8 status][i32 n][n bytes of UTF-8 JSON]`, status 0 = ok, 1 = failed with
 * `{"code","message"}`. JSON keeps the family readable and easy to extend; it is not on
 * the query hot path (proxies cache locations).
 */
import { ByteReader, type ByteWriter } from "../core/bytes.ts";
import { TruncatedInputError } from "../core/errors.ts";
import { InvalidFrameError } from "./errors.ts";
import type { MessageBody } from "./messages.ts";
import { decodeUtf8, encodeUtf8Java } from "./utf8.ts";

/** `0x51535443`, "QSTC": the version magic of coordinator frames (Flink's is `0x79a1b710`). */
export const COORDINATOR_PROTOCOL_VERSION = 0x51535443;

/** Request operations, as the first body byte. */
export const CoordinatorOp = {
  /** `{tm, token}` → `{known}`: liveness; `known: false` tells a task manager to register all again. */
  HEARTBEAT: 1,
  /** `{tm, token, jobId, vertices: [[vertexId, maxParallelism]]}` → `{}` (idempotent). */
  REGISTER_JOB: 2,
  /** `{token, jobId}` → `{}`. */
  UNREGISTER_JOB: 3,
  /** `{tm, token, jobId, vertex, range: [start, end], name, kvStateId, address: [host, port]}` → `{}`. */
  REGISTER_STATE: 4,
  /** `{tm, token, jobId, vertex, range: [start, end], name}` → `{}`. */
  UNREGISTER_STATE: 5,
  /** `{jobId, name}` → `{vertex, numKeyGroups, ranges: [[start, end, kvStateId, host, port]]}`. */
  LOOKUP: 6,
  /** `{tm, token}` → `{}`: the task manager leaves; all its registrations go at once. */
  LEAVE: 7,
  /**
   * `{jobId?}` → `{jobs: [{jobId, states: [{name, vertex, numKeyGroups, registeredKeyGroups}]}]}`: what is
   * registered (one job, or all), for `qstate states`. Open, like LOOKUP.
   */
  LIST: 8,
} as const;
/** One of the {@link CoordinatorOp} codes. */
export type CoordinatorOp = typeof CoordinatorOp[keyof typeof CoordinatorOp];

const OPS = new Set<number>(Object.values(CoordinatorOp));

function readJson(r: ByteReader, what: string): Record<string, unknown> {
  const n = r.readInt32();
  if (n < 0 || n > r.remaining) throw new InvalidFrameError(`Bad JSON length ${n} in ${what}.`, false);
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8(r.readBytes(n)));
  } catch (e) {
    throw new InvalidFrameError(`The ${what} is not valid JSON: ${(e as Error).message}`, false, { cause: e });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidFrameError(`The ${what} must be a JSON object.`, false);
  }
  return value as Record<string, unknown>;
}

function writeJson(w: ByteWriter, value: unknown): void {
  const bytes = encodeUtf8Java(JSON.stringify(value));
  w.writeInt32(bytes.length);
  w.writeBytes(bytes);
}

function decode<T>(what: string, body: Uint8Array, read: (r: ByteReader) => T): T {
  try {
    return read(new ByteReader(body));
  } catch (e) {
    if (e instanceof TruncatedInputError) throw new InvalidFrameError(`Truncated ${what}: ${e.message}`, false, { cause: e });
    throw e;
  }
}

/** A request to the coordinator. */
export class CoordinatorRequest implements MessageBody {
  /** The operation asked for. */
  readonly op: CoordinatorOp;
  /** The operation's arguments (see {@link CoordinatorOp} for each one's fields). */
  readonly args: Record<string, unknown>;
  /** A request for `op` with `args`. */
  constructor(op: CoordinatorOp, args: Record<string, unknown>) {
    this.op = op;
    this.args = args;
  }

  writeTo(w: ByteWriter): void {
    w.writeUint8(this.op);
    writeJson(w, this.args);
  }

  /** Decodes a body: `[u8 op][i32 len][UTF-8 JSON args]`; throws {@link InvalidFrameError} for an unknown op or bad JSON. */
  static decode(body: Uint8Array): CoordinatorRequest {
    return decode("coordinator request", body, (r) => {
      const op = r.readUint8();
      if (!OPS.has(op)) throw new InvalidFrameError(`Unknown coordinator operation ${op}.`, false);
      return new CoordinatorRequest(op as CoordinatorOp, readJson(r, "coordinator request"));
    });
  }
}

/** The coordinator's answer: a result object, or a failure's stable code and message. */
export class CoordinatorResponse implements MessageBody {
  /** True for a result, false for a failure. */
  readonly ok: boolean;
  /** The result object, or `{code, message}` for a failure. */
  readonly value: Record<string, unknown>;
  /** A result (`ok`) or a failure with `value`. */
  constructor(ok: boolean, value: Record<string, unknown>) {
    this.ok = ok;
    this.value = value;
  }

  /** A failure with a stable `code` and a message. */
  static failure(code: string, message: string): CoordinatorResponse {
    return new CoordinatorResponse(false, { code, message });
  }

  writeTo(w: ByteWriter): void {
    w.writeUint8(this.ok ? 0 : 1);
    writeJson(w, this.value);
  }

  /** Decodes a body: `[u8 status: 0 ok, 1 failure][i32 len][UTF-8 JSON value]`. */
  static decode(body: Uint8Array): CoordinatorResponse {
    return decode("coordinator response", body, (r) => {
      const status = r.readUint8();
      if (status !== 0 && status !== 1) throw new InvalidFrameError(`Unknown coordinator response status ${status}.`, false);
      return new CoordinatorResponse(status === 0, readJson(r, "coordinator response"));
    });
  }
}
