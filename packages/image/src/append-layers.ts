import { fileSource } from "@stevedore/blob";
import type { Descriptor, Target } from "@stevedore/core";
import type { Compression } from "@stevedore/tar";
import { checkLayerFile } from "./check-layer-file.js";
import { type EditOptions, type EditResult, editImages } from "./edit-images.js";
import { checkLayerInputs, type LayerInput, openLayerInput, type PackOptions } from "./layer-input.js";
import { historyTime, layerMediaType } from "./layer-media-type.js";
import { objectAt } from "./read-documents.js";
import { type StagedLayer, stageLayer } from "./stage-layer.js";

/** Options of {@link appendLayers}. */
export interface AppendLayersOptions extends EditOptions, PackOptions {
  /** The layers to add, bottom first. */
  layers: readonly LayerInput[];
  /** How the new layers are stored: gzip (the default), zstd or none. */
  compression?: Compression;
  /** The compression level (gzip 1–9, default 6; zstd 1–19, default 3). */
  level?: number;
  /** `created_by` of the history entries (default `stevedore append`). */
  createdBy?: string;
  /** Where layers are staged before upload; the system's temp folder by default. */
  temporaryDirectory?: string;
}

/**
 * Adds layers on top of an image, or of every selected image of an index, in `target`: each layer is
 * packed (directories deterministically: see `packDirectory`), compressed and staged once in a temp file,
 * pushed once, and appended to each image's manifest, with its diff ID appended to the config's
 * `rootfs.diff_ids` and a `history` entry (time `mtime`, default 1970-01-01) when the config has a history.
 * Everything else in the manifests and configs is kept. The base image's blobs must already be in
 * `target` (copy it there first); none of them is read.
 *
 * @example
 * ```ts
 * const layout = createOciLayout("./app", { create: true });
 * const result = await appendLayers(layout, await layout.resolve("base"), {
 *   layers: [{ path: "./dist", destination: "/app" }],
 * });
 * await layout.tag(result.descriptor, "app");
 * ```
 */
export async function appendLayers(
  target: Target,
  root: Descriptor,
  options: AppendLayersOptions,
): Promise<EditResult> {
  await checkLayerInputs(options.layers);
  const compression = options.compression ?? "gzip";
  const staged: StagedLayer[] = [];
  try {
    for (const input of options.layers) {
      const { stream, where, packed } = await openLayerInput(input, options);
      const layer = await stageLayer(stream, {
        compression,
        where,
        ...(options.level === undefined ? {} : { level: options.level }),
        ...(options.temporaryDirectory === undefined
          ? {}
          : { temporaryDirectory: options.temporaryDirectory }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      staged.push(layer);
      // A tar from elsewhere is hostile input until read: every entry must be a tar entry with a safe path.
      if (!packed) await checkLayerFile(layer.path, where);
    }
    const call = options.signal === undefined ? {} : { signal: options.signal };
    const created = historyTime(options.mtime ?? 0);
    return await editImages(target, root, options, async (image) => {
      const mediaType = image.manifest.mediaType ?? image.descriptor.mediaType;
      const rootfs = objectAt(image.config, "rootfs");
      const diffIds = Array.isArray(rootfs.diff_ids) ? (rootfs.diff_ids as string[]) : [];
      rootfs.type ??= "layers";
      rootfs.diff_ids = diffIds;
      for (const layer of staged) {
        const descriptor = {
          mediaType: layerMediaType(mediaType, layer.compression),
          digest: layer.digest,
          size: layer.size,
        };
        if (!(await target.exists(descriptor, call)))
          await target.push(descriptor, fileSource(layer.path), call);
        image.manifest.layers.push(descriptor);
        diffIds.push(layer.diffId);
        if (Array.isArray(image.config.history)) {
          image.config.history.push({ created, created_by: options.createdBy ?? "stevedore append" });
        }
      }
    });
  } finally {
    await Promise.all(staged.map((layer) => layer.remove()));
  }
}
