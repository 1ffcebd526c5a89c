import { unknownArtifactType } from "./annotations.js";
import { descriptorOf } from "./descriptor-of.js";
import { UsageError } from "./errors.js";
import type { Descriptor, ImageManifest } from "./manifest-types.js";
import { MediaType } from "./media-types.js";

/**
 * The empty descriptor of OCI image-spec 1.1 (`{}`, two bytes, embedded as `data`): the config of an
 * artifact that has none.
 */
export const emptyDescriptor: Readonly<Descriptor> = Object.freeze({
  mediaType: MediaType.OciEmpty,
  digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
  size: 2,
  data: "e30=",
});

/** What {@link buildArtifactManifest} builds an artifact manifest from. */
export interface ArtifactManifestInput {
  /**
   * The manifest's `artifactType`. Default: none when `config` is given (its media type says what the
   * artifact is, as Helm and devcontainers do), else `application/vnd.unknown.artifact.v1` as oras does,
   * since image-spec 1.1 requires one with the empty config.
   */
  artifactType?: string;
  /** The config descriptor. Default: {@link emptyDescriptor}. */
  config?: Descriptor;
  /** The files, in order. May be empty (a signature carried in annotations). */
  layers: readonly Descriptor[];
  /** The manifest this artifact refers to (a signature's image): makes it a referrer. */
  subject?: Descriptor;
  annotations?: Readonly<Record<string, string>>;
}

/** A manifest built in memory: the document, its exact bytes and its descriptor. */
export interface BuiltManifest<T> {
  manifest: T;
  bytes: Uint8Array;
  descriptor: Descriptor;
}

/**
 * Builds an OCI 1.1 image manifest for an artifact, serialised compactly with keys in the order
 * `schemaVersion, mediaType, artifactType, config, layers, subject, annotations` — the order Helm,
 * devcontainers and oras write, so the same descriptors give the same digest as those tools.
 *
 * @throws UsageError for a layer or config that is not a descriptor, or an empty artifact type.
 * @example
 * const { bytes, descriptor } = buildArtifactManifest({
 *   artifactType: "application/spdx+json",
 *   layers: [{ mediaType: "application/spdx+json", digest, size, annotations: { [Annotation.Title]: "sbom.json" } }],
 *   subject: imageDescriptor,
 * });
 */
export function buildArtifactManifest(input: ArtifactManifestInput): BuiltManifest<ImageManifest> {
  if (typeof input !== "object" || input === null)
    throw new UsageError("buildArtifactManifest() needs an input");
  if (!Array.isArray(input.layers))
    throw new UsageError("buildArtifactManifest() needs layers (may be empty)");
  for (const [index, layer] of input.layers.entries()) checkDescriptor(layer, `layer ${index + 1}`);
  if (input.config !== undefined) checkDescriptor(input.config, "the config");
  if (input.subject !== undefined) checkDescriptor(input.subject, "the subject");
  if (
    input.artifactType !== undefined &&
    (typeof input.artifactType !== "string" || input.artifactType === "")
  ) {
    throw new UsageError("an artifact type cannot be empty");
  }
  const artifactType = input.artifactType ?? (input.config === undefined ? unknownArtifactType : undefined);
  const annotations = input.annotations;
  if (annotations !== undefined) checkAnnotations(annotations);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    ...(artifactType === undefined ? {} : { artifactType }),
    config: { ...(input.config ?? emptyDescriptor) },
    layers: input.layers.map((layer) => ({ ...layer })),
    ...(input.subject === undefined ? {} : { subject: subjectOf(input.subject) }),
    ...(annotations === undefined || Object.keys(annotations).length === 0
      ? {}
      : { annotations: { ...annotations } }),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return { manifest, bytes, descriptor: descriptorOf(bytes, MediaType.OciManifest) };
}

/** A subject is named by media type, digest and size only (image-spec: other fields are not needed). */
function subjectOf(subject: Descriptor): Descriptor {
  return { mediaType: subject.mediaType, digest: subject.digest, size: subject.size };
}

/** @internal Shared with the index builder. */
export function checkDescriptor(value: unknown, what: string): void {
  const descriptor = value as Partial<Descriptor> | null;
  if (
    typeof descriptor !== "object" ||
    descriptor === null ||
    typeof descriptor.mediaType !== "string" ||
    descriptor.mediaType === "" ||
    typeof descriptor.digest !== "string" ||
    !Number.isSafeInteger(descriptor.size) ||
    (descriptor.size as number) < 0
  ) {
    throw new UsageError(`${what} is not a descriptor (mediaType, digest and size are required)`);
  }
}

/** @internal Shared with the index builder. */
export function checkAnnotations(annotations: unknown): void {
  if (typeof annotations !== "object" || annotations === null || Array.isArray(annotations)) {
    throw new UsageError("annotations must be an object of strings");
  }
  for (const [key, value] of Object.entries(annotations)) {
    if (key === "") throw new UsageError("an annotation key cannot be empty");
    if (typeof value !== "string") throw new UsageError(`annotation ${JSON.stringify(key)} must be a string`);
  }
}
