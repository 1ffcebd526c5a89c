import type { Descriptor, ImageManifest, Platform } from "@stevedore/core";
import { ManifestError, selectPlatformEntry } from "@stevedore/core";
import { checkSingleImagePlatform } from "@stevedore/image";
import type { ManifestReader } from "./manifest-reader.js";

/** An image manifest, picked from an index when needed. */
export interface SelectedImage {
  descriptor: Descriptor;
  /** The manifest's exact bytes. */
  bytes: Uint8Array;
  manifest: ImageManifest;
  /** The platform of the index entry it was picked by, when it came from an index. */
  platform?: Platform;
  /** The config's bytes, when they were read to check the platform. */
  config?: Uint8Array;
}

/**
 * The image manifest `reference` names, or for an index the entry for `platform` (default: core's
 * `defaultPlatforms`, `linux/<this CPU>` on every OS), fetched and verified (`spec/PROTOCOL.md` §12.5).
 * A single image asked for an explicit `platform` must be for it (its config says so): an explicit
 * platform is never silently ignored (issue 12). Artifacts, whose config is no image config, have no
 * platform to check.
 *
 * @throws NotFoundError when the index has no image for the platform (listing what it has), a single
 *   image is for another platform, or the reference does not exist.
 */
export async function selectImage(
  remote: ManifestReader,
  reference: string,
  options: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<SelectedImage> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const top = await remote.getManifest(reference, call);
  if (top.parsed.kind === "image") {
    const selected: SelectedImage = {
      descriptor: top.descriptor,
      bytes: top.bytes,
      manifest: top.parsed.manifest,
    };
    const config = await checkSingleImagePlatform(remote, top.parsed.manifest, reference, options);
    if (config !== undefined) selected.config = config;
    return selected;
  }
  const entry = selectPlatformEntry(top.parsed.manifest, options.platform);
  const child = await remote.getManifest(entry.digest, call);
  if (child.parsed.kind !== "image") {
    throw new ManifestError(`${entry.digest} in the index of ${reference} is not an image manifest`);
  }
  return {
    descriptor: child.descriptor,
    bytes: child.bytes,
    manifest: child.parsed.manifest,
    ...(entry.platform === undefined ? {} : { platform: entry.platform }),
  };
}
