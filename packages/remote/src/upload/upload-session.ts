/**
 * The client side of the blob upload state machine (`spec/PROTOCOL.md` §4.1): one attempt loop that opens a
 * session, sends the content in the chosen flow, and recovers from what registries and networks do:
 *
 * - a cut connection, a `416` (chunk out of order) or a temporary `5xx` during a chunk or the closing `PUT`:
 *   ask `GET <location>` where the registry stands (`204` + `Range`) and resend from there;
 * - a `404` on the session (`BLOB_UPLOAD_UNKNOWN`, the session expired or was dropped, or
 *   `BLOB_UPLOAD_INVALID`, which distribution 2.8 answers on a session whose request was cut): start again
 *   with a new `POST`;
 * - a monolithic upload restarts from `POST` on any of these: the blob is small, and a resent whole body
 *   cannot land on top of a half-written one;
 * - a whole body refused as too large (`413`, a proxy's body limit) — a monolithic `PUT`, a single `POST`
 *   or a streamed `PATCH`: start again in chunks;
 * - an abort: `DELETE <location>` (failures ignored) and `AbortError` — also of a session whose opening
 *   `POST` was in flight when the abort came (`startUpload` waits for its answer);
 * - a closing `PUT` refused with `DIGEST_INVALID`, `SIZE_INVALID` or `BLOB_UPLOAD_INVALID`: `UploadError`.
 *
 * Every recovery counts against `options.resumeAttempts`; past it the upload fails with `UploadError`
 * whose `cause` is the last failure — or, when that is a lost session after a network failure, the network
 * failure, which is what the user has to fix. The newest `Location` is always the next request's URL (§4.1).
 */
import type { Descriptor, RegistryErrorCode } from "@stevedore/core";
import {
  AbortError,
  InvalidResponseError,
  NetworkError,
  RegistryResponseError,
  StevedoreError,
  UploadError,
} from "@stevedore/core";
import type { RemoteContext } from "../remote-context.js";
import { type UploadContent, uploadBody } from "./upload-body.js";
import {
  cancelUpload,
  getUploadStatus,
  patchChunk,
  postSingle,
  putComplete,
  startUpload,
  type UploadSession,
  type UploadStatus,
} from "./upload-requests.js";

/**
 * How a blob goes up (§4.1): `monolithic` (`POST`, then one `PUT` with the body), `single-post`
 * (`POST ?digest=` with the body; a `202` continues as monolithic), `chunked` (`PATCH`es with
 * `Content-Range`, then an empty `PUT`), `streamed` (one `PATCH` without `Content-Range` or
 * `Content-Length`, then an empty `PUT`).
 */
export type UploadStrategy = "monolithic" | "single-post" | "chunked" | "streamed";

/** Everything one upload needs, validated by the caller. */
export interface UploadPlan {
  descriptor: Descriptor;
  content: UploadContent;
  strategy: UploadStrategy;
  signal: AbortSignal | undefined;
  onProgress: ((bytes: number) => void) | undefined;
  /** A session a `202` already opened (a declined mount); used instead of a first `POST`. */
  session?: UploadSession;
}

type Phase = "start" | "single-post" | "status" | "chunk" | "complete";
type Decision = "abort" | "fatal" | "refused" | "fallback" | "chunks" | "restart" | "resume";

/** The codes of a closing `PUT` that mean the upload itself is broken (§4.1, §9.2). */
const refusalCodes: readonly RegistryErrorCode[] = ["DIGEST_INVALID", "SIZE_INVALID", "BLOB_UPLOAD_INVALID"];
/** Statuses of a single `POST ?digest=` from registries that do not support it: use the two-step flow. */
const singlePostRefusals = [400, 405, 415, 501];

/** Runs the upload described by `plan` to the end: resolves when the registry has stored the blob. */
export async function runUpload(context: RemoteContext, plan: UploadPlan): Promise<void> {
  const { descriptor, content, signal } = plan;
  const size = content.size;
  const where = `the upload of ${descriptor.digest} to ${context.registry}/${context.repository}`;
  let session = plan.session === undefined ? undefined : { ...plan.session };
  let strategy = session !== undefined && plan.strategy === "single-post" ? "monolithic" : plan.strategy;
  let offset = 0;
  let recovering: { outOfOrderAt: number | undefined } | undefined;
  let failures = 0;
  let lastNetworkFailure: unknown;
  let acknowledged = 0;
  const acknowledge = (bytes: number): void => {
    if (bytes <= acknowledged) return;
    acknowledged = bytes;
    plan.onProgress?.(bytes);
  };
  // A whole blob in one request would otherwise show no progress until it is stored; the last byte counts
  // only once the registry confirms.
  const sending = (offset: number): void => acknowledge(Math.min(offset, size - 1));

  for (;;) {
    let phase: Phase = "start";
    let chunkStart = 0;
    try {
      if (signal?.aborted) throw new AbortError(`${where} aborted`, { cause: signal.reason });
      if (session === undefined) {
        offset = 0;
        recovering = undefined;
        if (strategy === "single-post") {
          phase = "single-post";
          const result = await postSingle(context, descriptor, uploadBody(content, 0, size, sending), signal);
          if (result.created) {
            acknowledge(size);
            return;
          }
          // A 202 may have dropped the body (distribution does): send it again with the PUT (flow 2).
          session = result.session;
          strategy = "monolithic";
        } else {
          session = await startUpload(context, signal);
          // An abort during the POST: the session it opened is cancelled below.
          if (signal?.aborted) throw new AbortError(`${where} aborted`, { cause: signal.reason });
        }
      } else if (recovering !== undefined) {
        phase = "status";
        const status = await getUploadStatus(context, session.location, signal);
        session.location = status.location;
        offset = recoveredOffset(status, offset, recovering.outOfOrderAt, size, where);
        recovering = undefined;
      }
      if (strategy === "monolithic" || strategy === "single-post") {
        phase = "complete";
        await putComplete(
          context,
          session.location,
          descriptor,
          uploadBody(content, 0, size, sending),
          signal,
        );
        acknowledge(size);
        return;
      }
      const streamed = strategy === "streamed";
      const chunkLength = streamed ? size : Math.max(context.options.chunkSize, session.minChunkLength);
      while (offset < size) {
        phase = "chunk";
        chunkStart = offset;
        const length = Math.min(chunkLength, size - offset);
        const body = uploadBody(content, offset, length, streamed ? sending : undefined);
        session.location = await patchChunk(context, session.location, body, offset, streamed, signal);
        offset += length;
        acknowledge(offset);
      }
      phase = "complete";
      await putComplete(context, session.location, descriptor, undefined, signal);
      acknowledge(size);
      return;
    } catch (error) {
      const decision = decide(error, phase, signal, strategy);
      if (decision === "fallback") {
        strategy = "monolithic";
        continue;
      }
      if (decision === "chunks") {
        // Does not count as a failure: the registry said what it takes.
        if (session !== undefined) await cancelUpload(context, session.location);
        session = undefined;
        strategy = "chunked";
        continue;
      }
      const gone = isSessionGone(error);
      if (decision === "abort") {
        if (session !== undefined && !gone) await cancelUpload(context, session.location);
        throw AbortError.isInstance(error) ? error : new AbortError(`${where} aborted`, { cause: error });
      }
      if (decision === "fatal" || decision === "refused") {
        if (session !== undefined && !gone) await cancelUpload(context, session.location);
        if (decision === "fatal") throw error;
        throw new UploadError(`${where} was refused: ${messageOf(error)}`, { cause: error });
      }
      failures += 1;
      if (NetworkError.isInstance(error)) lastNetworkFailure = error;
      const restart = decision === "restart" || strategy === "monolithic" || strategy === "single-post";
      if (failures > context.options.resumeAttempts) {
        if (session !== undefined && !gone) await cancelUpload(context, session.location);
        // A session lost because connections kept failing is a network failure (exit 5), not a 404 (3).
        const cause = gone && lastNetworkFailure !== undefined ? lastNetworkFailure : error;
        throw new UploadError(`${where} failed after ${failures} attempts: ${messageOf(cause)}`, {
          cause,
          retryable: StevedoreError.isInstance(cause) && cause.retryable,
        });
      }
      if (restart) {
        if (session !== undefined && !gone) await cancelUpload(context, session.location);
        session = undefined;
      } else {
        const outOfOrder = RegistryResponseError.isInstance(error) && error.status === 416;
        recovering = { outOfOrderAt: outOfOrder ? chunkStart : recovering?.outOfOrderAt };
      }
    }
  }
}

/** What to do after `error` in `phase`. */
function decide(
  error: unknown,
  phase: Phase,
  signal: AbortSignal | undefined,
  strategy: UploadStrategy,
): Decision {
  if (signal?.aborted || AbortError.isInstance(error)) return "abort";
  const inSession = phase === "chunk" || phase === "complete" || phase === "status";
  if (RegistryResponseError.isInstance(error)) {
    if (phase === "single-post" && singlePostRefusals.includes(error.status)) return "fallback";
    if (error.status === 413 && sentWhole(phase, strategy)) return "chunks";
    // distribution answers a status GET on a session it cannot resume with BLOB_UPLOAD_INVALID.
    if (phase === "status" && error.hasCode("BLOB_UPLOAD_INVALID")) return "restart";
    if (inSession && isSessionGone(error)) return "restart";
    if (phase !== "status" && inSession && refusalCodes.some((code) => error.hasCode(code))) return "refused";
    if (inSession && error.status === 416) return "resume";
    if (error.retryable) return inSession ? "resume" : "restart";
    return "fatal";
  }
  if (NetworkError.isInstance(error)) return inSession ? "resume" : "restart";
  return "fatal";
}

/** Whether the request that failed in `phase` carried the whole blob (not a chunk of it). */
function sentWhole(phase: Phase, strategy: UploadStrategy): boolean {
  if (phase === "single-post") return true;
  if (phase === "chunk") return strategy === "streamed";
  return phase === "complete" && (strategy === "monolithic" || strategy === "single-post");
}

/**
 * A `404` on a session URL (distribution 2.8 answers `404 BLOB_UPLOAD_INVALID` on a session whose request
 * was cut), or `BLOB_UPLOAD_UNKNOWN` with any status: the session is gone, start over.
 */
function isSessionGone(error: unknown): boolean {
  if (!RegistryResponseError.isInstance(error)) return false;
  return error.status === 404 || error.hasCode("BLOB_UPLOAD_UNKNOWN");
}

/**
 * The offset to resume from. `0-0` is ambiguous (§4.1, §18): it means one byte when this session had
 * already taken bytes, or when a chunk starting at 0 was refused as out of order.
 */
function recoveredOffset(
  status: UploadStatus,
  believed: number,
  outOfOrderAt: number | undefined,
  size: number,
  where: string,
): number {
  let next = status.offset;
  if (next === 0 && /^(?:bytes=)?0-0$/i.test(status.range.trim()) && (believed > 0 || outOfOrderAt === 0)) {
    next = 1;
  }
  if (next > size) {
    throw new InvalidResponseError(
      `${where}: the registry reports ${next} bytes received of a ${size}-byte blob`,
    );
  }
  return next;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
