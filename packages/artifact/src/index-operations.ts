import { readAll } from "@stevedore/blob";
import type { Descriptor, ImageManifest, Platform, ReadableTarget, Target } from "@stevedore/core";
import {
  buildIndex,
  defaultManifestMaxBytes,
  editIndex,
  formatPlatform,
  hasImageConfig,
  isIndexMediaType,
  ManifestError,
  matchPlatform,
  maxImageConfigBytes,
  NotFoundError,
  parseImageConfig,
  parseManifest,
  UsageError,
} from "@stevedore/core";

/** Options of {@link createIndex}. */
export interface CreateIndexOptions {
  annotations?: Readonly<Record<string, string>>;
  /** Tags to point at the new index. */
  tags?: readonly string[];
  signal?: AbortSignal;
}

/** What {@link createIndex} and {@link editIndexAt} pushed. */
export interface IndexResult {
  descriptor: Descriptor;
  bytes: Uint8Array;
  /** The entries of the index now. */
  manifests: Descriptor[];
  /** Entries taken out (editIndexAt). */
  removed: Descriptor[];
  tags: string[];
}

/**
 * The index entries for manifests already in `target`: an image gets its platform from its config
 * (`architecture`, `os`, `variant`, `os.version`, `os.features`); an index contributes its own entries, as
 * they are. Entries keep the manifests' annotations off (an index entry describes, it does not copy).
 *
 * @throws ManifestError for a manifest whose config has no platform.
 */
export async function indexEntriesFor(
  target: ReadableTarget,
  manifests: readonly Descriptor[],
  options: { signal?: AbortSignal } = {},
): Promise<Descriptor[]> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const entries: Descriptor[] = [];
  // An image named twice, or named beside an index that lists it, is one entry.
  const listed = new Set<string>();
  const add = (entry: Descriptor): void => {
    if (listed.has(entry.digest)) return;
    listed.add(entry.digest);
    entries.push(entry);
  };
  for (const descriptor of manifests) {
    if (listed.has(descriptor.digest)) continue;
    const bytes = await readAll(await target.fetch(descriptor, call), defaultManifestMaxBytes);
    const parsed = parseManifest(bytes, descriptor.mediaType);
    if (parsed.kind === "index") {
      for (const entry of parsed.manifest.manifests) add(entry);
      continue;
    }
    add({
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      ...(parsed.manifest.artifactType === undefined ? {} : { artifactType: parsed.manifest.artifactType }),
      ...(await platformOf(target, parsed.manifest, descriptor, call)),
    });
  }
  return entries;
}

async function platformOf(
  target: ReadableTarget,
  manifest: ImageManifest,
  descriptor: Descriptor,
  call: { signal?: AbortSignal },
): Promise<{ platform?: Platform }> {
  if (!hasImageConfig(manifest)) return {}; // an artifact: no platform to read
  const config = parseImageConfig(
    await readAll(await target.fetch(manifest.config, call), maxImageConfigBytes),
  );
  if (!config.os || !config.architecture) {
    throw new ManifestError(
      `the config of ${descriptor.digest} names no os/architecture for the index entry`,
    );
  }
  const platform: Platform = { architecture: config.architecture, os: config.os };
  if (config.variant !== undefined) platform.variant = config.variant;
  if (config["os.version"] !== undefined) platform["os.version"] = config["os.version"];
  if (config["os.features"] !== undefined) platform["os.features"] = [...config["os.features"]];
  return { platform };
}

/**
 * Builds an OCI image index over manifests already in `target` (see {@link indexEntriesFor}) and pushes
 * it, then its tags. Two entries of one platform are refused: a client could not choose between them.
 *
 * @throws UsageError for no manifests or a platform given twice.
 * @example
 * const amd64 = await remote.resolve("v1-amd64"), arm64 = await remote.resolve("v1-arm64");
 * await createIndex(remote, [amd64, arm64], { tags: ["v1"] });
 */
export async function createIndex(
  target: Target,
  manifests: readonly Descriptor[],
  options: CreateIndexOptions = {},
): Promise<IndexResult> {
  if (!Array.isArray(manifests) || manifests.length === 0)
    throw new UsageError("an index needs at least one image");
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const entries = await indexEntriesFor(target, manifests, call);
  checkPlatformsOnce(entries);
  const built = buildIndex({
    manifests: entries,
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
  });
  await target.push(built.descriptor, built.bytes, call);
  const tags = [...new Set(options.tags ?? [])];
  for (const tag of tags) await target.tag(built.descriptor, tag, call);
  return {
    descriptor: built.descriptor,
    bytes: built.bytes,
    manifests: built.manifest.manifests,
    removed: [],
    tags,
  };
}

/** What {@link editIndexAt} changes. */
export interface EditIndexAtOptions {
  /** Manifests in the target to add (platform read from their configs). */
  add?: readonly Descriptor[];
  /** Take out the entries of this platform. */
  removePlatform?: Platform;
  /** Take out the entry with this digest. */
  removeDigest?: string;
  signal?: AbortSignal;
}

/**
 * Edits the index `tag` names in place: adds entries and removes entries by platform or digest, keeping
 * every other entry byte-identical (`editIndex` of core), then pushes the new index and moves `tag` to it.
 *
 * @throws NotFoundError when nothing matches what should be removed; ManifestError when `tag` is no index;
 *   UsageError when an added platform is already listed.
 */
export async function editIndexAt(
  target: Target,
  tag: string,
  options: EditIndexAtOptions,
): Promise<IndexResult> {
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const current = await target.resolve(tag, call);
  if (!isIndexMediaType(current.mediaType)) {
    throw new ManifestError(
      `${tag} is an image manifest (${current.mediaType}), not an index: create one with 'index create'`,
    );
  }
  const bytes = await readAll(await target.fetch(current, call), defaultManifestMaxBytes);
  // Adding what the index already lists changes nothing.
  const parsed = parseManifest(bytes, current.mediaType);
  const present = new Set(
    parsed.kind === "index" ? parsed.manifest.manifests.map((entry) => entry.digest) : [],
  );
  const add = (options.add === undefined ? [] : await indexEntriesFor(target, options.add, call)).filter(
    (entry) => !present.has(entry.digest),
  );
  const { removePlatform, removeDigest } = options;
  const edited = editIndex(bytes, {
    add,
    remove: (entry) =>
      (removeDigest !== undefined && entry.digest === removeDigest) ||
      (removePlatform !== undefined &&
        entry.platform !== undefined &&
        samePlatform(removePlatform, entry.platform)),
  });
  if ((removeDigest !== undefined || removePlatform !== undefined) && edited.removed.length === 0) {
    const what = removeDigest ?? formatPlatform(removePlatform as Platform);
    throw new NotFoundError(`${tag} has no entry for ${what}`);
  }
  checkPlatformsOnce(edited.manifest.manifests);
  await target.push(edited.descriptor, edited.bytes, call);
  await target.tag(edited.descriptor, tag, call);
  return {
    descriptor: edited.descriptor,
    bytes: edited.bytes,
    manifests: edited.manifest.manifests,
    removed: edited.removed,
    tags: [tag],
  };
}

function samePlatform(want: Platform, have: Platform): boolean {
  return matchPlatform(want, have, { strict: true });
}

function checkPlatformsOnce(entries: readonly Descriptor[]): void {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    if (entry.platform === undefined) continue;
    if (entry.annotations?.["vnd.docker.reference.type"] !== undefined) continue; // attestations sit beside images
    const key = formatPlatform(entry.platform) + (entry.platform["os.version"] ?? "");
    const other = seen.get(key);
    if (other !== undefined && other !== entry.digest) {
      throw new UsageError(
        `two images for ${formatPlatform(entry.platform)} (${other} and ${entry.digest}): an index lists each platform once`,
      );
    }
    seen.set(key, entry.digest);
  }
}
