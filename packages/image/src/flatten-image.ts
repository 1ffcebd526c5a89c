import { fileSource } from "@stevedore/blob";
import type { Descriptor, Target } from "@stevedore/core";
import type { Compression } from "@stevedore/tar";
import { type EditOptions, type EditResult, editImages } from "./edit-images.js";
import { exportFilesystem } from "./export-filesystem.js";
import { historyTime, layerMediaType } from "./layer-media-type.js";
import { objectAt } from "./read-documents.js";
import { stageLayer } from "./stage-layer.js";

/** Options of {@link flattenImage}. */
export interface FlattenImageOptions extends EditOptions {
  compression?: Compression;
  level?: number;
  /** The history time of the one layer, in seconds since the epoch (default 0). */
  mtime?: number;
  temporaryDirectory?: string;
}

/**
 * Replaces the layers of an image (or of every selected image of an index) in `target` with one layer
 * holding the merged file system (`exportFilesystem`): whiteouts applied, nothing deleted left behind. The
 * config keeps everything but `rootfs.diff_ids` (the one new diff ID) and `history` (one entry).
 *
 * @example
 * ```ts
 * const result = await flattenImage(layout, await layout.resolve("v1"));
 * await layout.tag(result.descriptor, "v1-flat");
 * ```
 */
export async function flattenImage(
  target: Target,
  root: Descriptor,
  options: FlattenImageOptions = {},
): Promise<EditResult> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const compression = options.compression ?? "gzip";
  return editImages(target, root, options, async (image) => {
    const where = `image ${image.descriptor.digest}`;
    const layer = await stageLayer(exportFilesystem(target, image.manifest, { ...call, where }), {
      compression,
      where,
      ...(options.level === undefined ? {} : { level: options.level }),
      ...(options.temporaryDirectory === undefined ? {} : { temporaryDirectory: options.temporaryDirectory }),
      ...call,
    });
    try {
      const mediaType = image.manifest.mediaType ?? image.descriptor.mediaType;
      const descriptor = {
        mediaType: layerMediaType(mediaType, compression),
        digest: layer.digest,
        size: layer.size,
      };
      if (!(await target.exists(descriptor, call)))
        await target.push(descriptor, fileSource(layer.path), call);
      image.manifest.layers = [descriptor];
      const rootfs = objectAt(image.config, "rootfs");
      rootfs.type ??= "layers";
      rootfs.diff_ids = [layer.diffId];
      if (image.config.history !== undefined) {
        image.config.history = [
          { created: historyTime(options.mtime ?? 0), created_by: "stevedore flatten" },
        ];
      }
    } finally {
      await layer.remove();
    }
  });
}
