import type { Descriptor, ImageManifest, Platform, ReadableTarget } from "@stevedore/core";
import { ManifestError, selectPlatformEntry } from "@stevedore/core";
import { readManifest } from "./read-documents.js";

/** One image manifest, picked from an index when `root` is one. */
export interface SelectedImage {
  descriptor: Descriptor;
  manifest: ImageManifest;
}

/**
 * The image manifest `root` names, or for an index its entry for `platform` (default: `linux/<this CPU>`,
 * core's `defaultPlatforms`). `NotFoundError` lists the platforms the index has when none matches.
 */
export async function selectImage(
  target: ReadableTarget,
  root: Descriptor,
  options: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<SelectedImage> {
  const top = await readManifest(target, root, options.signal);
  if (top.kind === "image") return { descriptor: root, manifest: top.manifest };
  const entry = selectPlatformEntry(top.manifest, options.platform);
  const child = await readManifest(target, entry, options.signal);
  if (child.kind !== "image")
    throw new ManifestError(`${entry.digest} in index ${root.digest} is not an image manifest`);
  return { descriptor: entry, manifest: child.manifest };
}
