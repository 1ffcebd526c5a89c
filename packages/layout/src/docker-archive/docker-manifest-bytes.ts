import type { Descriptor } from "@stevedore/core";
import { MediaType } from "@stevedore/core";

/**
 * The exact bytes of a Docker schema 2 manifest for an image of a `docker save` archive, which has none of
 * its own. The layout is fixed (the key order and compact form Go's `encoding/json` gives containers/image's
 * `manifest.Schema2`), so one archive always yields one digest.
 *
 * @example
 * ```ts
 * const bytes = dockerManifestBytes({ digest: configDigest, size: configSize }, layers);
 * ```
 */
export function dockerManifestBytes(
  config: Pick<Descriptor, "digest" | "size">,
  layers: readonly Descriptor[],
): Uint8Array {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.DockerManifest,
    config: { mediaType: MediaType.DockerConfig, size: config.size, digest: config.digest },
    layers: layers.map((layer) => ({
      mediaType: layer.mediaType,
      size: layer.size,
      digest: layer.digest,
      ...(layer.urls === undefined || layer.urls.length === 0 ? {} : { urls: layer.urls }),
    })),
  };
  return new TextEncoder().encode(JSON.stringify(manifest));
}
