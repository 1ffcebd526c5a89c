import type { ReadableTarget } from "@stevedore/core";
import type { BlobLocations } from "./create-blob-locations.js";
import { locationOf } from "./location-of.js";

/** Repositories tried for a mount before falling back to an upload: a failed mount costs a round trip. */
const maxCandidates = 2;

/**
 * Internal: the repositories of `registry` a blob could be mounted from (`spec/PROTOCOL.md` §4): the
 * source's own repository when it is on the same registry, then repositories the blob was seen in, never
 * the destination's own repository, at most two.
 */
export function mountCandidates(
  digest: string,
  registry: string,
  source: ReadableTarget,
  destinationRepository: string | undefined,
  locations: BlobLocations | undefined,
): string[] {
  const candidates: string[] = [];
  const from = locationOf(source);
  const seen = [...(from === undefined ? [] : [from]), ...(locations?.get(digest) ?? [])];
  for (const location of seen) {
    if (location.registry !== registry || location.repository === destinationRepository) continue;
    if (!candidates.includes(location.repository)) candidates.push(location.repository);
    if (candidates.length === maxCandidates) break;
  }
  return candidates;
}
