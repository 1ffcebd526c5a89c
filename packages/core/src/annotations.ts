/**
 * Annotation keys stevedore writes or reads (OCI image-spec `annotations.md`, and the oras conventions for
 * directories that other tools follow).
 */
export const Annotation = {
  /** The file name of a layer (image-spec); `artifact pull` writes the layer under it. */
  Title: "org.opencontainers.image.title",
  /** RFC 3339 time the artifact was made (image-spec). */
  Created: "org.opencontainers.image.created",
  /** `"true"`: the layer is a tar+gzip of a directory named by its title, to be unpacked (oras). */
  Unpack: "io.deis.oras.content.unpack",
  /** The digest of the uncompressed tar of an unpacked directory (oras). */
  ContentDigest: "io.deis.oras.content.digest",
} as const;

/** The artifact type oras writes when none is given; stevedore uses it for the same case. */
export const unknownArtifactType = "application/vnd.unknown.artifact.v1";
