import { UsageError } from "@stevedore/core";
import type { RepositoryLocation } from "./location-of.js";

/** Options of {@link createBlobLocations}. */
export interface BlobLocationsOptions {
  /** How many digests to remember; the least recently seen are forgotten first. Default 10 000. */
  maxDigests?: number;
  /** How many repositories to remember per digest, most recent first. Default 8. */
  maxRepositories?: number;
}

/**
 * Remembers in which repositories blobs were seen, so a later copy to the same registry can mount a blob
 * from one of them instead of uploading it (`spec/PROTOCOL.md` §4). Share one across copies; `copy`
 * records the source and destination of every blob it handles.
 */
export interface BlobLocations {
  /** Records that `location` holds the blob `digest`. */
  add(digest: string, location: RepositoryLocation): void;
  /** The repositories known to hold `digest`, most recently seen first. */
  get(digest: string): RepositoryLocation[];
}

/**
 * Creates an empty, size-bounded {@link BlobLocations} cache.
 *
 * @example
 * ```ts
 * const locations = createBlobLocations();
 * await copy(base, "3.20", destination, "3.20", { locations });
 * // app's layers that came from base are now mounted, not uploaded, when destination shares the registry
 * await copy(app, "v1", destination, "v1", { locations });
 * ```
 */
export function createBlobLocations(options: BlobLocationsOptions = {}): BlobLocations {
  const maxDigests = positive(options.maxDigests, 10_000, "maxDigests");
  const maxRepositories = positive(options.maxRepositories, 8, "maxRepositories");
  // Map iteration follows insertion order: delete and re-insert to mark an entry as recently seen.
  const entries = new Map<string, RepositoryLocation[]>();
  return {
    add(digest, location) {
      const known = entries.get(digest) ?? [];
      entries.delete(digest);
      const others = known.filter(
        (entry) => entry.registry !== location.registry || entry.repository !== location.repository,
      );
      entries.set(
        digest,
        [{ registry: location.registry, repository: location.repository }, ...others].slice(
          0,
          maxRepositories,
        ),
      );
      if (entries.size > maxDigests) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
    },
    get(digest) {
      return (entries.get(digest) ?? []).map((entry) => ({ ...entry }));
    },
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
