import { NotFoundError, UsageError } from "./errors.js";
import { formatPlatform } from "./format-platform.js";
import { isAttestation } from "./is-attestation.js";
import type { Descriptor, ImageIndex, Platform } from "./manifest-types.js";
import { matchPlatform, platformPreference } from "./match-platform.js";
import { normalizePlatform } from "./normalize-platform.js";

/** Options of {@link selectManifests}. */
export interface SelectManifestsOptions {
  /** Take only exact platforms, not compatible lower ones (see `matchPlatform`). */
  strict?: boolean;
}

/**
 * Picks the entries of an index for the wanted platforms (`spec/PROTOCOL.md` §12.4, §12.5).
 *
 * Attestation entries (annotation `vnd.docker.reference.type: attestation-manifest`) and `unknown/unknown`
 * entries are never selected. For each wanted platform the most preferred compatible platform wins, and
 * among entries for that platform the first one; the result follows the order of `wanted`, without
 * duplicates. `"all"` returns every other entry, including ones without a platform.
 *
 * This narrows an index for a platform-specific pull. To copy an index byte for byte, copy every entry of
 * `index.manifests`: the index's digest covers them all.
 *
 * @throws NotFoundError naming the wanted platform and the available ones when one has no match.
 * @throws UsageError when `wanted` is an empty list.
 * @example
 * const [descriptor] = selectManifests(index, [parsePlatform("linux/arm64")]);
 */
export function selectManifests(
  index: ImageIndex,
  wanted: Platform[] | "all",
  options: SelectManifestsOptions = {},
): Descriptor[] {
  const candidates = index.manifests.filter((descriptor) => !isAttestation(descriptor));
  if (wanted === "all") return candidates;
  if (!Array.isArray(wanted) || wanted.length === 0) {
    throw new UsageError('selectManifests() needs at least one platform, or "all"');
  }
  const selected: Descriptor[] = [];
  for (const want of wanted) {
    const preferences = options.strict ? [normalizePlatform(want)] : platformPreference(want);
    let found: Descriptor | undefined;
    for (const preferred of preferences) {
      found = candidates.find(
        (descriptor) =>
          descriptor.platform !== undefined &&
          matchPlatform(preferred, descriptor.platform, { strict: true }),
      );
      if (found !== undefined) break;
    }
    if (found === undefined) {
      throw new NotFoundError(
        `no manifest for platform ${formatPlatform(want)} in the index; available: ${availablePlatforms(candidates)}`,
      );
    }
    if (!selected.includes(found)) selected.push(found);
  }
  return selected;
}

function availablePlatforms(candidates: readonly Descriptor[]): string {
  const names = [
    ...new Set(candidates.flatMap((d) => (d.platform === undefined ? [] : [formatPlatform(d.platform)]))),
  ];
  return names.length === 0 ? "none (no entry names a platform)" : names.join(", ");
}
