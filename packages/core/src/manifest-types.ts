/**
 * The shapes of OCI / Docker schema 2 documents (`spec/PROTOCOL.md` §12.2–§12.5). Runtime validation is
 * in `parse-manifest.ts`; these types describe what it returns.
 */

/** The platform of a manifest inside an index, or of an image config. */
export interface Platform {
  architecture: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
  features?: string[];
}

/** A content descriptor: media type, digest and size of a blob or manifest. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  /** Base64 of the content, embedded. Must be verified against `digest` and `size` before use. */
  data?: string;
  artifactType?: string;
  platform?: Platform;
}

/** An image manifest (OCI or Docker schema 2), also used for artifacts. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An image index (OCI) or manifest list (Docker). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** A parsed manifest with the exact bytes it came from; the digest of `bytes` is its identity. */
export type ParsedManifest =
  | { kind: "image"; mediaType: string; manifest: ImageManifest; bytes: Uint8Array }
  | { kind: "index"; mediaType: string; manifest: ImageIndex; bytes: Uint8Array };

/**
 * The parts of an image config (`application/vnd.oci.image.config.v1+json` or Docker's
 * `application/vnd.docker.container.image.v1+json`, `spec/PROTOCOL.md` §12.5) that stevedore reads.
 * Other fields stay in the config's bytes.
 */
export interface ImageConfig {
  architecture: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
  /** RFC 3339 time the image was created, as written. */
  created?: string;
  /** How a container of the image runs (the image spec's `config`); `null` fields are left out. */
  config?: {
    /** Image labels (`LABEL` in a Dockerfile). */
    Labels?: Record<string, string>;
    /** `NAME=value` entries (`ENV`). */
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    User?: string;
    WorkingDir?: string;
    /** Keys such as `80/tcp` (`EXPOSE`); the values are empty objects. */
    ExposedPorts?: Record<string, unknown>;
  };
  rootfs: {
    /** Always `layers` in current images. */
    type: string;
    /** Digests of the uncompressed layers, base first. Not the layer blob digests (§5.1). */
    diff_ids: string[];
  };
}
