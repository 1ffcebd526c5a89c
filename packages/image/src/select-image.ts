import { readAll } from "@stevedore/blob";
import type { Descriptor, ImageManifest, Platform, ReadableTarget } from "@stevedore/core";
import {
  checkImagePlatform,
  hasImageConfig,
  ManifestError,
  maxImageConfigBytes,
  parseImageConfig,
  selectPlatformEntry,
} from "@stevedore/core";
import { readManifest } from "./read-documents.js";

/** One image manifest, picked from an index when `root` is one. */
export interface SelectedImage {
  descriptor: Descriptor;
  manifest: ImageManifest;
}

/**
 * The image manifest `root` names, or for an index its entry for `platform` (default: `linux/<this CPU>`,
 * core's `defaultPlatforms`). `NotFoundError` lists the platforms the index has when none matches, or
 * names the platform of a single image that an explicit `platform` does not match (its config says).
 */
export async function selectImage(
  target: ReadableTarget,
  root: Descriptor,
  options: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<SelectedImage> {
  const top = await readManifest(target, root, options.signal);
  if (top.kind === "image") {
    // An explicit platform is never silently ignored: a single image must be for it.
    if (options.platform !== undefined && hasImageConfig(top.manifest)) {
      const call = options.signal === undefined ? {} : { signal: options.signal };
      const config = await readAll(await target.fetch(top.manifest.config, call), maxImageConfigBytes);
      checkImagePlatform(root.digest, parseImageConfig(config), [options.platform]);
    }
    return { descriptor: root, manifest: top.manifest };
  }
  const entry = selectPlatformEntry(top.manifest, options.platform);
  const child = await readManifest(target, entry, options.signal);
  if (child.kind !== "image")
    throw new ManifestError(`${entry.digest} in index ${root.digest} is not an image manifest`);
  return { descriptor: entry, manifest: child.manifest };
}
