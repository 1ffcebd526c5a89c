import type { Descriptor, Platform } from "@stevedore/core";
import type { BlobCounts } from "./tally.js";

/** What `copy` did. */
export interface CopyResult {
  /** The root manifest now at the destination: the source's, the chosen platform's, or a filtered index. */
  descriptor: Descriptor;
  /** `descriptor.digest`: what a digest reference to the copy is. */
  digest: string;
  /** The tag set at the destination, when the destination reference was a tag. */
  tag?: string;
  /** What the source reference resolved to. Differs from `descriptor` when platforms were chosen. */
  source: Descriptor;
  /** The platforms of the index entries copied; empty when the source is a single image manifest. */
  platforms: Platform[];
  /** Blobs by how they reached the destination; each digest counts once. */
  blobs: BlobCounts;
  /** Bytes of blobs transferred (mounted and skipped blobs add nothing; manifests are not counted). */
  bytes: number;
  /** Manifests pushed (image manifests, indexes, referrers). */
  manifests: number;
  /** Manifests the destination already had (their blobs were not checked again). */
  skippedManifests: number;
  /** Referrer manifests copied or found present (`referrers: true`). */
  referrers: number;
  /** Non-distributable layers left out (also counted in `blobs.skipped`). */
  nondistributable: Descriptor[];
  /** True when the root is a new index holding only the chosen platforms (new bytes, new digest). */
  filteredIndex: boolean;
  /** How long the copy took, by the `now` clock. */
  milliseconds: number;
}
