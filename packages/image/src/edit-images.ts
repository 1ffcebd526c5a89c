import type { Descriptor, ImageManifest, Platform, Target } from "@stevedore/core";
import {
  checkImagePlatform,
  descriptorOf,
  parseImageConfig,
  selectManifests,
  UsageError,
} from "@stevedore/core";
import { type JsonObject, parseObject, readConfig, readManifest } from "./read-documents.js";

/** One image manifest handed to an edit, with its config. Both documents may be changed in place. */
export interface ImageUnderEdit {
  /** The manifest's descriptor as the index (or the caller) gave it. */
  descriptor: Descriptor;
  manifest: ImageManifest & JsonObject;
  config: JsonObject;
  /** The platform of the index entry, when the image came from an index. */
  platform?: Platform;
}

/** What {@link editImages} and the verbs built on it return. */
export interface EditResult {
  /** The new top-level manifest (an index when the input was one). Equal to the input when nothing changed. */
  descriptor: Descriptor;
  /** The images edited, with their new descriptors. */
  images: { platform?: Platform; descriptor: Descriptor }[];
}

/** Options shared by every edit. */
export interface EditOptions {
  /**
   * Which images of an index to edit: `"all"` (the default) or platforms. Entries not selected, and
   * attestations, are kept byte for byte.
   */
  platforms?: readonly Platform[] | "all";
  /** Annotations of the index itself (`null` removes one). Refused on a single image. */
  indexAnnotations?: Record<string, string | null>;
  signal?: AbortSignal;
}

/**
 * Reads the image or index `root` from `target`, lets `edit` change each selected image's manifest and
 * config, and writes what changed back to `target`: new configs, then manifests, then the index, each
 * serialised as compact JSON. A document `edit` leaves equal keeps its bytes and digest. Blobs an edit
 * adds must be pushed by the edit itself, before it returns.
 */
export async function editImages(
  target: Target,
  root: Descriptor,
  options: EditOptions,
  edit: (image: ImageUnderEdit) => Promise<void>,
): Promise<EditResult> {
  const { signal } = options;
  const call = signal === undefined ? {} : { signal };
  const top = await readManifest(target, root, signal);
  if (top.kind === "image") {
    if (options.indexAnnotations !== undefined) {
      throw new UsageError("index annotations need an index; this reference names a single image");
    }
    if (options.platforms !== undefined && options.platforms !== "all") {
      // An explicit platform is never silently ignored (issue 12): a single image must be for it.
      const { bytes } = await readConfig(target, top.manifest, `image ${root.digest}`, signal);
      checkImagePlatform(`image ${root.digest}`, parseImageConfig(bytes), options.platforms);
    }
    const descriptor = await editOne(target, { descriptor: root }, edit, signal);
    return { descriptor, images: [{ descriptor }] };
  }
  // Attestations are never selected: they describe an image, they are not one.
  const platforms = options.platforms ?? "all";
  const selected = selectManifests(top.manifest, platforms === "all" ? "all" : [...platforms]);
  if (selected.length === 0) throw new UsageError("the index has no image to edit");
  const index = parseObject(top.bytes, `index ${root.digest}`);
  const entries = index.manifests as JsonObject[];
  const images: EditResult["images"] = [];
  for (const entry of selected) {
    const position = top.manifest.manifests.indexOf(entry);
    const descriptor = await editOne(target, { descriptor: entry, platform: entry.platform }, edit, signal);
    images.push({ ...(entry.platform === undefined ? {} : { platform: entry.platform }), descriptor });
    const original = entries[position] as JsonObject;
    if (descriptor.digest !== entry.digest) {
      entries[position] = {
        ...original,
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
      };
    }
  }
  if (options.indexAnnotations !== undefined) applyAnnotations(index, options.indexAnnotations);
  const text = JSON.stringify(index);
  if (text === JSON.stringify(parseObject(top.bytes, "index"))) return { descriptor: root, images };
  const bytes = new TextEncoder().encode(text);
  const descriptor = descriptorOf(bytes, top.mediaType);
  await target.push(descriptor, bytes, call);
  return { descriptor, images };
}

/** Sets or (for `null`) removes annotations on a document; an empty map is dropped. */
export function applyAnnotations(document: JsonObject, changes: Record<string, string | null>): void {
  const annotations = { ...((document.annotations as Record<string, string> | undefined) ?? {}) };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete annotations[key];
    else annotations[key] = value;
  }
  if (Object.keys(annotations).length === 0) delete document.annotations;
  else document.annotations = annotations;
}

async function editOne(
  target: Target,
  image: { descriptor: Descriptor; platform?: Platform | undefined },
  edit: (image: ImageUnderEdit) => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<Descriptor> {
  const call = signal === undefined ? {} : { signal };
  const parsed = await readManifest(target, image.descriptor, signal);
  if (parsed.kind !== "image") {
    throw new UsageError(`${image.descriptor.digest} is an index inside an index; edit it by its own digest`);
  }
  const where = `image ${image.descriptor.digest}`;
  const { config } = await readConfig(target, parsed.manifest, where, signal);
  const manifest = parseObject(parsed.bytes, where) as ImageManifest & JsonObject;
  const configText = JSON.stringify(config);
  const manifestText = JSON.stringify(manifest);
  await edit({
    descriptor: image.descriptor,
    manifest,
    config,
    ...(image.platform === undefined ? {} : { platform: image.platform }),
  });
  const newConfigText = JSON.stringify(config);
  if (newConfigText !== configText) {
    const bytes = new TextEncoder().encode(newConfigText);
    const descriptor = descriptorOf(bytes, manifest.config.mediaType);
    await target.push(descriptor, bytes, call);
    manifest.config = { ...manifest.config, digest: descriptor.digest, size: descriptor.size };
  }
  const newManifestText = JSON.stringify(manifest);
  if (newManifestText === manifestText) return image.descriptor;
  const bytes = new TextEncoder().encode(newManifestText);
  const descriptor = descriptorOf(bytes, parsed.mediaType);
  await target.push(descriptor, bytes, call);
  return descriptor;
}
