/**
 * The proxy's side of the map-scan extension: a client's SCAN goes, like a single query, to the state server owning
 * the key's key group (after a fresh lookup when the location is stale), as one SCAN_INTERNAL; the answer's cursor
 * names the last user key, so the next page resumes after it wherever the key's state is then.
 */
import { ByteReader, ByteWriter } from "../core/bytes.ts";
import { computeKeyGroupForKeyHash } from "../core/key-groups.ts";
import {
  beginAnswer,
  decodeExtensionAnswer,
  encodeFailedAnswer,
  encodeUnsupportedAnswer,
  EXTENSION_ID,
  ExtStatus,
  INVALID_CURSOR_CLASS,
} from "../protocol/extensions.ts";
import { KvStateInternalRequest, KvStateRequest } from "../protocol/messages.ts";
import {
  BadRequestError,
  errorFromJavaThrowable,
  RemoteError,
  UnknownKeyGroupLocationError,
  UnknownKeyOrNamespaceError,
} from "../protocol/remote-errors.ts";
import {
  encodeScanInternal,
  readScanInternalAnswer,
  type ScanEntry,
  type ScanInternalRequest,
  ScanOp,
  type ScanRequest,
  scanAnswerSize,
  writeScanAnswer,
} from "../protocol/scan.ts";
import type { ScanLookup } from "../server/scan.ts";
import { formatHostPort } from "../transport/address.ts";
import type { Endpoint } from "../transport/transport.ts";
import { failOrBackOff, UnsupportedByPeerSignal } from "./extension-retry.ts";
import type { ProxyExtensionHost } from "./extensions.ts";

const EMPTY = new Uint8Array(0);


/** FNV-1a over what a cursor belongs to: job, state, key and namespace, bounds. */
function scanTag(req: ScanRequest): number {
  let h = 0x811c9dc5;
  const mix = (b: number) => (h = Math.imul(h ^ b, 0x01000193));
  const bytes = (b: Uint8Array | null) => {
    if (b === null) mix(0xff);
    else {
      mix(b.length & 0xff);
      b.forEach(mix);
    }
  };
  req.jobId.forEach(mix);
  for (let i = 0; i < req.stateName.length; i++) mix(req.stateName.charCodeAt(i) & 0xff);
  bytes(req.keyAndNamespace);
  bytes(req.from);
  bytes(req.to);
  bytes(req.prefix);
  return h | 0;
}

/** Answers a client's SCAN. */
export async function answerScan(
  host: ProxyExtensionHost,
  scanLocally: (address: Endpoint, request: Omit<ScanInternalRequest, "op">) => ScanLookup | undefined,
  maxPage: number,
  requestId: bigint,
  req: ScanRequest,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const op = ScanOp.SCAN;
  const bad = (m: string) => encodeFailedAnswer(op, BadRequestError.create(host.serverName, m).toJavaThrowable());
  if (req.flags !== 0) return encodeUnsupportedAnswer(op, `scan flags 0x${(req.flags >>> 0).toString(16)} are unknown to this proxy`);
  if (!(req.pageSize >= 1 && req.pageSize <= maxPage)) return bad(`A map scan takes 1 to ${maxPage} entries per page (maxScanPageSize), got ${req.pageSize}.`);
  if (req.stateName.length > host.maxStateNameLength) return bad(`State name of ${req.stateName.length} characters exceeds the maximum of ${host.maxStateNameLength}.`);
  const tag = scanTag(req);
  let after: Uint8Array | null = null;
  if (req.cursor !== null) {
    try {
      const r = new ByteReader(req.cursor);
      if (r.readUint8() !== 1 || r.readInt32() !== tag) throw new Error("another scan");
      const n = r.readInt32();
      after = n === -1 ? null : r.readBytes(n);
      if (r.remaining !== 0 || n < -1) throw new Error("damaged");
    } catch {
      return encodeFailedAnswer(op, {
        className: INVALID_CURSOR_CLASS,
        message: "The cursor belongs to another scan (another job, state, key, namespace or bounds), or is damaged: pass it with the same arguments, or start again without it.",
      });
    }
  }
  const lookupRequest = new KvStateRequest(req.jobId.slice(), req.stateName, 0, EMPTY);
  const deadline = host.clock.now() + host.timeoutMs;
  for (let attempt = 1, force = false;; attempt++, force = true) {
    let failure: unknown;
    try {
      const location = await host.lookup(lookupRequest, force);
      const keyGroup = computeKeyGroupForKeyHash(req.keyHash, location.numKeyGroups);
      const address = location.getKvStateServerAddress(keyGroup);
      const id = location.getKvStateID(keyGroup);
      if (address === null || id === null) throw UnknownKeyGroupLocationError.forServer(host.serverName);
      const inner = { kvStateId: id.toBytes(), keyAndNamespace: req.keyAndNamespace, from: req.from, to: req.to, prefix: req.prefix, after, limit: req.pageSize };
      const page = await scanFrom(host, scanLocally, address, inner, deadline, req.stateName);
      const last = page.entries[page.entries.length - 1];
      let cursor: Uint8Array | null = null;
      if (!page.complete && last !== undefined) {
        const w = new ByteWriter(16 + last.key.length);
        w.writeUint8(1);
        w.writeInt32(tag);
        w.writeInt32(last.key.length);
        w.writeBytes(last.key);
        cursor = w.view();
      }
      const w = beginAnswer(op, ExtStatus.OK, scanAnswerSize(page.entries, cursor));
      writeScanAnswer(w, page.entries, cursor);
      return w.view();
    } catch (e) {
      failure = e;
    }
    const ended = await failOrBackOff(host, { op, requestId, stateName: req.stateName, lookupRequest, deadline, signal }, failure, attempt);
    if (ended !== null) return ended;
  }
}

async function scanFrom(
  host: ProxyExtensionHost,
  scanLocally: (address: Endpoint, request: Omit<ScanInternalRequest, "op">) => ScanLookup | undefined,
  address: Endpoint,
  request: Omit<ScanInternalRequest, "op">,
  deadline: number,
  stateName: string,
): Promise<{ entries: readonly ScanEntry[]; complete: boolean }> {
  let r = scanLocally(address, request);
  if (r === undefined) {
    let content: Uint8Array;
    try {
      content = (await host.send(address, new KvStateInternalRequest(EXTENSION_ID, encodeScanInternal(request)), deadline, stateName)).content;
    } catch (e) {
      if (e instanceof RemoteError) throw new UnsupportedByPeerSignal(`the state server ${formatHostPort(address)} cannot scan maps (a Flink state server): ${e.message}`);
      throw e;
    }
    const answer = decodeExtensionAnswer(content, ScanOp.SCAN_INTERNAL);
    if (answer.status === ExtStatus.OK) return readScanInternalAnswer(answer.body);
    if (answer.status === ExtStatus.FAILED) r = { failure: answer.failure };
    else if (answer.status === ExtStatus.UNSUPPORTED) r = { unsupported: answer.reason };
    else throw new UnsupportedByPeerSignal(`the state server ${formatHostPort(address)} answered a scan with status ${answer.status}`);
  }
  if ("failure" in r) throw errorFromJavaThrowable(r.failure);
  if ("unsupported" in r) throw new UnsupportedByPeerSignal(`the state server ${formatHostPort(address)} cannot scan this state: ${r.unsupported}`);
  if ("missing" in r) throw UnknownKeyOrNamespaceError.forServer("Queryable State Server");
  return r;
}
