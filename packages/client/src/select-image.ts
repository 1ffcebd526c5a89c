import type { Descriptor, ImageManifest, Platform } from "@stevedore/core";
import { formatPlatform, hostPlatform, ManifestError, selectManifests } from "@stevedore/core";
import type { Remote } from "@stevedore/remote";

/** An image manifest, picked from an index when needed. */
export interface SelectedImage {
  descriptor: Descriptor;
  manifest: ImageManifest;
  /** The platform of the index entry it was picked by, when it came from an index. */
  platform?: Platform;
}

/**
 * The image manifest `reference` names, or for an index the entry for `platform` (default: the host
 * platform), fetched and verified (`spec/PROTOCOL.md` §12.5).
 *
 * @throws NotFoundError when the index has no image for the platform (listing what it has), or the
 *   reference does not exist.
 */
export async function selectImage(
  remote: Remote,
  reference: string,
  options: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<SelectedImage> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const top = await remote.getManifest(reference, call);
  if (top.parsed.kind === "image") return { descriptor: top.descriptor, manifest: top.parsed.manifest };
  const wanted = options.platform ?? hostPlatform();
  const [entry] = selectManifests(top.parsed.manifest, [wanted]);
  if (entry === undefined) throw new ManifestError(`no image for ${formatPlatform(wanted)} in ${reference}`);
  const child = await remote.getManifest(entry.digest, call);
  if (child.parsed.kind !== "image") {
    throw new ManifestError(`${entry.digest} in the index of ${reference} is not an image manifest`);
  }
  return {
    descriptor: child.descriptor,
    manifest: child.parsed.manifest,
    ...(entry.platform === undefined ? {} : { platform: entry.platform }),
  };
}
