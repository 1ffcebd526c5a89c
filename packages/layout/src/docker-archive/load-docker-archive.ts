import { readAll } from "@stevedore/blob";
import type { Descriptor } from "@stevedore/core";
import { digestOf, LocalFormatError, MediaType, manifestTooLargeError } from "@stevedore/core";
import type { TarEntry } from "@stevedore/tar";
import { type ArchiveEntries, digestFromName } from "../archive-entries.js";
import { type LayoutIndex, parseJsonObject, parseLayoutIndex } from "../layout-index.js";
import { readFileStream } from "../read-file-stream.js";
import { type DockerSaveEntry, parseDockerSaveManifest } from "./docker-save-manifest.js";

/** One image of `manifest.json`, with its files found in the archive. */
export interface ArchiveImage {
  repoTags: string[];
  /** The config as a Docker config descriptor (digest computed from its bytes). */
  config: Descriptor;
  /** Files of the archive, or the `LayerSources` descriptor of a foreign layer that is not in it. */
  layers: ({ file: TarEntry } | { foreign: Descriptor })[];
}

/** What {@link loadDockerArchive} found. */
export interface LoadedArchive {
  path: string;
  entries: ArchiveEntries;
  /** Blobs by digest, as far as known without hashing: `blobs/<alg>/<hex>` names and configs. */
  blobs: Map<string, TarEntry>;
  /** The archive's `index.json`, when it has one. */
  layoutIndex: LayoutIndex | undefined;
  /** The images of `manifest.json`, or `undefined` for an OCI layout tar without one. */
  images: ArchiveImage[] | undefined;
  /** Reads a small file of the archive, refusing one larger than `limit`. */
  readDocument(entry: TarEntry, limit?: number): Promise<Uint8Array>;
  /** The largest manifest (and `index.json`, `manifest.json`) read from the archive. */
  maxManifestBytes: number;
}

const maxDocumentBytes = 16 * 1024 * 1024;

/**
 * Reads the documents of an indexed `docker save` archive (`spec/PROTOCOL.md` §13.2): `index.json`,
 * `manifest.json` and each image's config. Paths are checked by `createArchiveEntries`; every problem is a
 * one-line `LocalFormatError` naming the archive and the document.
 */
export async function loadDockerArchive(
  path: string,
  entries: ArchiveEntries,
  maxManifestBytes: number,
): Promise<LoadedArchive> {
  const readDocument = async (entry: TarEntry, limit = maxDocumentBytes): Promise<Uint8Array> => {
    if (entry.size > limit)
      throw new LocalFormatError(`${path}: ${entry.name} is larger than ${limit} bytes`);
    return readAll(readFileStream(path, entry.offset, entry.size));
  };

  const blobs = new Map<string, TarEntry>();
  for (const [name, entry] of entries.files()) {
    const digest = digestFromName(name);
    if (digest !== undefined) blobs.set(digest, entry);
  }

  // The archive's indexes are manifests too: capped like one, and refused by their size in the tar header.
  const readIndexDocument = (entry: TarEntry): Promise<Uint8Array> => {
    if (entry.size > maxManifestBytes)
      throw manifestTooLargeError(`${path}: ${entry.name}`, maxManifestBytes);
    return readDocument(entry, maxManifestBytes);
  };
  const indexEntry = entries.get("index.json");
  const layoutIndex =
    indexEntry === undefined
      ? undefined
      : parseLayoutIndex(await readIndexDocument(indexEntry), `${path}: index.json`);
  const manifestEntry = entries.get("manifest.json");
  let saved: DockerSaveEntry[] | undefined;
  if (manifestEntry !== undefined) {
    saved = parseDockerSaveManifest(await readIndexDocument(manifestEntry), `${path}: manifest.json`);
  } else if (layoutIndex === undefined) {
    throw new LocalFormatError(
      `${path} is not a docker save archive: manifest.json and index.json are missing`,
    );
  }

  const images: ArchiveImage[] = [];
  for (const [index, item] of (saved ?? []).entries()) {
    const referrer = `manifest.json [${index}]`;
    const configEntry = entries.require(item.config, `${referrer}.Config`);
    const configBytes = await readDocument(configEntry);
    const config = parseJsonObject(configBytes, `${path}: ${configEntry.name}`);
    const configDigest = digestOf(configBytes);
    blobs.set(configDigest, configEntry);
    const diffIds = (config.rootfs as { diff_ids?: unknown } | undefined)?.diff_ids;
    const layers = item.layers.map((layer, position) => {
      // A foreign layer (Windows base layers) may be left out; its descriptor is in LayerSources.
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
  return {
    path,
    entries,
    blobs,
    layoutIndex,
    images: saved === undefined ? undefined : images,
    readDocument,
    maxManifestBytes,
  };
}
