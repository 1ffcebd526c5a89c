import { readAll, verifyContent } from "@stevedore/blob";
import type { ByteStream, Descriptor, Platform, ProgressEvent, ReadableTarget } from "@stevedore/core";
import {
  checkContainerImage,
  checkImagePlatform,
  formatPlatform,
  formatReference,
  isImageManifestMediaType,
  isIndexMediaType,
  isManifestMediaType,
  ManifestError,
  maxImageConfigBytes,
  parseImageConfig,
  parseManifest,
  selectPlatformEntry,
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
  /** At most one: `undefined` picks `linux/<this CPU>` from an index (core's `defaultPlatforms`). */
  platforms: readonly Platform[] | "all" | undefined;
  signal: AbortSignal | undefined;
  onProgress: ((event: ProgressEvent) => void) | undefined;
  now: () => number;
}

const maxManifestBytes = 4 * 1024 * 1024;

/**
 * Writes one image of `source` as a `docker save` archive, streaming its blobs straight from the source
 * (`writeDockerArchive`). An archive holds one single-platform image, so an index is narrowed first to the
 * one wanted platform — by default `linux/<this CPU>` (core's `selectPlatformEntry`), reported in the
 * outcome's `platforms`; several, or `"all"`, is a `UsageError`. A single image named with a platform must
 * be for it. Something that is not a container image (a Helm chart, an SBOM: its config is no image
 * config) is a `UsageError` before anything is written: no tool could load that archive. Progress events
 * are reported as the archive writer reads each blob.
 */
export async function copyToArchive(
  source: OpenedSource,
  options: CopyToArchiveOptions,
): Promise<CopyOutcome> {
  const { signal, onProgress } = options;
  const call = signal === undefined ? {} : { signal };
  const started = options.now();
  const wanted = options.platforms;
  if (wanted === "all" || (wanted !== undefined && wanted.length !== 1)) {
    throw new UsageError(
      `a docker archive holds one image: choose at most one platform (${describeWanted(wanted)} given)`,
    );
  }
  const platform = wanted?.[0];
  let descriptor = await source.target.resolve(source.reference, call);
  const platforms: Platform[] = [];
  let fromIndex = false;
  if (isIndexMediaType(descriptor.mediaType)) {
    const index = parseManifest(await readManifest(source, descriptor, call), descriptor.mediaType);
    if (index.kind !== "index") throw new ManifestError(`${source.description} is not an index`);
    // Throws NotFoundError (listing what there is) when the platform is missing.
    const entry = selectPlatformEntry(index.manifest, platform);
    descriptor = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
    if (entry.platform !== undefined) platforms.push(entry.platform);
    fromIndex = true;
  }
  if (!isImageManifestMediaType(descriptor.mediaType)) {
    throw new UsageError(
      `${source.description} is ${descriptor.mediaType}, which a docker archive cannot hold`,
    );
  }
  const manifest = parseManifest(await readManifest(source, descriptor, call), descriptor.mediaType);
  if (manifest.kind !== "image") throw new ManifestError(`${descriptor.digest} is not an image manifest`);
  checkContainerImage(
    manifest.manifest,
    source.description,
    "no tool could load it from a docker archive; pull it as an OCI layout instead",
  );
  if (platform !== undefined && !fromIndex) {
    const configDescriptor = manifest.manifest.config;
    const config = await readAll(
      verifyContent(await source.target.fetch(configDescriptor, call), configDescriptor, {
        where: `config ${configDescriptor.digest}`,
      }),
      maxImageConfigBytes,
    );
    checkImagePlatform(source.description, parseImageConfig(config), [platform]);
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

function describeWanted(wanted: readonly Platform[] | "all"): string {
  return wanted === "all" ? "all" : wanted.map(formatPlatform).join(", ");
}

/** A manifest's exact bytes from the source, checked against its descriptor. */
async function readManifest(
  source: OpenedSource,
  descriptor: Descriptor,
  call: { signal?: AbortSignal },
): Promise<Uint8Array> {
  const stream = await source.target.fetch(descriptor, call);
  return readAll(
    verifyContent(stream, descriptor, { where: `manifest ${descriptor.digest}` }),
    maxManifestBytes,
  );
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
