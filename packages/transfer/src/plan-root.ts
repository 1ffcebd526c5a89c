import { readAll, verifyContent } from "@stevedore/blob";
import type { Descriptor, ParsedManifest, Platform } from "@stevedore/core";
import {
  attestedDigest,
  checkImagePlatform,
  hasImageConfig,
  isAttestation,
  isIndexMediaType,
  ManifestError,
  maxImageConfigBytes,
  parseImageConfig,
  selectManifests,
} from "@stevedore/core";
import type { Session } from "./create-session.js";
import { fetchManifest } from "./fetch-manifest.js";
import { fetchOnceMore } from "./fetch-once-more.js";
import { filterIndex } from "./filter-index.js";

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
 * §12.4, §12.5). A single image manifest is copied as it is — when platforms were named, only if its
 * config is for one of them: an explicit platform is never silently ignored (issue 12). `given` is the root's
 * document when the source handed it over with the descriptor (a `ManifestResolver`): it is not read again.
 */
export async function planRoot(
  session: Session,
  resolved: Descriptor,
  given?: ParsedManifest,
): Promise<RootPlan> {
  const { platforms } = session.options;
  if (!isIndexMediaType(resolved.mediaType)) {
    if (platforms === "all") {
      return { descriptor: resolved, ...(given && { parsed: given }), platforms: [], filteredIndex: false };
    }
    const parsed = await session.limiter.run(() => checkSingleImage(session, resolved, platforms, given));
    return { descriptor: resolved, parsed, platforms: [], filteredIndex: false };
  }
  const index =
    given ?? (await session.limiter.run(() => fetchManifest(session.source, resolved, session.signal)));
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

/**
 * Reads a single image manifest and, when its config is an image config, checks its platform against the
 * wanted ones (`NotFoundError` otherwise). Artifacts (another config type) have no platform to check.
 */
async function checkSingleImage(
  session: Session,
  resolved: Descriptor,
  platforms: readonly Platform[],
  given: ParsedManifest | undefined,
): Promise<ParsedManifest> {
  const parsed = given ?? (await fetchManifest(session.source, resolved, session.signal));
  if (parsed.kind !== "image") return parsed;
  const config = parsed.manifest.config;
  if (!hasImageConfig(parsed.manifest)) return parsed;
  if (config.size > maxImageConfigBytes) {
    throw new ManifestError(
      `config ${config.digest} is ${config.size} bytes, over the ${maxImageConfigBytes}-byte limit`,
    );
  }
  const bytes = await fetchOnceMore(session.signal, async () => {
    const stream = await session.source.fetch(config, { signal: session.signal });
    return readAll(verifyContent(stream, config, { where: `config ${config.digest}` }));
  });
  checkImagePlatform(resolved.digest, parseImageConfig(bytes), platforms);
  return parsed;
}

function platformList(descriptors: readonly Descriptor[]): Platform[] {
  return descriptors.flatMap((descriptor) =>
    descriptor.platform === undefined ? [] : [structuredClone(descriptor.platform)],
  );
}
