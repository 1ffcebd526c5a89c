/**
 * Media types of OCI and Docker schema 2 documents (`spec/PROTOCOL.md` §12.1). The schema 1 names are here
 * only so they can be recognised and rejected with a clear message (§5.6).
 */
export const MediaType = {
  OciManifest: "application/vnd.oci.image.manifest.v1+json",
  OciIndex: "application/vnd.oci.image.index.v1+json",
  OciConfig: "application/vnd.oci.image.config.v1+json",
  OciLayer: "application/vnd.oci.image.layer.v1.tar",
  OciLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  OciLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  OciLayerNondistributable: "application/vnd.oci.image.layer.nondistributable.v1.tar",
  OciLayerNondistributableGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  OciLayerNondistributableZstd: "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
  OciEmpty: "application/vnd.oci.empty.v1+json",
  OciDescriptor: "application/vnd.oci.descriptor.v1+json",
  OciLayoutHeader: "application/vnd.oci.layout.header.v1+json",
  DockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  DockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  DockerConfig: "application/vnd.docker.container.image.v1+json",
  DockerLayer: "application/vnd.docker.image.rootfs.diff.tar",
  DockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  DockerLayerForeignGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  DockerPluginConfig: "application/vnd.docker.plugin.v1+json",
  DockerSchema1Manifest: "application/vnd.docker.distribution.manifest.v1+json",
  DockerSchema1SignedManifest: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

/** One of the well-known media type strings. Other RFC 6838 types are accepted wherever a `string` is. */
export type KnownMediaType = (typeof MediaType)[keyof typeof MediaType];

/** Media types of image manifests (single platform). */
export const imageManifestMediaTypes: readonly string[] = [MediaType.OciManifest, MediaType.DockerManifest];

/** Media types of indexes / manifest lists. */
export const indexMediaTypes: readonly string[] = [MediaType.OciIndex, MediaType.DockerManifestList];

/** Every manifest media type stevedore can handle, in `Accept` order (§5.5). */
export const manifestMediaTypes: readonly string[] = [
  MediaType.OciIndex,
  MediaType.DockerManifestList,
  MediaType.OciManifest,
  MediaType.DockerManifest,
];

/** Schema 1 media types, recognised only to be rejected. */
export const schema1MediaTypes: readonly string[] = [
  MediaType.DockerSchema1Manifest,
  MediaType.DockerSchema1SignedManifest,
  "application/json",
];

/** Layer media types that must not be pushed to registries by default (§12.1, deprecated non-distributable). */
export const nondistributableMediaTypes: readonly string[] = [
  MediaType.OciLayerNondistributable,
  MediaType.OciLayerNondistributableGzip,
  MediaType.OciLayerNondistributableZstd,
  MediaType.DockerLayerForeignGzip,
];

/** True for index / manifest list media types. */
export function isIndexMediaType(mediaType: string): boolean {
  return indexMediaTypes.includes(mediaType);
}

/** True for single-image manifest media types. */
export function isImageManifestMediaType(mediaType: string): boolean {
  return imageManifestMediaTypes.includes(mediaType);
}

/** True for any manifest media type (image or index) stevedore handles. */
export function isManifestMediaType(mediaType: string): boolean {
  return manifestMediaTypes.includes(mediaType);
}

/** Strips parameters (`; charset=utf-8`) and lower-cases a `Content-Type` value (§3.1 end-3). */
export function normalizeMediaType(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}
