import { MediaType } from "@stevedore/core";

/** The Docker media type of an uncompressed layer tar (distribution's `MediaTypeUncompressedLayer`). */
export const dockerUncompressedLayerMediaType = "application/vnd.docker.image.rootfs.diff.tar";

/**
 * The media type a layer of a `docker save` archive gets in a synthesised Docker schema 2 manifest, from
 * its first bytes: gzip magic `1f 8b` → `…rootfs.diff.tar.gzip`, zstd magic `28 b5 2f fd` → the OCI zstd
 * layer type (Docker has none), anything else → an uncompressed tar (`…rootfs.diff.tar`).
 */
export function layerMediaType(head: Uint8Array): string {
  if (head[0] === 0x1f && head[1] === 0x8b) return MediaType.DockerLayerGzip;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd)
    return MediaType.OciLayerZstd;
  return dockerUncompressedLayerMediaType;
}
