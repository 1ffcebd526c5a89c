import { availableParallelism } from "node:os";
import type { Platform } from "@stevedore/core";
import { checkConcurrency, UsageError } from "@stevedore/core";
import type { BlobLocations } from "./create-blob-locations.js";
import type { TransferProgressEvent } from "./transfer-progress-event.js";

/**
 * Transfers in flight at once when {@link CopyOptions.concurrency} is not given: the best pull and within
 * noise of 16 for pushes, with half the connections (docs/decisions/0004-large-blob-concurrency.md).
 */
export const defaultConcurrency: number = 8;

/** Blobs of this size (16 MiB) and more are large: how many of them stream at once is limited apart. */
export const largeBlobSize: number = 16 * 1024 * 1024;

/**
 * Large blobs streamed at once when neither {@link CopyOptions.largeConcurrency} nor
 * {@link CopyOptions.concurrency} is given: the machine's cores, at least 2 (as crane sizes its jobs). On a
 * fast link each stream keeps a core busy parsing, hashing and writing, so more streams than cores only add
 * memory and collection work (docs/decisions/0004-large-blob-concurrency.md).
 */
export function defaultLargeConcurrency(): number {
  return Math.max(2, availableParallelism());
}

/** Options of `copy` and `copyAllTags`. */
export interface CopyOptions {
  /**
   * Which images of an index to copy (`spec/PROTOCOL.md` §12.4, §12.5). Default `"all"`: the copy is
   * whole and keeps the source's digest, as crane, regctl and oras copy.
   * - one platform: only the matching image; the destination reference points at that image manifest
   *   (like `docker pull`);
   * - several: a new index holding only their entries and their attestations (new bytes, new digest;
   *   `filteredIndex` in the result and an `index-filtered` event) — or the source's index byte-exact when
   *   that keeps every entry;
   * - `"all"`: every entry, and the index byte-exact.
   *
   * A single image manifest is copied as it is when its config is for one of the platforms (compatible
   * lower ones included) or it is an artifact; an image for another platform is a `NotFoundError`.
   */
  platforms?: Platform[] | "all";
  /** Also copy the referrers (signatures, SBOMs…) of every copied manifest, recursively (`spec/PROTOCOL.md` §7). */
  referrers?: boolean;
  /** Copy non-distributable layers too (`spec/PROTOCOL.md` §12.1). By default they are skipped and reported. */
  includeNondistributable?: boolean;
  /** Most target calls (existence checks, mounts, pushes, manifest reads) at once. Default {@link defaultConcurrency}. */
  concurrency?: number;
  /**
   * Most blobs of {@link largeBlobSize} or more streamed at once, within {@link concurrency}. Default: the
   * given `concurrency` when there is one (asking for more parallel transfers means large ones too),
   * otherwise {@link defaultLargeConcurrency}. Small blobs and existence checks are not held back by it.
   */
  largeConcurrency?: number;
  /** Where blobs were seen before, to mount from (shared between copies). `copy` adds what it learns. */
  locations?: BlobLocations;
  /** Cancels the copy: nothing new starts, calls in flight get the signal, the copy rejects with `AbortError`. */
  signal?: AbortSignal;
  /** Receives progress events, synchronously, as they happen. */
  onProgress?(event: TransferProgressEvent): void;
  /** A monotonic clock in milliseconds, for the durations reported. Default `performance.now`. */
  now?: () => number;
}

/** Internal: {@link CopyOptions} checked, with defaults filled in. */
export interface ResolvedCopyOptions {
  platforms: Platform[] | "all";
  referrers: boolean;
  includeNondistributable: boolean;
  concurrency: number;
  largeConcurrency: number;
  locations: BlobLocations | undefined;
  signal: AbortSignal | undefined;
  onProgress: ((event: TransferProgressEvent) => void) | undefined;
  now: () => number;
}

/** Internal: validates `options` once, so the copy itself never meets a bad value. */
export function resolveCopyOptions(options: CopyOptions): ResolvedCopyOptions {
  if (typeof options !== "object" || options === null) throw new UsageError("copy options must be an object");
  const concurrency =
    options.concurrency === undefined ? defaultConcurrency : checkConcurrency(options.concurrency);
  const largeConcurrency =
    options.largeConcurrency !== undefined
      ? checkConcurrency(options.largeConcurrency, "largeConcurrency")
      : options.concurrency === undefined
        ? defaultLargeConcurrency()
        : concurrency;
  const { signal, onProgress, now, locations } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw new UsageError("signal must be an AbortSignal");
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new UsageError("onProgress must be a function");
  }
  if (now !== undefined && typeof now !== "function") throw new UsageError("now must be a function");
  if (
    locations !== undefined &&
    (typeof locations?.add !== "function" || typeof locations?.get !== "function")
  ) {
    throw new UsageError("locations must come from createBlobLocations()");
  }
  return {
    platforms: checkPlatforms(options.platforms),
    referrers: options.referrers === true,
    includeNondistributable: options.includeNondistributable === true,
    concurrency,
    largeConcurrency: Math.min(largeConcurrency, concurrency),
    locations,
    signal,
    onProgress: onProgress === undefined ? undefined : (event) => onProgress.call(options, event),
    now: now ?? (() => performance.now()),
  };
}

function checkPlatforms(platforms: CopyOptions["platforms"]): Platform[] | "all" {
  if (platforms === undefined || platforms === "all") return "all";
  if (!Array.isArray(platforms) || platforms.length === 0) {
    throw new UsageError('platforms must be "all" or a non-empty list of platforms');
  }
  for (const platform of platforms) {
    const { os, architecture } = (platform ?? {}) as Partial<Platform>;
    if (typeof os !== "string" || typeof architecture !== "string" || os === "" || architecture === "") {
      throw new UsageError(
        "each platform needs os and architecture (parsePlatform makes one from linux/arm64)",
      );
    }
  }
  return platforms;
}
