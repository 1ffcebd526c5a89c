/**
 * Blob uploads (`spec/PROTOCOL.md` §4.1). Checking whether the blob is already there (`HEAD`) is the
 * caller's job — `Target.push` does it — so this always uploads.
 */
import type { Descriptor, ReplayableSource } from "@stevedore/core";
import { AbortError, parseDigest, SizeMismatchError, UsageError } from "@stevedore/core";
import type { RemoteContext } from "../remote-context.js";
import type { UploadContent } from "./upload-body.js";
import { cancelUpload, type UploadSession } from "./upload-requests.js";
import { runUpload, type UploadStrategy } from "./upload-session.js";

/** Options of {@link uploadBlob}. */
export interface UploadBlobOptions {
  signal?: AbortSignal;
  /**
   * Called with the bytes sent so far, rising — up to the registry's offset, or to what the transport took
   * of a source — and the blob's size once the registry has stored it.
   */
  onProgress?: (bytes: number) => void;
  /**
   * Overrides the choice by size: blobs up to `options.monolithicThreshold` go up monolithic (or as a
   * single `POST` when `options.singlePostUpload`), larger ones streamed (chunked with
   * `options.chunkedUploads`).
   */
  strategy?: UploadStrategy;
}

const strategies: readonly UploadStrategy[] = ["monolithic", "single-post", "chunked", "streamed"];

/**
 * Uploads one blob to the context's repository and resolves once the registry has stored it under
 * `descriptor.digest` (a `201` whose `Docker-Content-Digest` agrees).
 *
 * The flow (§4.1): up to `monolithicThreshold` bytes, `POST` then one `PUT ?digest=` with the whole body
 * — or, with `singlePostUpload`, one `POST ?digest=` with the body, continued with a `PUT` of the body
 * when the registry answers `202`. Larger blobs go in one streamed `PATCH` (no `Content-Range`), or with
 * `chunkedUploads` in `PATCH`es of `max(chunkSize, OCI-Chunk-Min-Length)` bytes with `Content-Range`, then
 * an empty `PUT ?digest=`; a whole body refused as too large (`413`) goes again in chunks. A cut
 * connection or a `416` resumes from the offset the registry reports (`source(offset)` is opened again
 * there), a lost session starts over, each up to `resumeAttempts` times; an abort cancels the session
 * (`DELETE`).
 *
 * @throws UsageError for a malformed descriptor or source; `SizeMismatchError` when bytes or the source
 *   do not have `descriptor.size` bytes; `AbortError`; `UploadError` when the registry refused the content
 *   or the upload failed after every resume (`cause`: the last failure); `DigestMismatchError` when the
 *   registry confirms another digest; `RegistryResponseError` for other refusals (`401`, `403`, `404` …).
 * @example
 * await uploadBlob(context, layer, fileSource(path), { onProgress: (bytes) => bar.update(bytes) });
 */
export function uploadBlob(
  context: RemoteContext,
  descriptor: Descriptor,
  source: ReplayableSource | Uint8Array,
  options: UploadBlobOptions = {},
): Promise<void> {
  return uploadIntoSession(context, descriptor, source, undefined, options);
}

/**
 * {@link uploadBlob}, continuing `session` when one is given — the session a declined mount opened with
 * its `202` (§4.1 flow 5) — instead of opening one with a first `POST`.
 */
export async function uploadIntoSession(
  context: RemoteContext,
  descriptor: Descriptor,
  source: ReplayableSource | Uint8Array,
  session: UploadSession | undefined,
  options: UploadBlobOptions = {},
): Promise<void> {
  const content = checkContent(descriptor, source);
  const signal = options.signal;
  if (signal?.aborted) {
    // A session handed over (a declined mount's) is ours to cancel.
    if (session !== undefined) await cancelUpload(context, session.location);
    throw new AbortError(`the upload of ${descriptor.digest} aborted`, { cause: signal.reason });
  }
  const strategy = options.strategy ?? chooseStrategy(context, content.size);
  if (!strategies.includes(strategy)) {
    throw new UsageError(`unknown upload strategy ${JSON.stringify(String(strategy))}`);
  }
  await runUpload(context, {
    descriptor,
    content,
    strategy,
    signal,
    onProgress: options.onProgress,
    ...(session ? { session } : {}),
  });
}

function chooseStrategy(context: RemoteContext, size: number): UploadStrategy {
  if (size > context.options.monolithicThreshold)
    return context.options.chunkedUploads ? "chunked" : "streamed";
  return context.options.singlePostUpload ? "single-post" : "monolithic";
}

/** Checks the descriptor and source before anything is sent. */
export function checkContent(descriptor: Descriptor, source: ReplayableSource | Uint8Array): UploadContent {
  if (typeof descriptor !== "object" || descriptor === null) {
    throw new UsageError("uploadBlob() needs a descriptor object");
  }
  parseDigest(descriptor.digest);
  const size = descriptor.size;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new UsageError(`descriptor.size must be a non-negative integer, got ${String(size)}`);
  }
  const where = `blob ${descriptor.digest}`;
  if (source instanceof Uint8Array) {
    if (source.length !== size) throw new SizeMismatchError(size, source.length, where);
    return { kind: "bytes", bytes: source, size, where };
  }
  if (typeof source !== "function") {
    throw new UsageError("uploadBlob() needs the content as a Uint8Array or a ReplayableSource function");
  }
  return { kind: "source", source, size, where };
}
