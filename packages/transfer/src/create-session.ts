import type { ReadableTarget, Target } from "@stevedore/core";
import { AbortError } from "@stevedore/core";
import type { ResolvedCopyOptions } from "./copy-options.js";
import { createLimiter, type Limiter } from "./create-limiter.js";
import type { BlobRecord, Tally } from "./tally.js";
import type { TransferProgressEvent } from "./transfer-progress-event.js";

/** Internal: a manifest's shared task result: its own record is in `tally.manifests` under its digest. */
export interface ManifestDone {
  /** The manifest and everything below it that this task placed or found. */
  tally: Tally;
  /** The tag the manifest was pushed under in the same request (see `TaggedManifestPusher`). */
  taggedAs?: string;
  /** The root's exact bytes, when this task read or was given them (for setting the tag). */
  bytes?: Uint8Array;
}

/**
 * Internal: the state shared by every copy of one call (`copy`, or all tags of `copyAllTags`): one limiter,
 * one in-flight task per digest, one cancellation.
 */
export interface Session {
  readonly source: ReadableTarget;
  readonly destination: Target;
  readonly options: ResolvedCopyOptions;
  /** Aborted by the caller's signal, or by the first failure when failing fast. */
  readonly signal: AbortSignal;
  readonly limiter: Limiter;
  /** Slots for streaming large blobs (`largeConcurrency`); a large upload holds one of these, then a `limiter` slot. */
  readonly streams: Limiter;
  /** Digest → the one transfer of that blob, shared by everyone who needs it. */
  readonly blobs: Map<string, Promise<BlobRecord>>;
  /** Digest → the one copy of that manifest and its subtree. */
  readonly manifests: Map<string, Promise<ManifestDone>>;
  /** Records a failure; when failing fast, cancels everything else. */
  fail(error: unknown): void;
  /** The error a failed call should reject with. */
  errorFor(error: unknown): unknown;
  emit(event: TransferProgressEvent): void;
  /** Detaches from the caller's signal. */
  dispose(): void;
}

/** Internal: starts a session. `failFast: false` lets other copies go on after one fails. */
export function createSession(
  source: ReadableTarget,
  destination: Target,
  options: ResolvedCopyOptions,
  failFast: boolean,
): Session {
  const controller = new AbortController();
  let firstError: { error: unknown } | undefined;
  let aborted: AbortError | undefined;
  const external = options.signal;
  const onAbort = (): void => {
    aborted = new AbortError(undefined, { cause: external?.reason });
    controller.abort(external?.reason);
  };
  if (external?.aborted === true) onAbort();
  else external?.addEventListener("abort", onAbort, { once: true });

  return {
    source,
    destination,
    options,
    signal: controller.signal,
    limiter: createLimiter(options.concurrency, controller.signal),
    streams: createLimiter(options.largeConcurrency, controller.signal),
    blobs: new Map(),
    manifests: new Map(),
    fail(error) {
      firstError ??= { error };
      if (failFast && !controller.signal.aborted) controller.abort(error);
    },
    errorFor(error) {
      // The caller's abort wins: whatever the targets threw after it, the copy was cancelled.
      if (aborted !== undefined) return aborted;
      return failFast && firstError !== undefined ? firstError.error : error;
    },
    emit(event) {
      options.onProgress?.(event);
    },
    dispose() {
      external?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Internal: waits for every promise to settle, then rejects with the first rejection (in list order) or
 * returns the values. Each failure is reported to `session.fail` the moment it happens, so when failing
 * fast the siblings are cancelled at once rather than after they finish; and nothing is left running or
 * unhandled when this returns.
 */
export async function settleAll<T>(session: Session, promises: readonly Promise<T>[]): Promise<T[]> {
  const watched = promises.map((promise) =>
    promise.catch((error: unknown) => {
      session.fail(error);
      throw error;
    }),
  );
  const results = await Promise.allSettled(watched);
  const values: T[] = [];
  for (const result of results) {
    if (result.status === "rejected") throw result.reason;
    values.push(result.value);
  }
  return values;
}

/** Internal: stores `promise` as the shared task for `key`, keeping a rejection nobody awaits quiet. */
export function share<T>(tasks: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  const known = tasks.get(key);
  if (known !== undefined) return known;
  const promise = start();
  promise.catch(() => {});
  tasks.set(key, promise);
  return promise;
}
