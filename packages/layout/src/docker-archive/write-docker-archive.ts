import type { Writable } from "node:stream";
import { readAll, throwIfAborted } from "@stevedore/blob";
import type { Descriptor, Digest, ReadableTarget } from "@stevedore/core";
import {
  digestAlgorithm,
  digestEncoded,
  formatReference,
  InvalidReferenceError,
  isImageManifestMediaType,
  MediaType,
  parseDigest,
  parseManifest,
  parseReference,
  UsageError,
} from "@stevedore/core";
import { type TarWriterEntry, writeTar } from "@stevedore/tar";
import { imageNameAnnotation, layoutFileContent, refNameAnnotation } from "../layout-index.js";
import { writeArchive } from "../write-archive.js";

/** One image to put into a `docker save` archive. */
export interface DockerArchiveImageInput {
  /** Where the manifest, config and layers are read from. */
  source: ReadableTarget;
  /** The image manifest (OCI or Docker schema 2; an index must be narrowed to one platform first). */
  descriptor: Descriptor;
  /** Names for `docker load`, such as `nginx:latest` or `registry.example/team/app:1.0`. */
  repoTags?: readonly string[];
}

/** Options of {@link writeDockerArchive}. */
export interface WriteDockerArchiveOptions {
  signal?: AbortSignal;
}

const maxManifestBytes = 4 * 1024 * 1024;
const encoder = new TextEncoder();

/**
 * Writes images as a `docker save` archive in the Docker ≥ 25 form (`spec/PROTOCOL.md` §13.2): an OCI
 * image layout (`oci-layout`, `index.json` with `io.containerd.image.name` and `ref.name` annotations,
 * `blobs/<alg>/<hex>` holding manifests, configs and layers byte for byte) plus a `manifest.json` whose
 * `Config` and `Layers` point into `blobs/`. `docker load` (both image stores), skopeo's `docker-archive:`
 * and {@link openDockerArchive} read it. Layers are kept as they are (compressed ones stay compressed;
 * `docker load` decompresses them).
 *
 * The archive is streamed: manifests are read first (they are small), then each blob is fetched from its
 * source while the tar is written, so memory stays flat. Blobs shared by several images are written
 * once. With a path, the archive is written to a temp file beside it and renamed when complete; with a
 * `Writable`, the stream is ended when the archive is. Every blob is verified by its source's `fetch`.
 *
 * @example
 * ```ts
 * const layout = createOciLayout("./alpine");
 * const descriptor = await layout.resolve("3.20");
 * await writeDockerArchive("alpine.tar", [{ source: layout, descriptor, repoTags: ["alpine:3.20"] }]);
 * ```
 */
export async function writeDockerArchive(
  destination: string | Writable,
  images: readonly DockerArchiveImageInput[],
  options: WriteDockerArchiveOptions = {},
): Promise<void> {
  const { signal } = options;
  throwIfAborted(signal);
  if (images.length === 0) throw new UsageError("writeDockerArchive needs at least one image");
  const blobs = new Map<string, { source: ReadableTarget; descriptor: Descriptor; bytes?: Uint8Array }>();
  const saveEntries: unknown[] = [];
  const indexEntries: Descriptor[] = [];
  for (const image of images) {
    const { descriptor, source } = image;
    if (!isImageManifestMediaType(descriptor.mediaType)) {
      throw new UsageError(
        `${descriptor.digest} is ${descriptor.mediaType}, not an image manifest: pick a platform first`,
      );
    }
    const names = (image.repoTags ?? []).map(checkRepoTag);
    const bytes = await readAll(
      await source.fetch(descriptor, signal === undefined ? {} : { signal }),
      maxManifestBytes,
    );
    const parsed = parseManifest(bytes, descriptor.mediaType);
    if (parsed.kind !== "image") throw new UsageError(`${descriptor.digest} is not an image manifest`);
    const { config, layers } = parsed.manifest;
    blobs.set(descriptor.digest, { source, descriptor, bytes });
    for (const blob of [config, ...layers])
      if (!blobs.has(blob.digest)) blobs.set(blob.digest, { source, descriptor: blob });
    saveEntries.push({
      Config: blobPath(config.digest),
      RepoTags: names.length === 0 ? null : names.map((name) => name.familiar),
      Layers: layers.map((layer) => blobPath(layer.digest)),
    });
    const entry: Descriptor = {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
    };
    if (names.length === 0) indexEntries.push(entry);
    for (const name of names) {
      indexEntries.push({
        ...entry,
        annotations: { [imageNameAnnotation]: name.full, [refNameAnnotation]: name.tag },
      });
    }
  }

  const documents: TarWriterEntry[] = [
    file("oci-layout", layoutFileContent),
    file(
      "index.json",
      encoder.encode(
        JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: indexEntries }),
      ),
    ),
    file("manifest.json", encoder.encode(JSON.stringify(saveEntries))),
  ];
  const algorithms = new Set([...blobs.keys()].map((digest) => digestAlgorithm(digest as Digest)));
  async function* entries(): AsyncGenerator<TarWriterEntry, void, undefined> {
    yield* documents;
    yield { name: "blobs", type: "directory", size: 0 };
    for (const algorithm of algorithms) yield { name: `blobs/${algorithm}`, type: "directory", size: 0 };
    for (const { source, descriptor, bytes } of blobs.values()) {
      yield {
        name: blobPath(descriptor.digest),
        size: descriptor.size,
        content: bytes ?? fetchLazily(source, descriptor, signal),
      };
    }
  }
  await writeArchive(destination, writeTar(entries()), signal);
}

/** Fetches when the tar writer first asks for bytes, so only one blob is open at a time. */
async function* fetchLazily(
  source: ReadableTarget,
  descriptor: Descriptor,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array, void, undefined> {
  yield* await source.fetch(descriptor, signal === undefined ? {} : { signal });
}

/** `nginx` → familiar `nginx:latest`, full `docker.io/library/nginx:latest`, tag `latest`. */
function checkRepoTag(name: string): { familiar: string; full: string; tag: string } {
  const reference = parseReference(name, { defaultTag: "latest" });
  if (reference.digest !== undefined) {
    throw new InvalidReferenceError(name, "a docker archive name cannot hold a digest");
  }
  const tagged = {
    registry: reference.registry,
    repository: reference.repository,
    tag: reference.tag ?? "latest",
  };
  return {
    familiar: formatReference(tagged, { familiar: true }),
    full: formatReference(tagged),
    tag: tagged.tag,
  };
}

function blobPath(digest: string): string {
  const valid = parseDigest(digest);
  return `blobs/${digestAlgorithm(valid)}/${digestEncoded(valid)}`;
}

function file(name: string, bytes: Uint8Array): TarWriterEntry {
  return { name, size: bytes.length, content: bytes };
}
