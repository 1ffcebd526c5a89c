import { readAll } from "@stevedore/blob";
import type { ByteStream, Descriptor, Platform, ProgressEvent, ReadableTarget } from "@stevedore/core";
import {
  formatReference,
  isImageManifestMediaType,
  isIndexMediaType,
  isManifestMediaType,
  ManifestError,
  parseManifest,
  selectManifests,
  UsageError,
} from "@stevedore/core";
import { writeDockerArchive } from "@stevedore/layout";
import type { CopyOutcome } from "./client.js";
import type { OpenedSource } from "./open-location.js";

/** What {@link copyToArchive} needs besides the source. */
export interface CopyToArchiveOptions {
  /** The archive file. */
  path: string;
  /** The image name for `docker load` (`nginx:latest`); default: the registry source's name. */
  name: string | undefined;
  platforms: readonly Platform[] | "all";
  signal: AbortSignal | undefined;
  onProgress: ((event: ProgressEvent) => void) | undefined;
  now: () => number;
}

const maxManifestBytes = 4 * 1024 * 1024;

/**
 * Writes one image of `source` as a `docker save` archive, streaming its blobs straight from the source
 * (`writeDockerArchive`). An archive holds single-platform images, so an index is narrowed first to the
 * one wanted platform (several, or `"all"`, is a `UsageError`). Progress events are reported as the
 * archive writer reads each blob.
 */
export async function copyToArchive(
  source: OpenedSource,
  options: CopyToArchiveOptions,
): Promise<CopyOutcome> {
  const { signal, onProgress } = options;
  const call = signal === undefined ? {} : { signal };
  const started = options.now();
  let descriptor = await source.target.resolve(source.reference, call);
  const platforms: Platform[] = [];
  if (isIndexMediaType(descriptor.mediaType)) {
    const wanted = options.platforms;
    if (wanted === "all" || wanted.length !== 1) {
      throw new UsageError(
        `${source.description} is an index, and a docker archive holds one platform of it: choose exactly one platform`,
      );
    }
    const bytes = await readAll(await source.target.fetch(descriptor, call), maxManifestBytes);
    const index = parseManifest(bytes, descriptor.mediaType);
    if (index.kind !== "index") throw new ManifestError(`${source.description} is not an index`);
    // selectManifests throws NotFoundError (listing what there is) when the platform is missing.
    const entry = selectManifests(index.manifest, [...wanted])[0] as Descriptor;
    descriptor = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
    if (entry.platform !== undefined) platforms.push(entry.platform);
  }
  if (!isImageManifestMediaType(descriptor.mediaType)) {
    throw new UsageError(
      `${source.description} is ${descriptor.mediaType}, which a docker archive cannot hold`,
    );
  }
  const name = options.name ?? defaultName(source);
  const counts = { transferred: 0, bytes: 0 };
  const observed = observeFetches(source.target, onProgress, counts);
  await writeDockerArchive(
    options.path,
    [{ source: observed, descriptor, repoTags: name === undefined ? [] : [name] }],
    call,
  );
  const blobs = { transferred: counts.transferred, skipped: 0, mounted: 0 };
  onProgress?.({ type: "manifest-done", descriptor, ...(name === undefined ? {} : { tag: name }) });
  onProgress?.({
    type: "copy-done",
    descriptor,
    blobs,
    bytes: counts.bytes,
    milliseconds: options.now() - started,
  });
  return {
    source: source.description,
    destination: `docker-archive:${options.path}${name === undefined ? "" : `:${name}`}`,
    digest: descriptor.digest,
    mediaType: descriptor.mediaType,
    ...(name === undefined ? {} : { tag: name }),
    blobs,
    bytes: counts.bytes,
    filteredIndex: false,
    platforms,
  };
}

/** `docker save` names images `name:tag`: the registry source's familiar name, when it has a tag. */
function defaultName(source: OpenedSource): string | undefined {
  const reference = source.registryReference;
  if (reference?.tag === undefined) return undefined;
  return formatReference(
    { registry: reference.registry, repository: reference.repository, tag: reference.tag },
    { familiar: true },
  );
}

/** The source, with every blob it streams reported as `blob-start`, `blob-progress`, `blob-done`. */
function observeFetches(
  target: ReadableTarget,
  onProgress: ((event: ProgressEvent) => void) | undefined,
  counts: { transferred: number; bytes: number },
): ReadableTarget {
  return {
    resolve: (reference, call) => target.resolve(reference, call),
    exists: (descriptor, call) => target.exists(descriptor, call),
    async fetch(descriptor, call) {
      const stream = await target.fetch(descriptor, call);
      if (isManifestMediaType(descriptor.mediaType)) return stream;
      return counted(stream, descriptor, onProgress, counts);
    },
  };
}

async function* counted(
  stream: ByteStream,
  descriptor: Descriptor,
  onProgress: ((event: ProgressEvent) => void) | undefined,
  counts: { transferred: number; bytes: number },
): AsyncGenerator<Uint8Array, void, undefined> {
  onProgress?.({ type: "blob-start", descriptor });
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.length;
    yield chunk;
    onProgress?.({ type: "blob-progress", descriptor, bytes, total: descriptor.size });
  }
  counts.transferred += 1;
  counts.bytes += bytes;
  onProgress?.({ type: "blob-done", descriptor, bytes, outcome: "transferred" });
}
