import { MediaType } from "@stevedore/core";
import { detectCompression } from "@stevedore/tar";

/**
 * The media type a layer of a `docker save` archive gets in a synthesised Docker schema 2 manifest, from
 * its first bytes: gzip → `…rootfs.diff.tar.gzip`, zstd → the OCI zstd layer type (Docker has none),
 * anything else → an uncompressed tar (`…rootfs.diff.tar`).
 */
export function layerMediaType(head: Uint8Array): string {
  switch (detectCompression(head)) {
    case "gzip":
      return MediaType.DockerLayerGzip;
    case "zstd":
      return MediaType.OciLayerZstd;
    default:
      return MediaType.DockerLayer;
  }
}
