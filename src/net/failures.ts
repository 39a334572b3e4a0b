/** How a server describes failures on the wire, following Flink's AbstractServerHandler. */
import { QueryableStateError } from "../core/errors.ts";
import { BadRequestError, type JavaThrowableInit, RemoteError } from "../protocol/remote-errors.ts";

const RUNTIME_EXCEPTION = "java.lang.RuntimeException";

/** `class: message`, as Java's Throwable.toString() prints our errors. */
export function describeError(e: unknown): string {
  if (e instanceof RemoteError) return e.remoteMessage === null ? e.remoteClassName : `${e.remoteClassName}: ${e.remoteMessage}`;
  if (e instanceof QueryableStateError) return `${e.javaClassName ?? e.name}: ${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

/** Text of a cause chain, one `Caused by:` per level, as Java's stack-trace text shows it. */
function chainText(e: unknown): string {
  let text = describeError(e);
  let cause = e instanceof Error ? e.cause : undefined;
  for (let depth = 0; cause !== undefined && cause !== null && depth < 8; depth++) {
    text += `\nCaused by: ${describeError(cause)}`;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return text;
}

/**
 * The Throwable for a failed request: BadRequestException and its subclasses go as they are
 * (the client can tell them apart); anything else becomes a RuntimeException whose message
 * is `Failed request <id>.\n Caused by: <class>: <message>`, as Flink sends it.
 */
export function requestFailureThrowable(requestId: bigint, e: unknown, asIs = false): JavaThrowableInit {
  if (e instanceof BadRequestError || (asIs && e instanceof RemoteError)) return bounded(e.toJavaThrowable());
  return { className: RUNTIME_EXCEPTION, message: bound(`Failed request ${requestId}.\n Caused by: ${chainText(e)}`) };
}

/** Longest failure text a server sends: what a peer sent (a huge state name) must not come back whole. */
export const MAX_FAILURE_MESSAGE_LENGTH = 16 * 1024;

function bound(m: string): string {
  if (m.length <= MAX_FAILURE_MESSAGE_LENGTH) return m;
  return `${m.slice(0, MAX_FAILURE_MESSAGE_LENGTH)}… [${m.length - MAX_FAILURE_MESSAGE_LENGTH} characters left out]`;
}

/** The same Throwable with every message in its cause chain bounded. */
function bounded(t: JavaThrowableInit, depth = 0): JavaThrowableInit {
  const cause = t.cause == null || depth > 8 ? t.cause : bounded(t.cause, depth + 1);
  const message = t.message === null ? null : bound(t.message);
  return message === t.message && cause === t.cause ? t : { ...t, message, cause };
}

/** The Throwable for a frame that could not be understood (SERVER_FAILURE). */
export function incomingMessageFailureThrowable(e: unknown): JavaThrowableInit {
  return { className: RUNTIME_EXCEPTION, message: bound(`Failed incoming message. Caused by: ${chainText(e)}`) };
}

/** The SERVER_FAILURE sent for a frame of a type other than REQUEST. */
export function unexpectedMessageTypeThrowable(typeName: string): JavaThrowableInit {
  return { className: "java.lang.IllegalArgumentException", message: `Unexpected message type ${typeName}. Expected REQUEST.` };
}
