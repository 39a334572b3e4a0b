/**
 * Loads the Avro entry on demand (a dynamic import), so that code which only may need Avro (the CLI) does
 * not load the `avsc` package until an Avro type is asked for. A missing `avsc` becomes AvroNotInstalledError.
 */
import { AvroNotInstalledError } from "./errors.ts";

/** What the Avro entry exports, as far as on-demand callers need it. */
export type AvroModule = typeof import("../../avro.ts");

let loading: Promise<AvroModule> | undefined;

/** The Avro entry; rejects with {@link AvroNotInstalledError} when `avsc` cannot be found. */
export function loadAvro(): Promise<AvroModule> {
  return loading ??= import("../../avro.ts").catch((e: unknown) => {
    loading = undefined;
    throw isMissingAvsc(e) ? new AvroNotInstalledError({ cause: e }) : e;
  });
}

function isMissingAvsc(e: unknown): boolean {
  const text = `${(e as { code?: unknown })?.code ?? ""} ${(e as Error)?.message ?? e}`;
  return /avsc/.test(text) && /not.?found|cannot find|could not find|resolve|ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND/i.test(text);
}
