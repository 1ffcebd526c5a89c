import { readAll } from "@stevedore/blob";
import type { Descriptor, Digest, ParsedManifest } from "@stevedore/core";
import {
  createHasher,
  DigestMismatchError,
  digestAlgorithm,
  digestOf,
  isImageManifestMediaType,
  isIndexMediaType,
  ManifestError,
  MediaType,
  parseManifest,
} from "@stevedore/core";
import type { TarEntry } from "@stevedore/tar";
import { digestFromName } from "../archive-entries.js";
import { readFileStream } from "../read-file-stream.js";
import { dockerManifestBytes } from "./docker-manifest-bytes.js";
import { layerMediaType } from "./layer-media-type.js";
import type { ArchiveImage, LoadedArchive } from "./load-docker-archive.js";

/** The manifests of a loaded archive's images, worked out once and shared by every caller. */
export interface ArchiveImageDescriptors {
  /** The manifest of an image: the real one the archive holds, or a synthesised Docker schema 2 one. */
  describe(image: ArchiveImage): Promise<Descriptor>;
  /** Describes every image, so every layer and manifest digest is known. */
  describeAll(): Promise<void>;
  /** A blob of the archive parsed as a manifest, or `undefined` when it is not one. */
  parseBlob(digest: string): Promise<ParsedManifest | undefined>;
  /** Manifests stevedore synthesised, by digest. */
  readonly synthesised: ReadonlyMap<string, Uint8Array>;
}

/**
 * Works out the manifest of each image of a `docker save` archive (`spec/PROTOCOL.md` §13.2). When the
 * archive's `index.json` lists (directly or one index down) an image manifest with the same config and
 * layer digests, that real manifest is the answer. Otherwise the manifest is synthesised by
 * `dockerManifestBytes`: layer media types come from each layer's magic bytes, layer digests from their
 * `blobs/<alg>/<hex>` names or else from hashing the layer once. Hashed layers join `archive.blobs`.
 */
export function describeArchiveImages(archive: LoadedArchive): ArchiveImageDescriptors {
  const { path, blobs, maxManifestBytes } = archive;
  const synthesised = new Map<string, Uint8Array>();
  const described = new Map<ArchiveImage, Promise<Descriptor>>();
  const hashed = new Map<TarEntry, Promise<string>>();
  const parsed = new Map<string, Promise<ParsedManifest | undefined>>();

  const layerDigest = (entry: TarEntry): Promise<string> => {
    const named = digestFromName(entry.name);
    if (named !== undefined) return Promise.resolve(named); // verified when fetched
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

  const parseBlob = (digest: string): Promise<ParsedManifest | undefined> => {
    let result = parsed.get(digest);
    if (result === undefined) {
      result = (async () => {
        const entry = blobs.get(digest);
        if (entry === undefined || entry.size > maxManifestBytes) return undefined;
        const bytes = await archive.readDocument(entry, maxManifestBytes);
        const actual = digestOf(bytes, digestAlgorithm(digest as Digest));
        if (actual !== digest) throw new DigestMismatchError(digest, actual, `${entry.name} in ${path}`);
        try {
          return parseManifest(bytes);
        } catch (error) {
          if (ManifestError.isInstance(error)) return undefined;
          throw error;
        }
      })();
      parsed.set(digest, result);
    }
    return result;
  };

  const findRealManifest = async (
    config: string,
    layers: readonly Descriptor[],
  ): Promise<Descriptor | undefined> => {
    const candidates: Descriptor[] = [];
    for (const entry of archive.layoutIndex?.manifests ?? []) {
      if (isImageManifestMediaType(entry.mediaType)) candidates.push(entry);
      else if (isIndexMediaType(entry.mediaType)) {
        const index = await parseBlob(entry.digest);
        if (index?.kind === "index") candidates.push(...index.manifest.manifests);
      }
    }
    for (const candidate of candidates) {
      const image = await parseBlob(candidate.digest);
      if (image?.kind !== "image" || image.manifest.config.digest !== config) continue;
      const theirs = image.manifest.layers.map((layer) => layer.digest);
      if (
        theirs.length === layers.length &&
        theirs.every((digest, index) => digest === layers[index]!.digest)
      ) {
        return { mediaType: image.mediaType, digest: candidate.digest, size: candidate.size };
      }
    }
    return undefined;
  };

  const describeNow = async (image: ArchiveImage): Promise<Descriptor> => {
    const layers: Descriptor[] = [];
    for (const layer of image.layers) {
      if ("foreign" in layer) {
        layers.push(layer.foreign);
        continue;
      }
      const head = await readAll(readFileStream(path, layer.file.offset, Math.min(layer.file.size, 4)));
      layers.push({
        mediaType: layerMediaType(head),
        size: layer.file.size,
        digest: await layerDigest(layer.file),
      });
    }
    const real = await findRealManifest(image.config.digest, layers);
    if (real !== undefined) return real;
    const bytes = dockerManifestBytes(image.config, layers);
    const digest = digestOf(bytes);
    synthesised.set(digest, bytes);
    return { mediaType: MediaType.DockerManifest, digest, size: bytes.length };
  };

  const describe = (image: ArchiveImage): Promise<Descriptor> => {
    let result = described.get(image);
    if (result === undefined) {
      result = describeNow(image);
      described.set(image, result);
      // A failure (a file read error) is not remembered: the next call tries again.
      result.catch(() => described.delete(image));
    }
    return result;
  };

  return {
    describe,
    async describeAll() {
      for (const image of archive.images ?? []) await describe(image);
    },
    parseBlob,
    synthesised,
  };
}

async function hashEntry(path: string, entry: TarEntry): Promise<string> {
  const hasher = createHasher("sha256");
  for await (const chunk of readFileStream(path, entry.offset, entry.size)) hasher.update(chunk);
  return hasher.digest();
}
