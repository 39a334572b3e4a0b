import type { JavaClassInfo } from "./throwable.ts";

/**
 * serialVersionUIDs and superclasses of the exception classes that travel in Flink's
 * queryable-state failure messages, so callers can write them by name alone. JDK values
 * were computed with ObjectStreamClass.lookup on JDK 17 (identical on 25); Flink values are
 * the constants declared in its sources (and match the golden vectors).
 */
const KNOWN: ReadonlyArray<readonly [name: string, serialVersionUID: bigint, superclass: string | null]> = [
  ["java.lang.Throwable", -3042686055658047285n, null],
  ["java.lang.Exception", -3387516993124229948n, "java.lang.Throwable"],
  ["java.lang.RuntimeException", -7034897190745766939n, "java.lang.Exception"],
  ["java.lang.IllegalArgumentException", -5365630128856068164n, "java.lang.RuntimeException"],
  ["java.lang.IllegalStateException", -1848914673093119416n, "java.lang.RuntimeException"],
  ["java.util.concurrent.RejectedExecutionException", -375805702767069545n, "java.lang.RuntimeException"],
  ["java.io.IOException", 7818375828146090155n, "java.lang.Exception"],
  ["java.nio.channels.ClosedChannelException", 882777185433553857n, "java.io.IOException"],
  ["java.net.SocketException", -5935874303556886934n, "java.io.IOException"],
  ["java.net.ConnectException", 3831404271622369215n, "java.net.SocketException"],
  ["org.apache.flink.util.FlinkException", 450688772469004724n, "java.lang.Exception"],
  ["org.apache.flink.runtime.query.UnknownKvStateLocation", 1n, "java.lang.Exception"],
  ["org.apache.flink.queryablestate.network.BadRequestException", 3458743952407632903n, "java.lang.Exception"],
  [
    "org.apache.flink.queryablestate.exceptions.UnknownKeyOrNamespaceException",
    1n,
    "org.apache.flink.queryablestate.network.BadRequestException",
  ],
  [
    "org.apache.flink.queryablestate.exceptions.UnknownKvStateIdException",
    1n,
    "org.apache.flink.queryablestate.network.BadRequestException",
  ],
  [
    "org.apache.flink.queryablestate.exceptions.UnknownKvStateKeyGroupLocationException",
    1n,
    "org.apache.flink.queryablestate.network.BadRequestException",
  ],
  [
    "org.apache.flink.queryablestate.exceptions.UnknownLocationException",
    9092442511708951209n,
    "org.apache.flink.util.FlinkException",
  ],
  ["org.apache.flink.queryablestate.exceptions.UnknownJobManagerException", 9092442511708951209n, "java.lang.Exception"],
];

function buildChains(): ReadonlyMap<string, readonly JavaClassInfo[]> {
  const byName = new Map(KNOWN.map((entry) => [entry[0], entry] as const));
  const chains = new Map<string, readonly JavaClassInfo[]>();
  for (const [name] of KNOWN) {
    const chain: JavaClassInfo[] = [];
    for (let entry = byName.get(name); entry !== undefined; entry = entry[2] === null ? undefined : byName.get(entry[2])) {
      chain.push(Object.freeze({ name: entry[0], serialVersionUID: entry[1] }));
    }
    chains.set(name, Object.freeze(chain));
  }
  return chains;
}

/** Known Throwable classes by name: their serializable class chains, most specific first. */
export const KNOWN_THROWABLE_CLASSES: ReadonlyMap<string, readonly JavaClassInfo[]> = buildChains();

/** The class chain of a known Throwable class (most specific first), or undefined. */
export function knownClassChain(className: string): readonly JavaClassInfo[] | undefined {
  return KNOWN_THROWABLE_CLASSES.get(className);
}

/** `StackTraceElement[]`: the type of `Throwable.stackTrace`. */
export const STACK_TRACE_ARRAY_CLASS: JavaClassInfo = Object.freeze({
  name: "[Ljava.lang.StackTraceElement;",
  serialVersionUID: 163864874655228473n,
});

/** `Collections.emptyList()`: JDK 9+'s `Throwable.suppressedExceptions` sentinel. */
export const EMPTY_LIST_CLASS: JavaClassInfo = Object.freeze({
  name: "java.util.Collections$EmptyList",
  serialVersionUID: 8842843931221139166n,
});
