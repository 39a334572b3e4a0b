import { InvalidArgumentError } from "../core/errors.ts";

/**
 * Parses a port specification as Flink's configuration allows: `0` (ephemeral), `"9067"`,
 * a range `"50100-50200"`, or a comma list `"50100-50200,50300,51234"`. Returns the ports in
 * the order given (Flink tries a HashSet's order; ours is the configured order, which is
 * what a user expects). Duplicates are dropped.
 */
export function parsePortRange(spec: number | string | readonly number[]): number[] {
  if (typeof spec === "number") return [checkPort(spec, String(spec))];
  if (Array.isArray(spec)) return dedupe(spec.map((p) => checkPort(p, String(p))));
  const text = String(spec).trim();
  if (text === "") throw new InvalidArgumentError("Port specification is empty: give a port, a range like 9067-9070, or a list.");
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new InvalidArgumentError(`Invalid port specification '${part.trim()}' in '${text}': use 9067, 9067-9070 or a comma list.`);
    const from = checkPort(Number(m[1]), m[1]);
    const to = m[2] === undefined ? from : checkPort(Number(m[2]), m[2]);
    if (to < from) throw new InvalidArgumentError(`Invalid port range '${part.trim()}': the end is below the start.`);
    for (let p = from; p <= to; p++) out.push(p);
  }
  return dedupe(out);
}

function checkPort(p: number, text: string): number {
  if (!Number.isInteger(p) || p < 0 || p > 65535) {
    throw new InvalidArgumentError(`Invalid port configuration. Port must be between 0 and 65535, but was ${text}.`);
  }
  return p;
}

function dedupe(ports: number[]): number[] {
  return [...new Set(ports)];
}
