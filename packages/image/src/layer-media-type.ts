import { MediaType } from "@stevedore/core";
import type { Compression } from "@stevedore/tar";

/**
 * The media type of a new layer in a manifest of `manifestMediaType`: Docker's names in a Docker manifest
 * (which has no zstd type, so zstd layers take the OCI one, as containerd and buildkit write), OCI's
 * otherwise.
 */
export function layerMediaType(manifestMediaType: string, compression: Compression): string {
  const docker = manifestMediaType === MediaType.DockerManifest;
  switch (compression) {
    case "gzip":
      return docker ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip;
    case "zstd":
      return MediaType.OciLayerZstd;
    default:
      return docker ? MediaType.DockerLayer : MediaType.OciLayer;
  }
}

/** The history time of a new layer, RFC 3339 without fractions as Go writes it. */
export function historyTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, "Z");
}
