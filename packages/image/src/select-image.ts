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
    await checkSingleImagePlatform(target, top.manifest, root.digest, options);
    return { descriptor: root, manifest: top.manifest };
  }
  const entry = selectPlatformEntry(top.manifest, options.platform);
  const child = await readManifest(target, entry, options.signal);
  if (child.kind !== "image")
    throw new ManifestError(`${entry.digest} in index ${root.digest} is not an image manifest`);
  return { descriptor: entry, manifest: child.manifest };
}

/**
 * An explicit `platform` is never silently ignored: a single image (one with an image config; artifacts
 * have no platform) must be for it. Reads and returns the config's bytes when it checks, `undefined` when
 * there is nothing to check.
 *
 * @throws NotFoundError naming the image (`what`), the platform it is for and the one asked.
 */
export async function checkSingleImagePlatform(
  source: Pick<ReadableTarget, "fetch">,
  manifest: ImageManifest,
  what: string,
  options: { platform?: Platform; signal?: AbortSignal },
): Promise<Uint8Array | undefined> {
  if (options.platform === undefined || !hasImageConfig(manifest)) return undefined;
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const config = await readAll(await source.fetch(manifest.config, call), maxImageConfigBytes);
  checkImagePlatform(what, parseImageConfig(config), [options.platform]);
  return config;
}
