import type { ImageIndex } from "@stevedore/core";
import { formatPlatform, isAttestation } from "@stevedore/core";

/**
 * The platforms an index offers, formatted (`linux/arm64/v8`), in index order without duplicates.
 * Attestation entries and entries without a platform are left out. Meant for messages and for offering a
 * choice (`--platform`).
 *
 * @example
 * ```ts
 * const parsed = parseManifest(bytes, mediaType);
 * if (parsed.kind === "index") console.log(`available: ${platformsOf(parsed.manifest).join(", ")}`);
 * ```
 */
export function platformsOf(index: ImageIndex): string[] {
  const names = new Set<string>();
  for (const descriptor of index.manifests) {
    if (descriptor.platform === undefined || isAttestation(descriptor)) continue;
    names.add(formatPlatform(descriptor.platform));
  }
  return [...names];
}
