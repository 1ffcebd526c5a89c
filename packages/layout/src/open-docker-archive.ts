import { bufferSource, readAll, verifyContent } from "@stevedore/blob";
import type { Descriptor, ReadableTarget, TagLister } from "@stevedore/core";
import {
  AbortError,
  createHasher,
  digestOf,
  formatReference,
  isDigest,
  isImageManifestMediaType,
  isIndexMediaType,
  LocalFormatError,
  MediaType,
  NotFoundError,
  parseDigest,
  parseManifest,
  parseReference,
  UsageError,
} from "@stevedore/core";
import { type ArchiveEntries, createArchiveEntries } from "./archive-entries.js";
import { dockerManifestBytes } from "./docker-manifest-bytes.js";
import { type DockerSaveEntry, parseDockerSaveManifest } from "./docker-save-manifest.js";
import { indexTar, type TarEntry } from "./index-tar.js";
import { imageNameAnnotation, type LayoutIndex, parseJsonObject, parseLayoutIndex, refNameAnnotation } from "./layout-index.js";
import { isContentDigest } from "./is-content-digest.js";
import { layerMediaType } from "./layer-media-type.js";
import { openRandomAccessFile } from "./random-access-file.js";
import { readFileStream } from "./read-file-stream.js";

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
}

interface ImageRecord {
  repoTags: string[];
  config: Descriptor;
  /** Files of the archive, or the `LayerSources` descriptor of a foreign layer that is not in it. */
  layers: ({ file: TarEntry } | { foreign: Descriptor })[];
  descriptor?: Promise<Descriptor>;
}

const maxDocumentBytes = 16 * 1024 * 1024;
const maxManifestBytes = 4 * 1024 * 1024;
const blobName = /^blobs\/([a-z0-9]+(?:[+._-][a-z0-9]+)*)\/([a-zA-Z0-9=_-]+)$/;

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
  throwIfAborted(options.signal);
  const file = await openRandomAccessFile(path);
  let entries: ArchiveEntries;
  try {
    entries = createArchiveEntries(await indexTar(file, { where: path }), path);
  } finally {
    await file.close();
  }
  const readDocument = async (entry: TarEntry, limit = maxDocumentBytes): Promise<Uint8Array> => {
    if (entry.size > limit) throw new LocalFormatError(`${path}: ${entry.name} is larger than ${limit} bytes`);
    return readAll(readFileStream(path, entry.offset, entry.size));
  };

  // Blobs whose digest is known without hashing: OCI layout names, and configs (read anyway).
  const blobs = new Map<string, TarEntry>();
  for (const [name, entry] of entries.files()) {
    const match = blobName.exec(name);
    if (match !== null && isDigest(`${match[1]}:${match[2]}`)) blobs.set(`${match[1]}:${match[2]}`, entry);
  }

  const indexEntry = entries.get("index.json");
  const layoutIndex = indexEntry === undefined ? undefined : parseLayoutIndex(await readDocument(indexEntry), `${path}: index.json`);
  const manifestEntry = entries.get("manifest.json");
  let saved: DockerSaveEntry[] | undefined;
  if (manifestEntry !== undefined) {
    saved = parseDockerSaveManifest(await readDocument(manifestEntry), `${path}: manifest.json`);
  } else if (layoutIndex === undefined) {
    throw new LocalFormatError(`${path} is not a docker save archive: manifest.json and index.json are missing`);
  }

  const images: ImageRecord[] = [];
  for (const [index, item] of (saved ?? []).entries()) {
    const referrer = `manifest.json [${index}]`;
    const configEntry = entries.require(item.config, `${referrer}.Config`);
    const configBytes = await readDocument(configEntry);
    const config = parseJsonObject(configBytes, `${path}: ${configEntry.name}`);
    const configDigest = digestOf(configBytes);
    blobs.set(configDigest, configEntry);
    const diffIds = (config.rootfs as { diff_ids?: unknown } | undefined)?.diff_ids;
    const layers = item.layers.map((layer, position) => {
      const diffId = Array.isArray(diffIds) ? diffIds[position] : undefined;
      const foreign = typeof diffId === "string" ? item.layerSources[diffId] : undefined;
      if (foreign !== undefined && entries.get(layer) === undefined) return { foreign };
      return { file: entries.require(layer, `${referrer}.Layers[${position}]`) };
    });
    images.push({
      repoTags: item.repoTags,
      config: { mediaType: MediaType.DockerConfig, digest: configDigest, size: configBytes.length },
      layers,
    });
  }

  // Digests of layers that had to be hashed, shared by every caller.
  const hashed = new Map<TarEntry, Promise<string>>();
  const layerDigest = (entry: TarEntry): Promise<string> => {
    const match = blobName.exec(entry.name);
    if (match !== null && isDigest(`${match[1]}:${match[2]}`)) return Promise.resolve(`${match[1]}:${match[2]}`);
    let digest = hashed.get(entry);
    if (digest === undefined) {
      digest = hashEntry(path, entry).then((value) => {
        blobs.set(value, entry);
        return value;
      });
      hashed.set(entry, digest);
    }
    return digest;
  };

  // Manifests stevedore wrote for images without one, by digest.
  const synthesised = new Map<string, Uint8Array>();
  const parsedBlobs = new Map<string, ReturnType<typeof parseManifest> | undefined>();
  const parseBlob = async (digest: string): Promise<ReturnType<typeof parseManifest> | undefined> => {
    if (!parsedBlobs.has(digest)) {
      const entry = blobs.get(digest);
      let parsed: ReturnType<typeof parseManifest> | undefined;
      if (entry !== undefined && entry.size <= maxManifestBytes) {
        const bytes = await readDocument(entry, maxManifestBytes);
        try {
          if (digestOf(bytes, digest.slice(0, digest.indexOf(":"))) === digest) parsed = parseManifest(bytes);
        } catch {
          parsed = undefined;
        }
      }
      parsedBlobs.set(digest, parsed);
    }
    return parsedBlobs.get(digest);
  };

  /** The image manifest in `index.json` (or one level down an index) with this config and these layers. */
  const findRealManifest = async (config: string, layers: readonly Descriptor[]): Promise<Descriptor | undefined> => {
    const candidates: Descriptor[] = [];
    for (const entry of layoutIndex?.manifests ?? []) {
      if (isImageManifestMediaType(entry.mediaType)) candidates.push(entry);
      else if (isIndexMediaType(entry.mediaType)) {
        const parsed = await parseBlob(entry.digest);
        if (parsed?.kind === "index") candidates.push(...parsed.manifest.manifests);
      }
    }
    for (const candidate of candidates) {
      const parsed = await parseBlob(candidate.digest);
      if (parsed?.kind !== "image" || parsed.manifest.config.digest !== config) continue;
      const theirs = parsed.manifest.layers.map((layer) => layer.digest);
      if (theirs.length === layers.length && theirs.every((digest, index) => digest === layers[index]!.digest)) {
        return { mediaType: parsed.mediaType, digest: candidate.digest, size: candidate.size };
      }
    }
    return undefined;
  };

  const describeImage = (image: ImageRecord): Promise<Descriptor> => {
    image.descriptor ??= (async () => {
      const layers: Descriptor[] = [];
      for (const layer of image.layers) {
        if ("foreign" in layer) {
          layers.push(layer.foreign);
          continue;
        }
        const head = await readAll(readFileStream(path, layer.file.offset, Math.min(layer.file.size, 4)));
        layers.push({ mediaType: layerMediaType(head), size: layer.file.size, digest: await layerDigest(layer.file) });
      }
      const real = await findRealManifest(image.config.digest, layers);
      if (real !== undefined) return real;
      const bytes = dockerManifestBytes(image.config, layers);
      const digest = digestOf(bytes);
      synthesised.set(digest, bytes);
      return { mediaType: MediaType.DockerManifest, digest, size: bytes.length };
    })();
    image.descriptor.catch(() => {
      image.descriptor = undefined;
    });
    return image.descriptor;
  };

  /** Makes every digest known: hashes unnamed layers and synthesises every manifest. */
  const learnEverything = async (): Promise<void> => {
    for (const image of images) await describeImage(image);
  };

  const findContent = async (digest: string): Promise<{ bytes: Uint8Array } | { entry: TarEntry } | undefined> => {
    const known = (): { bytes: Uint8Array } | { entry: TarEntry } | undefined => {
      const bytes = synthesised.get(digest);
      if (bytes !== undefined) return { bytes };
      const entry = blobs.get(digest);
      return entry === undefined ? undefined : { entry };
    };
    const found = known();
    if (found !== undefined) return found;
    await learnEverything();
    return known();
  };

  const tagsOf = (index: number): string[] => images[index]?.repoTags ?? [];
  const listed: DockerArchiveImage[] =
    saved !== undefined
      ? images.map((image) => ({ repoTags: [...image.repoTags] }))
      : (layoutIndex as LayoutIndex).manifests.map((entry) => ({
          repoTags: entry.annotations?.[refNameAnnotation] === undefined ? [] : [entry.annotations[refNameAnnotation]],
        }));

  const resolveName = async (reference: string): Promise<Descriptor | undefined> => {
    const wanted = normalizeName(reference);
    for (const [index, image] of images.entries()) {
      if (tagsOf(index).some((tag) => tag === reference || (wanted !== undefined && normalizeName(tag) === wanted))) {
        return describeImage(image);
      }
    }
    for (const entry of layoutIndex?.manifests ?? []) {
      const refName = entry.annotations?.[refNameAnnotation];
      const imageName = entry.annotations?.[imageNameAnnotation];
      if (refName === reference || (wanted !== undefined && imageName !== undefined && normalizeName(imageName) === wanted)) {
        return pick(entry);
      }
    }
    return undefined;
  };

  const resolvePosition = async (position: number): Promise<Descriptor | undefined> => {
    if (saved !== undefined) {
      const image = images[position];
      return image === undefined ? undefined : describeImage(image);
    }
    const entry = layoutIndex?.manifests[position];
    return entry === undefined ? undefined : pick(entry);
  };

  const resolveDigest = async (digest: string): Promise<Descriptor | undefined> => {
    const listed = layoutIndex?.manifests.find((entry) => entry.digest === digest);
    if (listed !== undefined) return pick(listed);
    const parsed = await parseBlob(digest);
    if (parsed !== undefined) return { mediaType: parsed.mediaType, digest, size: parsed.bytes.length };
    if (blobs.has(digest)) throw new NotFoundError(`${digest} in ${path} is not a manifest`);
    await learnEverything();
    const bytes = synthesised.get(digest);
    return bytes === undefined ? undefined : { mediaType: MediaType.DockerManifest, digest, size: bytes.length };
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

async function hashEntry(path: string, entry: TarEntry): Promise<string> {
  const hasher = createHasher("sha256");
  for await (const chunk of readFileStream(path, entry.offset, entry.size)) hasher.update(chunk);
  return hasher.digest();
}

/** `nginx` and `docker.io/library/nginx:latest` give the same string; `undefined` if not a reference. */
function normalizeName(name: string): string | undefined {
  try {
    return formatReference(parseReference(name, { defaultTag: "latest" }));
  } catch {
    return undefined;
  }
}

function pick(entry: Descriptor): Descriptor {
  const result: Descriptor = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
  if (entry.artifactType !== undefined) result.artifactType = entry.artifactType;
  if (entry.platform !== undefined) result.platform = entry.platform;
  return result;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}
