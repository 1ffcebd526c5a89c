import type { Descriptor, ParsedManifest, Platform } from "@stevedore/core";
import { isIndexMediaType, ManifestError, selectManifests } from "@stevedore/core";
import type { Session } from "./create-session.js";
import { fetchManifest } from "./fetch-manifest.js";
import { filterIndex } from "./filter-index.js";
import { attestedDigest, isAttestation } from "./is-attestation.js";

/** Internal: what a copy puts at the destination reference. */
export interface RootPlan {
  /** The manifest to copy and tag. */
  descriptor: Descriptor;
  /** Its bytes when already read (the source index) or made here (a filtered index). */
  parsed?: ParsedManifest;
  platforms: Platform[];
  /** True when `parsed` is a new index made of some of the source index's entries. */
  filteredIndex: boolean;
}

/**
 * Internal: applies the platform choice to what the source reference resolved to (`spec/PROTOCOL.md`
 * §12.4, §12.5). A single image manifest is copied as it is.
 */
export async function planRoot(session: Session, resolved: Descriptor): Promise<RootPlan> {
  if (!isIndexMediaType(resolved.mediaType))
    return { descriptor: resolved, platforms: [], filteredIndex: false };
  const { platforms } = session.options;
  const index = await session.limiter.run(() => fetchManifest(session.source, resolved, session.signal));
  if (index.kind !== "index") {
    throw new ManifestError(`${resolved.digest} was announced as an index but is an image manifest`);
  }
  const entries = index.manifest.manifests;
  if (platforms === "all") {
    return {
      descriptor: resolved,
      parsed: index,
      platforms: platformList(selectManifests(index.manifest, "all")),
      filteredIndex: false,
    };
  }
  // Throws NotFoundError listing the platforms the index has when one is missing.
  const selected = selectManifests(index.manifest, platforms);
  if (platforms.length === 1 && selected[0] !== undefined) {
    return { descriptor: selected[0], platforms: platformList(selected), filteredIndex: false };
  }
  // Attestations of a kept image stay with it (they describe it); the rest of the index goes.
  const digests = new Set(selected.map((descriptor) => descriptor.digest));
  const keep = new Set<number>();
  entries.forEach((entry, position) => {
    const attested = attestedDigest(entry);
    if (
      selected.includes(entry) ||
      (isAttestation(entry) && attested !== undefined && digests.has(attested))
    ) {
      keep.add(position);
    }
  });
  if (keep.size === entries.length) {
    return { descriptor: resolved, parsed: index, platforms: platformList(selected), filteredIndex: false };
  }
  const filtered = filterIndex(index, keep);
  return { ...filtered, platforms: platformList(selected), filteredIndex: true };
}

function platformList(descriptors: readonly Descriptor[]): Platform[] {
  return descriptors.flatMap((descriptor) =>
    descriptor.platform === undefined ? [] : [structuredClone(descriptor.platform)],
  );
}
