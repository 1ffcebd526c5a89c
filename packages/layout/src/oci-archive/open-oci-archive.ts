import { readAll, throwIfAborted, verifyContent } from "@stevedore/blob";
import type {
  Descriptor,
  Digest,
  RangeFetcher,
  ReadableTarget,
  ReferrerLister,
  TagLister,
} from "@stevedore/core";
import {
  checkByteRange,
  DigestMismatchError,
  digestAlgorithm,
  digestOf,
  isReferrersTag,
  LocalFormatError,
  ManifestError,
  manifestTooLargeError,
  NotFoundError,
  parseDigest,
  parseManifest,
  referrersTagFor,
  UsageError,
} from "@stevedore/core";
import type { TarEntry } from "@stevedore/tar";
import {
  type ArchiveEntries,
  archiveManifestLimit,
  digestFromName,
  indexArchive,
} from "../archive-entries.js";
import { isContentDigest } from "../is-content-digest.js";
import {
  checkLayoutFile,
  findByImageName,
  parseLayoutIndex,
  pickDescriptor,
  refNameAnnotation,
} from "../layout-index.js";
import { readFileStream } from "../read-file-stream.js";

/** One image of an OCI archive: an `index.json` entry (referrers indexes left out). */
export interface OciArchiveImage {
  readonly descriptor: Descriptor;
  /** Its `org.opencontainers.image.ref.name`, when tagged. */
  readonly tag: string | undefined;
}

/** An OCI archive (a tar of an OCI image layout) as a read-only target. */
export interface OciArchiveTarget extends ReadableTarget, TagLister, RangeFetcher, ReferrerLister {
  /** The archive file. */
  readonly path: string;
  /** Its images in `index.json` order; `resolve("@<n>")` picks one by position. */
  readonly images: readonly OciArchiveImage[];
}

/** Options of {@link openOciArchive}. */
export interface OpenOciArchiveOptions {
  signal?: AbortSignal;
  /** Largest manifest or `index.json` read from the archive, in bytes. Default 4 MiB, as a remote's. */
  maxManifestBytes?: number;
}

/**
 * Opens an OCI archive (`spec/PROTOCOL.md` §13.1 as a tar: what `podman save --format oci-archive`,
 * `skopeo copy … oci-archive:` and buildkit's `type=oci` exporter write) as a read-only target. The tar's
 * headers are indexed once; blobs are read in place by offset, never extracted, and verified against
 * their descriptor as they stream.
 *
 * `resolve` accepts an `org.opencontainers.image.ref.name` (the tag of `oci-archive:FILE:TAG`, as skopeo
 * reads it), `@<n>` for the n-th image of `index.json`, `""` when the archive holds exactly one image, or a
 * digest (an `index.json` entry or any manifest blob). Referrers kept in the archive as tagged
 * `<alg>-<hex>` indexes (how `createOciLayout` keeps them) are listed by `referrers` and left out of
 * `tags` and `images`.
 *
 * A file that is not a tar, is truncated, holds unsafe names (`..`, absolute paths) or lacks `oci-layout`
 * or `index.json` is refused with `LocalFormatError`; a blob that does not match its digest fails its
 * fetch with `DigestMismatchError`.
 *
 * @example
 * ```ts
 * const archive = await openOciArchive("alpine.tar");
 * const descriptor = await archive.resolve("3.20");
 * ```
 */
export async function openOciArchive(
  path: string,
  options: OpenOciArchiveOptions = {},
): Promise<OciArchiveTarget> {
  const maxManifestBytes = archiveManifestLimit(options);
  return ociArchiveOf(path, await indexArchive(path), maxManifestBytes);
}

/** {@link openOciArchive} of an archive already indexed (`openArchive` indexes a file once). */
export async function ociArchiveOf(
  path: string,
  entries: ArchiveEntries,
  maxManifestBytes: number,
): Promise<OciArchiveTarget> {
  const readSmall = async (entry: TarEntry): Promise<Uint8Array> => {
    if (entry.size > maxManifestBytes)
      throw manifestTooLargeError(`${path}: ${entry.name}`, maxManifestBytes);
    return readAll(readFileStream(path, entry.offset, entry.size), maxManifestBytes);
  };
  const layoutEntry = entries.get("oci-layout");
  const indexEntry = entries.get("index.json");
  if (layoutEntry === undefined || indexEntry === undefined) {
    const missing = layoutEntry === undefined ? "oci-layout" : "index.json";
    const hint =
      entries.get("manifest.json") === undefined ? "" : " (it has manifest.json: read it as docker-archive:)";
    throw new LocalFormatError(`${path} is not an OCI archive: ${missing} is missing${hint}`);
  }
  checkLayoutFile(await readSmall(layoutEntry), `${path}: oci-layout`);
  const layoutIndex = parseLayoutIndex(await readSmall(indexEntry), `${path}: index.json`);

  const blobs = new Map<string, TarEntry>();
  for (const [name, entry] of entries.files()) {
    const digest = digestFromName(name);
    if (digest !== undefined) blobs.set(digest, entry);
  }
  const images: OciArchiveImage[] = layoutIndex.manifests.flatMap((entry) => {
    const tag = entry.annotations?.[refNameAnnotation];
    return tag !== undefined && isReferrersTag(tag) ? [] : [{ descriptor: pickDescriptor(entry), tag }];
  });

  const blobOf = (descriptor: Descriptor): TarEntry => {
    parseDigest(descriptor.digest);
    const entry = blobs.get(descriptor.digest);
    if (entry === undefined) throw new NotFoundError(`${descriptor.digest} not found in ${path}`);
    return entry;
  };
  const stream = (descriptor: Descriptor, signal: AbortSignal | undefined) => {
    const entry = blobOf(descriptor);
    return verifyContent(readFileStream(path, entry.offset, entry.size, signal), descriptor, {
      where: `${entry.name} in ${path}`,
    });
  };

  /** A blob of the archive read as a manifest, or `undefined` when it is none. */
  const manifestBlob = async (digest: string): Promise<Descriptor | undefined> => {
    const entry = blobs.get(digest);
    if (entry === undefined || entry.size > maxManifestBytes) return undefined;
    const bytes = await readSmall(entry);
    const actual = digestOf(bytes, digestAlgorithm(digest as Digest));
    if (actual !== digest) throw new DigestMismatchError(digest, actual, `${entry.name} in ${path}`);
    try {
      return { mediaType: parseManifest(bytes).mediaType, digest, size: bytes.length };
    } catch (error) {
      if (ManifestError.isInstance(error)) return undefined;
      throw error;
    }
  };

  const find = async (reference: string): Promise<Descriptor | undefined> => {
    if (reference === "") {
      if (images.length !== 1) {
        throw new UsageError(`${path} holds ${images.length} images: name one (a tag, @<n> or a digest)`);
      }
      return images[0]?.descriptor;
    }
    if (/^@[0-9]{1,9}$/.test(reference)) return images[Number(reference.slice(1))]?.descriptor;
    if (isContentDigest(reference)) {
      const listed = layoutIndex.manifests.find((entry) => entry.digest === reference);
      return listed === undefined ? manifestBlob(reference) : pickDescriptor(listed);
    }
    // A tag (`ref.name`), else a full image name as buildkit and Docker 25+ write it beside the tag.
    const tagged =
      layoutIndex.manifests.find((entry) => entry.annotations?.[refNameAnnotation] === reference) ??
      findByImageName(layoutIndex.manifests, reference);
    return tagged === undefined ? undefined : pickDescriptor(tagged);
  };

  return {
    path,
    images,

    async resolve(reference, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      if (typeof reference !== "string") throw new UsageError("reference must be a string");
      const found = await find(reference);
      if (found === undefined) throw new NotFoundError(`${reference} not found in ${path}`);
      return found;
    },

    async fetch(descriptor, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      return stream(descriptor, callOptions.signal);
    },

    async fetchRange(descriptor, start, end, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      const entry = blobOf(descriptor);
      // The entry's size, not the descriptor's: a range cannot be verified, so it must lie in the file.
      const stop = checkByteRange(
        { digest: descriptor.digest, size: Math.min(entry.size, descriptor.size) },
        start,
        end,
      );
      return readFileStream(path, entry.offset + start, stop - start, callOptions.signal);
    },

    async exists(descriptor, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      parseDigest(descriptor.digest);
      return blobs.get(descriptor.digest)?.size === descriptor.size;
    },

    async *tags(callOptions = {}) {
      throwIfAborted(callOptions.signal);
      const names = new Set<string>();
      for (const image of images) if (image.tag !== undefined) names.add(image.tag);
      yield* [...names].sort();
    },

    async *referrers(subject, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      const tag = referrersTagFor(subject.digest);
      const entry = layoutIndex.manifests.find((item) => item.annotations?.[refNameAnnotation] === tag);
      if (entry === undefined) return;
      const bytes = await readAll(stream(pickDescriptor(entry), callOptions.signal), maxManifestBytes);
      const parsed = parseManifest(bytes, entry.mediaType);
      if (parsed.kind !== "index") return;
      const { artifactType } = callOptions;
      yield* parsed.manifest.manifests.filter(
        (item) => artifactType === undefined || item.artifactType === artifactType,
      );
    },
  };
}
