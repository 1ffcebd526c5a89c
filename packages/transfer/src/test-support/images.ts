/**
 * Real OCI content for the transfer tests: layers, configs, image manifests, indexes with attestation
 * entries, referrers. Manifests are pretty-printed, so any re-serialisation would change their digests.
 */
import type { Descriptor, Platform, Target } from "@stevedore/core";
import { descriptorOf, MediaType } from "@stevedore/core";

/** A piece of content: its descriptor and exact bytes. */
export interface Content {
  descriptor: Descriptor;
  bytes: Uint8Array;
}

/** An image manifest with its config and layers. */
export interface TestImage extends Content {
  config: Content;
  layers: Content[];
  /** Config and layers. */
  blobs: Content[];
}

/** An index with its images and attestation manifests. */
export interface TestIndex extends Content {
  images: TestImage[];
  attestations: TestImage[];
}

const encoder = new TextEncoder();

/** A blob of `size` bytes derived from `name` (different names give different content). */
export function blob(name: string, mediaType: string = MediaType.OciLayerGzip, size = 256): Content {
  const seed = encoder.encode(`${name}:`);
  const bytes = new Uint8Array(size);
  for (let position = 0; position < size; position += 1) {
    bytes[position] = ((seed[position % seed.length] ?? 0) * 31 + position * 7 + size) & 255;
  }
  return { descriptor: descriptorOf(bytes, mediaType), bytes };
}

/** A JSON document as pretty-printed bytes with its descriptor. */
export function document(value: unknown, mediaType: string): Content {
  const bytes = encoder.encode(JSON.stringify(value, null, 2));
  return { descriptor: descriptorOf(bytes, mediaType), bytes };
}

/** Options of {@link image}. */
export interface ImageOptions {
  platform?: Platform;
  /** Layers to use; default two fresh ones named after the image. */
  layers?: Content[];
  subject?: Descriptor;
  artifactType?: string;
  /** A config to use instead of an image config made from `platform`. */
  config?: Content;
  docker?: boolean;
}

/** An OCI (or Docker schema 2) image manifest. */
export function image(name: string, options: ImageOptions = {}): TestImage {
  const platform = options.platform ?? { os: "linux", architecture: "amd64" };
  const layerType = options.docker ? MediaType.DockerLayerGzip : MediaType.OciLayerGzip;
  const layers = options.layers ?? [blob(`${name} layer 1`, layerType), blob(`${name} layer 2`, layerType)];
  const config =
    options.config ??
    document(
      {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant === undefined ? {} : { variant: platform.variant }),
        config: { Labels: { name } },
        rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.descriptor.digest) },
      },
      options.docker ? MediaType.DockerConfig : MediaType.OciConfig,
    );
  const mediaType = options.docker ? MediaType.DockerManifest : MediaType.OciManifest;
  const manifest = document(
    {
      schemaVersion: 2,
      mediaType,
      ...(options.artifactType === undefined ? {} : { artifactType: options.artifactType }),
      config: config.descriptor,
      layers: layers.map((layer) => layer.descriptor),
      ...(options.subject === undefined ? {} : { subject: options.subject }),
    },
    mediaType,
  );
  return { ...manifest, config, layers, blobs: [config, ...layers] };
}

/** A BuildKit attestation manifest (in-toto layer) describing `subject`. */
export function attestation(subject: TestImage): TestImage {
  const name = `attestation of ${subject.descriptor.digest}`;
  return image(name, {
    platform: { os: "unknown", architecture: "unknown" },
    layers: [blob(name, "application/vnd.in-toto+json", 64)],
  });
}

/** Options of {@link index}. */
export interface IndexOptions {
  /** Add a BuildKit attestation entry after each image. */
  attestations?: boolean;
  /** Extra top-level fields (unknown ones too), kept in the bytes. */
  fields?: Record<string, unknown>;
}

/** An OCI index of `images`, each entry with its platform read from the image's config. */
export function index(images: TestImage[], options: IndexOptions = {}): TestIndex {
  const attestations: TestImage[] = [];
  const entries: Descriptor[] = [];
  for (const entry of images) {
    const config = JSON.parse(new TextDecoder().decode(entry.config.bytes)) as Platform;
    const platform: Platform = { architecture: config.architecture, os: config.os };
    if (config.variant !== undefined) platform.variant = config.variant;
    entries.push({ ...entry.descriptor, platform });
    if (options.attestations) {
      const made = attestation(entry);
      attestations.push(made);
      entries.push({
        ...made.descriptor,
        annotations: {
          "vnd.docker.reference.digest": entry.descriptor.digest,
          "vnd.docker.reference.type": "attestation-manifest",
        },
        platform: { architecture: "unknown", os: "unknown" },
      });
    }
  }
  const made = document(
    { schemaVersion: 2, mediaType: MediaType.OciIndex, ...options.fields, manifests: entries },
    MediaType.OciIndex,
  );
  return { ...made, images, attestations };
}

/** An artifact (signature, SBOM…) whose subject is `subject`: empty config, one layer. */
export function referrer(
  name: string,
  subject: Content,
  artifactType = "application/vnd.example.signature",
): TestImage {
  return image(name, {
    config: {
      descriptor: descriptorOf(encoder.encode("{}"), MediaType.OciEmpty),
      bytes: encoder.encode("{}"),
    },
    layers: [blob(name, "application/vnd.example.payload", 48)],
    subject: subject.descriptor,
    artifactType,
  });
}

/** Pushes images and indexes into `target`, blobs and children first; tags the last one with `tag`. */
export async function store(
  target: Target,
  contents: Array<TestImage | TestIndex>,
  tag?: string,
): Promise<void> {
  for (const content of contents) {
    const images = "images" in content ? [...content.images, ...content.attestations] : [content];
    for (const entry of images) {
      for (const part of entry.blobs) await target.push(part.descriptor, part.bytes);
      await target.push(entry.descriptor, entry.bytes);
    }
    if ("images" in content) await target.push(content.descriptor, content.bytes);
  }
  const last = contents.at(-1);
  if (tag !== undefined && last !== undefined) await target.tag(last.descriptor, tag);
}
