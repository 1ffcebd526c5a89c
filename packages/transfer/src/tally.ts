import type { BlobOutcome, Descriptor, ManifestOutcome, SkipReason } from "@stevedore/core";

/** Internal: what happened to one blob. */
export interface BlobRecord {
  descriptor: Descriptor;
  outcome: BlobOutcome;
  /** Bytes sent: the size when transferred, 0 otherwise. */
  bytes: number;
  reason?: SkipReason;
}

/** Internal: what happened to one manifest. */
export interface ManifestRecord {
  descriptor: Descriptor;
  outcome: ManifestOutcome;
}

/** Internal: everything a copy (or a subtree of it) touched, by digest, so shared content counts once. */
export interface Tally {
  blobs: Map<string, BlobRecord>;
  manifests: Map<string, ManifestRecord>;
  /** Digests of the referrer manifests copied. */
  referrers: Set<string>;
}

/** Internal: an empty tally. */
export function createTally(): Tally {
  return { blobs: new Map(), manifests: new Map(), referrers: new Set() };
}

/** Internal: adds `from` to `into`; content already counted stays as it was. */
export function mergeTally(into: Tally, from: Tally): void {
  for (const [digest, record] of from.blobs) if (!into.blobs.has(digest)) into.blobs.set(digest, record);
  for (const [digest, record] of from.manifests) {
    if (!into.manifests.has(digest)) into.manifests.set(digest, record);
  }
  for (const digest of from.referrers) into.referrers.add(digest);
}

/** Internal: the blobs of `from` that `into` has not counted yet (what a tag adds to a run's totals). */
export function newBlobs(into: Tally, from: Tally): Tally {
  const added = createTally();
  for (const [digest, record] of from.blobs) if (!into.blobs.has(digest)) added.blobs.set(digest, record);
  return added;
}

/** Blob counts by outcome. */
export interface BlobCounts {
  transferred: number;
  skipped: number;
  mounted: number;
}

/** Internal: the totals of a tally. */
export interface TallyTotals {
  blobs: BlobCounts;
  bytes: number;
  manifests: number;
  skippedManifests: number;
  nondistributable: Descriptor[];
}

/** Internal: counts a tally's blobs by outcome, their bytes, and its manifests. */
export function totalsOf(tally: Tally): TallyTotals {
  const blobs: BlobCounts = { transferred: 0, skipped: 0, mounted: 0 };
  let bytes = 0;
  const nondistributable: Descriptor[] = [];
  for (const record of tally.blobs.values()) {
    blobs[record.outcome] += 1;
    bytes += record.bytes;
    if (record.reason === "nondistributable") nondistributable.push(record.descriptor);
  }
  let manifests = 0;
  let skippedManifests = 0;
  for (const record of tally.manifests.values()) {
    if (record.outcome === "transferred") manifests += 1;
    else skippedManifests += 1;
  }
  return { blobs, bytes, manifests, skippedManifests, nondistributable };
}
