import { fileSource, targetSource } from "@stevedore/blob";
import type { Descriptor, Platform, ReadableTarget, Target } from "@stevedore/core";
import {
  descriptorOf,
  MediaType,
  nondistributableMediaTypes,
  selectManifests,
  UsageError,
} from "@stevedore/core";
import type { Compression } from "@stevedore/tar";
import { layerMediaType } from "./layer-media-type.js";
import { type JsonObject, parseObject, readManifest } from "./read-documents.js";
import { stageLayer } from "./stage-layer.js";

/** Options of {@link recompressImage}. */
export interface RecompressImageOptions {
  compression: Compression;
  /** The images of an index to copy (default every one); naming some writes an index of those only. */
  platforms?: readonly Platform[] | "all";
  level?: number;
  temporaryDirectory?: string;
  signal?: AbortSignal;
}

/** What {@link recompressImage} wrote. */
export interface RecompressResult {
  descriptor: Descriptor;
  /** The platforms of the index entries written (empty for a single image). */
  platforms: Platform[];
  /** Blobs written (recompressed or copied) and blobs the destination already had. */
  blobs: { transferred: number; skipped: number };
  /** Bytes written. */
  bytes: number;
}

/**
 * Copies an image or index from `source` to `destination`, storing every layer with `compression`: a
 * layer stored otherwise is decompressed and compressed again on the way (through a temp file, in
 * constant memory), anything else (configs, layers already right, non-distributable layers) is copied
 * as it is. Configs do not change — a layer's diff ID is the digest of its uncompressed tar — so only the
 * manifests (layer media types, digests, sizes) and indexes get new bytes. This is how a `docker save`
 * archive, whose layers are plain tars, is pushed with gzip layers.
 *
 * @example
 * ```ts
 * const archive = await openDockerArchive("app.tar");
 * const result = await recompressImage(archive, await archive.resolve("@0"), remote, { compression: "gzip" });
 * await remote.tag(result.descriptor, "v1");
 * ```
 */
export async function recompressImage(
  source: ReadableTarget,
  root: Descriptor,
  destination: Target,
  options: RecompressImageOptions,
): Promise<RecompressResult> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const result: RecompressResult = {
    descriptor: root,
    platforms: [],
    blobs: { transferred: 0, skipped: 0 },
    bytes: 0,
  };
  const copyBlob = async (descriptor: Descriptor): Promise<void> => {
    if (await destination.exists(descriptor, call)) {
      result.blobs.skipped += 1;
      return;
    }
    await destination.push(descriptor, targetSource(source, descriptor, call), call);
    result.blobs.transferred += 1;
    result.bytes += descriptor.size;
  };
  const pushDocument = async (document: JsonObject, mediaType: string): Promise<Descriptor> => {
    const bytes = new TextEncoder().encode(JSON.stringify(document));
    const descriptor = descriptorOf(bytes, mediaType);
    await destination.push(descriptor, bytes, call);
    return descriptor;
  };

  const image = async (descriptor: Descriptor): Promise<Descriptor> => {
    const parsed = await readManifest(source, descriptor, options.signal);
    if (parsed.kind !== "image")
      throw new UsageError(`${descriptor.digest}: an index inside an index cannot be recompressed`);
    const manifest = parseObject(parsed.bytes, `image ${descriptor.digest}`);
    await copyBlob(parsed.manifest.config);
    const layers: Descriptor[] = [];
    let changed = false;
    for (const layer of parsed.manifest.layers) {
      const current = compressionOf(layer.mediaType);
      if (current === undefined || current === options.compression) {
        // Foreign, non-distributable or already right: copied as it is (or left to its URLs).
        if (
          !nondistributableMediaTypes.includes(layer.mediaType) &&
          layer.mediaType !== MediaType.DockerLayerForeignGzip
        )
          await copyBlob(layer);
        layers.push(layer);
        continue;
      }
      const staged = await stageLayer(await source.fetch(layer, call), {
        compression: options.compression,
        where: `layer ${layer.digest}`,
        ...(options.level === undefined ? {} : { level: options.level }),
        ...(options.temporaryDirectory === undefined
          ? {}
          : { temporaryDirectory: options.temporaryDirectory }),
        ...call,
      });
      try {
        const mediaType = layerMediaType(parsed.mediaType, options.compression);
        const next: Descriptor = { mediaType, digest: staged.digest, size: staged.size };
        if (layer.annotations !== undefined) next.annotations = layer.annotations;
        if (await destination.exists(next, call)) result.blobs.skipped += 1;
        else {
          await destination.push(next, fileSource(staged.path), call);
          result.blobs.transferred += 1;
          result.bytes += staged.size;
        }
        layers.push(next);
        changed = true;
      } finally {
        await staged.remove();
      }
    }
    if (!changed) {
      await destination.push(descriptor, parsed.bytes, call);
      return descriptor;
    }
    manifest.layers = layers;
    const written = await pushDocument(manifest, parsed.mediaType);
    return { ...descriptor, digest: written.digest, size: written.size };
  };

  const top = await readManifest(source, root, options.signal);
  if (top.kind === "image") {
    result.descriptor = await image(root);
    return result;
  }
  const index = parseObject(top.bytes, `index ${root.digest}`);
  const all = index.manifests as JsonObject[];
  const wanted =
    options.platforms === undefined || options.platforms === "all"
      ? undefined
      : new Set(selectManifests(top.manifest, [...options.platforms]));
  const entries: JsonObject[] = [];
  let changed = wanted !== undefined && wanted.size !== top.manifest.manifests.length;
  for (const [position, entry] of top.manifest.manifests.entries()) {
    if (wanted !== undefined && !wanted.has(entry)) continue;
    const written = await image(entry);
    if (entry.platform !== undefined) result.platforms.push(entry.platform);
    entries.push(
      written.digest === entry.digest
        ? all[position]!
        : { ...all[position], digest: written.digest, size: written.size },
    );
    if (written.digest !== entry.digest) changed = true;
  }
  index.manifests = entries;
  if (!changed) {
    await destination.push(root, top.bytes, call);
    return result;
  }
  const written = await pushDocument(index, top.mediaType);
  result.descriptor = { ...root, digest: written.digest, size: written.size };
  return result;
}

/** The compression a layer media type names; `undefined` for types that are not layers stevedore rewrites. */
function compressionOf(mediaType: string): Compression | undefined {
  switch (mediaType) {
    case MediaType.OciLayer:
    case MediaType.DockerLayer:
      return "none";
    case MediaType.OciLayerGzip:
    case MediaType.DockerLayerGzip:
      return "gzip";
    case MediaType.OciLayerZstd:
      return "zstd";
    default:
      return undefined;
  }
}
