/**
 * Errors that crossed the wire as Java-serialized Throwables, mapped to classes of ours
 * with stable codes. Unknown Java classes become a generic {@link RemoteError} that keeps
 * the class name and message.
 */
import type { ErrorCode } from "../core/error-codes.ts";
import { QueryableStateError } from "../core/errors.ts";
import type { JavaClassInfo, JavaThrowable } from "./java/mod.ts";

/** The fields of a Java Throwable needed to describe or re-send it. */
export interface JavaThrowableInit {
  /** The fully qualified Java class name. */
  readonly className: string;
  /** The Throwable's `detailMessage` (may be null). */
  readonly message: string | null;
  /** The Throwable's cause, if any. */
  readonly cause?: JavaThrowableInit | null;
  /** The class and its superclasses as serialized, most specific first. */
  readonly classChain?: readonly JavaClassInfo[];
}

const PKG = "org.apache.flink.queryablestate";

/** What to do about each remote failure, appended to `message` (`remoteMessage` stays as sent). */
const HINTS: Record<string, string> = {
  UNKNOWN_KEY_OR_NAMESPACE: "no value for this key: check the key, its type and serializer, and that the job has processed it",
  UNKNOWN_KV_STATE_ID: "the state moved or its task ended: ask a proxy again, it looks the location up anew",
  UNKNOWN_KEY_GROUP_LOCATION: "no task serves this key's key group right now: retry once the job's tasks are running",
  UNKNOWN_LOCATION: "check the job id and state name, and that the job is running",
  UNKNOWN_JOB_MANAGER: "the proxy has no coordinator yet: retry shortly",
  UNKNOWN_JOB: "check the job id; the job may have finished or not started yet",
  UNKNOWN_STATE_NAME: "check the queryable state name the job registered",
  SERVER_UNREACHABLE: "the task manager holding this key may be down or restarting: retry once it is back",
  ETCD_UNAVAILABLE: "check that etcd's members run and are reachable (their /health); locations already cached keep answering",
};

/** A failure reported by the remote side (server or proxy). */
export class RemoteError extends QueryableStateError {
  /** The Java class of a generic remote failure. */
  static readonly javaClassName: string = "java.lang.Throwable";
  /** The remote Java class, e.g. `java.lang.RuntimeException`. */
  readonly remoteClassName: string;
  /** The remote `detailMessage` exactly as sent (may be null). */
  readonly remoteMessage: string | null;
  /** The remote class chain when it came from the wire. */
  readonly classChain: readonly JavaClassInfo[] | undefined;

  /** Wraps `remote`; `options.code` picks the error code (default `REMOTE`) and its hint. */
  constructor(
    remote: { className: string; message: string | null; classChain?: readonly JavaClassInfo[] },
    options: { cause?: unknown; code?: ErrorCode } = {},
  ) {
    const code = options.code ?? "REMOTE";
    const full = remote.message === null ? remote.className : `${remote.className}: ${withoutStackTrace(remote.message)}`;
    const text = code === "REMOTE" ? full : recognizedPart(full, (new.target as { javaClassName?: string }).javaClassName);
    const hint = HINTS[code];
    super(code, hint === undefined ? text : `${text} (${hint})`, { cause: options.cause });
    this.remoteClassName = remote.className;
    this.remoteMessage = remote.message;
    this.classChain = remote.classChain;
  }

  /** The remote Java class (not the class's static default): what the remote side actually sent. */
  override get javaClassName(): string {
    return this.remoteClassName;
  }

  /** The Throwable to send on the wire for this error (same class, same message). */
  toJavaThrowable(): JavaThrowableInit {
    const cause = this.cause instanceof RemoteError ? this.cause.toJavaThrowable() : null;
    return { className: this.remoteClassName, message: this.remoteMessage, cause, classChain: this.classChain };
  }
}

/**
 * A remote message without the Java stack-trace lines it may embed (Flink's proxy puts a whole
 * stack trace inside its "Failed request" text): they help nobody reading our error.
 */
function withoutStackTrace(message: string): string {
  if (!message.includes("\n\t")) return message;
  return message.split("\n").filter((l) => !/^\t(at |\.\.\. \d+ more)/.test(l)).join("\n").trimEnd();
}

/**
 * For a failure recognised by a class named inside a wrapper's text ("RuntimeException: Failed request 3.\n
 * Caused by: <class>: <message>\nCaused by: ..."), the part that names it: from that class's line on, each
 * message once (a cause that repeats its parent's text is left out). Other texts stay whole; `remoteMessage`
 * always keeps what was sent.
 */
function recognizedPart(text: string, javaClassName: string | undefined): string {
  const parts = text.split(/\n ?Caused by: /);
  if (parts.length < 2 || javaClassName === undefined) return text;
  let from = -1;
  for (let i = parts.length - 1; i > 0 && from < 0; i--) if (parts[i].startsWith(`${javaClassName}: `)) from = i;
  if (from < 0) return text;
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const part of parts.slice(from)) {
    const message = part.replace(/^[\w.$]+: /, "");
    if (seen.has(message)) continue;
    seen.add(message);
    kept.push(part);
  }
  return kept.join("; caused by: ");
}

/** The remote fields of a Throwable as it came over the wire (or as we send it). */
export interface RemoteThrowable {
  /** The fully qualified Java class name. */
  readonly className: string;
  /** The Throwable's `detailMessage` (may be null). */
  readonly message: string | null;
  /** The class and its superclasses as serialized, most specific first. */
  readonly classChain?: readonly JavaClassInfo[];
}

type RemoteErrorClass = {
  new (remote: RemoteThrowable, options?: { cause?: unknown }): RemoteError;
  readonly javaClassName: string;
};

/** Flink's `BadRequestException`: the request was understood but cannot be answered. */
export class BadRequestError extends RemoteError {
  /** The Java exception class Flink sends for this failure. */
  static override readonly javaClassName: string = `${PKG}.network.BadRequestException`;
  /** The text a server sends when it gives no detail. */
  static readonly defaultText: string = "Bad request.";
  /** Wraps `remote`; subclasses pass their own `options.code`. */
  constructor(remote: RemoteThrowable, options: { cause?: unknown; code?: ErrorCode } = {}) {
    super(remote, { code: "BAD_REQUEST", ...options });
  }
  /** The error a server sends, e.g. `BadRequestError.create("Queryable State Server", "NULL returned ...")`. */
  static create(serverName: string, message: string): BadRequestError {
    return new BadRequestError({ className: BadRequestError.javaClassName, message: `${serverName} : ${message}` });
  }
  /** This class's error as a server named `serverName` sends it: `"<server> : <detail>"`. */
  static forServer<E extends BadRequestError>(
    this: { new (remote: RemoteThrowable): E; readonly javaClassName: string; readonly defaultText: string },
    serverName: string,
    detail?: string,
  ): E {
    return new this({ className: this.javaClassName, message: `${serverName} : ${detail ?? this.defaultText}` });
  }
}

/** No value for that key and namespace (code `UNKNOWN_KEY_OR_NAMESPACE`). Check the key, its type, and that the job has processed it. */
export class UnknownKeyOrNamespaceError extends BadRequestError {
  /** The Java exception class Flink sends for this failure. */
  static override readonly javaClassName: string = `${PKG}.exceptions.UnknownKeyOrNamespaceException`;
  /** The text Flink sends when it gives no detail. */
  static override readonly defaultText: string = "No state for the specified key/namespace.";
  /** Wraps a remote Throwable; `options.cause` is its decoded cause. */
  constructor(remote: RemoteThrowable, options: { cause?: unknown } = {}) {
    super(remote, { ...options, code: "UNKNOWN_KEY_OR_NAMESPACE" });
  }
}

/** The state server has no state under that KvStateID (code `UNKNOWN_KV_STATE_ID`); the location is stale. */
export class UnknownKvStateIdError extends BadRequestError {
  /** The Java exception class Flink sends for this failure. */
  static override readonly javaClassName: string = `${PKG}.exceptions.UnknownKvStateIdException`;
  /** The text Flink sends when it gives no detail. */
  static override readonly defaultText: string = "No registered state.";
  /** Wraps a remote Throwable; `options.cause` is its decoded cause. */
  constructor(remote: RemoteThrowable, options: { cause?: unknown } = {}) {
    super(remote, { ...options, code: "UNKNOWN_KV_STATE_ID" });
  }
  /** As the state server sends it: `"<server> : No registered state with ID <hex>."`. */
  static forId(serverName: string, kvStateId: { toString(): string }): UnknownKvStateIdError {
    return UnknownKvStateIdError.forServer(serverName, `No registered state with ID ${kvStateId}.`);
  }
}

/** No state server is registered for the key's key group (code `UNKNOWN_KEY_GROUP_LOCATION`). */
export class UnknownKeyGroupLocationError extends BadRequestError {
  /** The Java exception class Flink sends for this failure. */
  static override readonly javaClassName: string = `${PKG}.exceptions.UnknownKvStateKeyGroupLocationException`;
  /** The text Flink sends when it gives no detail. */
  static override readonly defaultText: string = "Unknown key-group location.";
  /** Wraps a remote Throwable; `options.cause` is its decoded cause. */
  constructor(remote: RemoteThrowable, options: { cause?: unknown } = {}) {
    super(remote, { ...options, code: "UNKNOWN_KEY_GROUP_LOCATION" });
  }
}

/** The proxy could not find where the state lives: the job or state name is unknown or not ready (code `UNKNOWN_LOCATION`). */
export class UnknownLocationError extends RemoteError {
  /** The Java exception class Flink sends for this failure. */
  static override readonly javaClassName: string = `${PKG}.exceptions.UnknownLocationException`;
  /** Wraps a remote Throwable; `options.cause` is its decoded cause. */
  constructor(remote: RemoteThrowable, options: { cause?: unknown } = {}) {
    super(remote, { ...options, code: "UNKNOWN_LOCATION" });
  }
  /** Flink's text for a state that cannot be located. */
  static forState(stateName: string, jobId: { toString(): string }): UnknownLocationError {
    return new UnknownLocationError({
      className: UnknownLocationError.javaClassName,
      message: `Could not retrieve location of state=${stateName} of job=${jobId}. ` +
        "Potential reasons are: i) the state is not ready, or ii) the job does not exist.",
    });
  }
}

/** The proxy has no coordinator to ask (code `UNKNOWN_JOB_MANAGER`). */
export class UnknownJobManagerError extends RemoteError {
  /** The Java exception class Flink sends for this failure. */
  static override readonly javaClassName: string = `${PKG}.exceptions.UnknownJobManagerException`;
  /** Wraps a remote Throwable; `options.cause` is its decoded cause. */
  constructor(remote: RemoteThrowable, options: { cause?: unknown } = {}) {
    super(remote, { ...options, code: "UNKNOWN_JOB_MANAGER" });
  }
  /** Flink's error for a proxy with no JobManager (coordinator), with Flink's text. */
  static create(): UnknownJobManagerError {
    return new UnknownJobManagerError({
      className: UnknownJobManagerError.javaClassName,
      message: "Unknown JobManager. Either the JobManager has not registered yet or has lost leadership.",
    });
  }
}

/** The job id is not known to the coordinator (code `UNKNOWN_JOB`). Check the job id and that the job runs. */
export class UnknownJobError extends RemoteError {
  /** The Java exception class Flink sends for this failure. */
  static override readonly javaClassName: string = "org.apache.flink.runtime.messages.FlinkJobNotFoundException";
  /** Wraps a remote Throwable; `options.cause` is its decoded cause. */
  constructor(remote: RemoteThrowable, options: { cause?: unknown } = {}) {
    super(remote, { ...options, code: "UNKNOWN_JOB" });
  }
}

/** The job has no queryable state of that name (code `UNKNOWN_STATE_NAME`). Check the name the job registered. */
export class UnknownStateNameError extends RemoteError {
  /** The Java exception class Flink sends for this failure. */
  static override readonly javaClassName: string = "org.apache.flink.runtime.query.UnknownKvStateLocation";
  /** Wraps a remote Throwable; `options.cause` is its decoded cause. */
  constructor(remote: RemoteThrowable, options: { cause?: unknown } = {}) {
    super(remote, { ...options, code: "UNKNOWN_STATE_NAME" });
  }
}

/**
 * The proxy could not reach the state server that holds the key's key group (code
 * `SERVER_UNREACHABLE`): the connection was refused or closed, usually because that task manager
 * died or is restarting. Other keys keep answering; retry this one later.
 */
export class StateServerUnreachableError extends RemoteError {
  /** The Java exception class named in the proxy's failure text. */
  static override readonly javaClassName: string = "java.net.ConnectException";
  /** Wraps a remote Throwable; `options.cause` is its decoded cause. */
  constructor(remote: RemoteThrowable, options: { cause?: unknown } = {}) {
    super(remote, { ...options, code: "SERVER_UNREACHABLE" });
  }
}

/**
 * etcd, the location registry, could not be reached (code `ETCD_UNAVAILABLE`): no member answered in time,
 * every member refused the connection or answered with an error. Thrown by the etcd client itself, and
 * what a client gets from a proxy whose lookup could not reach etcd: the proxy names this class (Java
 * name `dev.qstate.EtcdUnavailableException`) inside the `RuntimeException` text it sends, so our client
 * maps it back to this class while Flink's client shows that text in a plain `RuntimeException`.
 */
export class EtcdUnavailableError extends RemoteError {
  /** The class name the proxy writes into its failure text (no such Java class exists: it only names the failure). */
  static override readonly javaClassName: string = "dev.qstate.EtcdUnavailableException";
  /**
   * `new EtcdUnavailableError(what, cause)`: the etcd call `what` (an etcd path) failed with `cause`.
   * `new EtcdUnavailableError(remote, { cause })`: the failure as it came over the wire.
   */
  constructor(what: string | RemoteThrowable, cause?: unknown) {
    const local = typeof what === "string";
    super(
      local ? { className: EtcdUnavailableError.javaClassName, message: `etcd ${what} failed: ${(cause as Error | undefined)?.message ?? String(cause)}` } : what,
      { cause: local ? cause : (cause as { cause?: unknown } | undefined)?.cause, code: "ETCD_UNAVAILABLE" },
    );
  }
}

const BY_CLASS = new Map<string, RemoteErrorClass>([
  [BadRequestError.javaClassName, BadRequestError],
  [UnknownKeyOrNamespaceError.javaClassName, UnknownKeyOrNamespaceError],
  [UnknownKvStateIdError.javaClassName, UnknownKvStateIdError],
  [UnknownKeyGroupLocationError.javaClassName, UnknownKeyGroupLocationError],
  [UnknownLocationError.javaClassName, UnknownLocationError],
  [UnknownJobManagerError.javaClassName, UnknownJobManagerError],
  [UnknownJobError.javaClassName, UnknownJobError],
  [UnknownStateNameError.javaClassName, UnknownStateNameError],
  [StateServerUnreachableError.javaClassName, StateServerUnreachableError],
  [EtcdUnavailableError.javaClassName, EtcdUnavailableError],
  // A connection to the state server that closed before the answer came.
  ["java.nio.channels.ClosedChannelException", StateServerUnreachableError],
]);

// Flink's proxy sends most failures as text inside a RuntimeException ("Failed request 1.\n
// Caused by: <class>: <message>..."), and ours names the reason inside UnknownLocationException:
// find the innermost known exception class named in the text (Flink's, Java's, or one of ours: dev.qstate.*).
const NAMED_CLASS = /(?:^|\s|:\s)((?:org\.apache\.flink|java|dev\.qstate)\.[\w.$]+):/g;

function recognizeText(message: string | null): RemoteErrorClass | undefined {
  if (message === null) return undefined;
  let found: RemoteErrorClass | undefined;
  for (const m of message.matchAll(NAMED_CLASS)) {
    const cls = BY_CLASS.get(m[1]);
    if (cls && cls !== BadRequestError) found = cls;
  }
  return found;
}

/** Maps a decoded Java Throwable (and its cause chain) to our error classes. */
export function errorFromJavaThrowable(t: JavaThrowable | JavaThrowableInit, depth = 0): RemoteError {
  const cause = t.cause && depth < 32 ? errorFromJavaThrowable(t.cause, depth + 1) : undefined;
  let cls = BY_CLASS.get(t.className);
  if (cls === undefined && t.classChain) {
    // An unknown subclass of a known Flink exception keeps the known meaning.
    for (const c of t.classChain) {
      cls = BY_CLASS.get(c.name);
      if (cls) break;
    }
  }
  if (cls === undefined || cls === UnknownLocationError) cls = recognizeText(t.message) ?? cls;
  // The remote fields stay as sent, so relaying the error re-sends exactly what came in.
  const remote = { className: t.className, message: t.message, classChain: t.classChain };
  return cls ? new cls(remote, { cause }) : new RemoteError(remote, { cause });
}
