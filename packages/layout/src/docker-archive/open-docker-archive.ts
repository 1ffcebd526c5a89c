import { bufferSource, throwIfAborted, verifyContent } from "@stevedore/blob";
import type { Descriptor, ReadableTarget, TagLister } from "@stevedore/core";
import { MediaType, NotFoundError, parseDigest, UsageError } from "@stevedore/core";
import type { TarEntry } from "@stevedore/tar";
import { type ArchiveEntries, archiveManifestLimit, indexArchive } from "../archive-entries.js";
import { isContentDigest } from "../is-content-digest.js";
import { findByImageName, normalizeName, refNameAnnotation } from "../layout-index.js";
import { readFileStream } from "../read-file-stream.js";
import { describeArchiveImages } from "./describe-archive-images.js";
import { loadDockerArchive } from "./load-docker-archive.js";

/** One image of an archive, as listed by its `manifest.json` (or `index.json` when it has none). */
export interface DockerArchiveImage {
  /** Its names (`nginx:latest`), or the `ref.name`s of an OCI archive; empty when untagged. */
  repoTags: readonly string[];
}

/** A `docker save` archive (or an OCI layout tar) as a read-only target. */
export interface DockerArchiveTarget extends ReadableTarget, TagLister {
  /** The archive file. */
  readonly path: string;
  /** Its images in archive order; `resolve("@<n>")` picks one by position. */
  readonly images: readonly DockerArchiveImage[];
}

/** Options of {@link openDockerArchive}. */
export interface OpenDockerArchiveOptions {
  signal?: AbortSignal;
  /**
   * Largest manifest, `index.json` or `manifest.json` read from the archive, in bytes; a larger
   * `index.json` or `manifest.json` is refused by its size before it is read, with the message a remote
   * gives (`… is more than the limit of N bytes`). Default 4 MiB, as remote's `maxManifestBytes`.
   */
  maxManifestBytes?: number;
}

/**
 * Opens a `docker save` archive (`spec/PROTOCOL.md` §13.2) as a read-only target. All three forms are
 * read: Docker ≥ 25 (an OCI layout plus `manifest.json` pointing into `blobs/`), Docker < 25
 * (`<id>/layer.tar`, `<config hex>.json`), and a plain OCI layout tar without `manifest.json`.
 *
 * `resolve` accepts a name from `RepoTags` (`nginx:latest`, also matched after normalisation, so
 * `docker.io/library/nginx:latest` and `nginx` find it), an `index.json` `ref.name` (`latest`), `@<n>` for
 * the n-th image, `""` when the archive holds exactly one image, or a digest. An image whose archive
 * holds its real manifest (Docker ≥ 25, or written by `writeDockerArchive`) resolves to that manifest;
 * otherwise stevedore synthesises a Docker schema 2 manifest: config `…container.image.v1+json`, layers
 * `…rootfs.diff.tar` or `…rootfs.diff.tar.gzip` by their magic bytes, each digest the sha256 of the layer
 * as stored (named `blobs/sha256/<hex>` files are trusted by name and verified on fetch; other layers are
 * hashed once, on first need). Its bytes are fixed, so an archive always yields the same digest.
 *
 * Hostile archives are refused with `LocalFormatError` (unsafe entry names, links leaving the archive,
 * malformed or missing documents, truncated entries); content that does not match its digest fails the
 * fetch with `DigestMismatchError`. The file is read in place, never extracted.
 *
 * @example
 * ```ts
 * const archive = await openDockerArchive("nginx.tar");
 * const descriptor = await archive.resolve("nginx:latest");
 * ```
 */
export async function openDockerArchive(
  path: string,
  options: OpenDockerArchiveOptions = {},
): Promise<DockerArchiveTarget> {
  const maxManifestBytes = archiveManifestLimit(options);
  return dockerArchiveOf(path, await indexArchive(path), maxManifestBytes);
}

/** {@link openDockerArchive} of an archive already indexed (`openArchive` indexes a file once). */
export async function dockerArchiveOf(
  path: string,
  entries: ArchiveEntries,
  maxManifestBytes: number,
): Promise<DockerArchiveTarget> {
  const archive = await loadDockerArchive(path, entries, maxManifestBytes);
  const { blobs, layoutIndex } = archive;
  const images = archive.images ?? [];
  const descriptors = describeArchiveImages(archive);

  const findContent = async (
    digest: string,
  ): Promise<{ bytes: Uint8Array } | { entry: TarEntry } | undefined> => {
    const known = (): { bytes: Uint8Array } | { entry: TarEntry } | undefined => {
      const bytes = descriptors.synthesised.get(digest);
      if (bytes !== undefined) return { bytes };
      const entry = blobs.get(digest);
      return entry === undefined ? undefined : { entry };
    };
    const found = known();
    if (found !== undefined) return found;
    // Layers with names that say nothing (`<id>/layer.tar`) are only known once hashed.
    await descriptors.describeAll();
    return known();
  };

  const tagsOf = (index: number): string[] => images[index]?.repoTags ?? [];
  const listed: DockerArchiveImage[] =
    archive.images !== undefined
      ? images.map((image) => ({ repoTags: [...image.repoTags] }))
      : (layoutIndex?.manifests ?? []).map((entry) => ({
          repoTags:
            entry.annotations?.[refNameAnnotation] === undefined
              ? []
              : [entry.annotations[refNameAnnotation]],
        }));

  const resolveName = async (reference: string): Promise<Descriptor | undefined> => {
    const wanted = normalizeName(reference);
    for (const [index, image] of images.entries()) {
      if (
        tagsOf(index).some(
          (tag) => tag === reference || (wanted !== undefined && normalizeName(tag) === wanted),
        )
      ) {
        return descriptors.describe(image);
      }
    }
    const manifests = layoutIndex?.manifests ?? [];
    const listed =
      manifests.find((entry) => entry.annotations?.[refNameAnnotation] === reference) ??
      findByImageName(manifests, reference);
    return listed === undefined ? undefined : pick(listed);
  };

  const resolvePosition = async (position: number): Promise<Descriptor | undefined> => {
    if (archive.images !== undefined) {
      const image = images[position];
      return image === undefined ? undefined : descriptors.describe(image);
    }
    const entry = layoutIndex?.manifests[position];
    return entry === undefined ? undefined : pick(entry);
  };

  const resolveDigest = async (digest: string): Promise<Descriptor | undefined> => {
    const listed = layoutIndex?.manifests.find((entry) => entry.digest === digest);
    if (listed !== undefined) return pick(listed);
    const parsed = await descriptors.parseBlob(digest);
    if (parsed !== undefined) return { mediaType: parsed.mediaType, digest, size: parsed.bytes.length };
    if (blobs.has(digest)) throw new NotFoundError(`${digest} in ${path} is not a manifest`);
    await descriptors.describeAll();
    const bytes = descriptors.synthesised.get(digest);
    return bytes === undefined
      ? undefined
      : { mediaType: MediaType.DockerManifest, digest, size: bytes.length };
  };

  return {
    path,
    images: listed,

    async resolve(reference, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      if (typeof reference !== "string") throw new UsageError("reference must be a string");
      let found: Descriptor | undefined;
      if (reference === "") {
        if (listed.length !== 1) {
          throw new UsageError(`${path} holds ${listed.length} images: name one (a tag, @<n> or a digest)`);
        }
        found = await resolvePosition(0);
      } else if (/^@[0-9]{1,9}$/.test(reference)) {
        found = await resolvePosition(Number(reference.slice(1)));
      } else if (isContentDigest(reference)) {
        found = await resolveDigest(reference);
      } else {
        found = await resolveName(reference);
      }
      throwIfAborted(callOptions.signal);
      if (found === undefined) throw new NotFoundError(`${reference} not found in ${path}`);
      return found;
    },

    async fetch(descriptor, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      parseDigest(descriptor.digest);
      const content = await findContent(descriptor.digest);
      throwIfAborted(callOptions.signal);
      if (content === undefined) throw new NotFoundError(`${descriptor.digest} not found in ${path}`);
      const where = `${descriptor.digest} in ${path}`;
      if ("bytes" in content) return verifyContent(bufferSource(content.bytes)(0), descriptor, { where });
      return verifyContent(
        readFileStream(path, content.entry.offset, content.entry.size, callOptions.signal),
        descriptor,
        { where: `${content.entry.name} (${where})` },
      );
    },

    async exists(descriptor, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      parseDigest(descriptor.digest);
      const content = await findContent(descriptor.digest);
      if (content === undefined) return false;
      return ("bytes" in content ? content.bytes.length : content.entry.size) === descriptor.size;
    },

    async *tags(callOptions = {}) {
      throwIfAborted(callOptions.signal);
      const names = new Set<string>();
      for (const image of listed) for (const tag of image.repoTags) names.add(tag);
      for (const entry of layoutIndex?.manifests ?? []) {
        const refName = entry.annotations?.[refNameAnnotation];
        if (refName !== undefined) names.add(refName);
      }
      yield* [...names].sort();
    },
  };
}

function pick(entry: Descriptor): Descriptor {
  const result: Descriptor = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
  if (entry.artifactType !== undefined) result.artifactType = entry.artifactType;
  if (entry.platform !== undefined) result.platform = entry.platform;
  return result;
}
