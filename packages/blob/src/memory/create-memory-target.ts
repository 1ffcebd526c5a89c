import type {
  BlobMounter,
  ByteStream,
  Descriptor,
  PushOptions,
  RangeFetcher,
  ReferrerLister,
  ReplayableSource,
  TagLister,
  Target,
  TargetCallOptions,
} from "@stevedore/core";
import {
  checkByteRange,
  InvalidReferenceError,
  isManifestMediaType,
  isRepositoryName,
  isTag,
  NotFoundError,
  parseDigest,
  UsageError,
} from "@stevedore/core";
import { countProgress } from "../count-progress.js";
import { readAll } from "../read-all.js";
import { bufferSource } from "../sources/buffer-source.js";
import { throwIfAborted } from "../throw-if-aborted.js";
import { verifyContent } from "../verify/verify-content.js";
import {
  createMemoryStore,
  type MemoryStore,
  type MemoryStoreState,
  memoryStoreState,
  type RepositoryState,
  repositoryState,
} from "./create-memory-store.js";
import { summarizeManifest } from "./summarize-manifest.js";

/** Options of {@link createMemoryTarget}. */
export interface MemoryTargetOptions {
  /** The registry this repository belongs to; share one store between targets to mount between them. */
  store?: MemoryStore;
  /** The registry name of a new store (ignored when `store` is given, which must then agree). */
  registry?: string;
  /** Repository name (`spec/PROTOCOL.md` §2 grammar). Default `"scratch"`. */
  repository?: string;
}

/**
 * An in-memory repository: a complete {@link Target} with every optional capability, for tests and as a
 * staging area. Content is stored byte-exact and verified on the way in and out.
 */
export interface MemoryTarget extends Target, TagLister, ReferrerLister, RangeFetcher, BlobMounter {
  readonly registry: string;
  readonly repository: string;
  readonly store: MemoryStore;
  /** Removes a manifest (and the tags pointing at it) or a blob from this repository. */
  delete(descriptor: Descriptor, options?: TargetCallOptions): Promise<void>;
}

/**
 * Creates an in-memory {@link MemoryTarget}. Manifests are recognised by their media type (OCI and Docker
 * manifests and indexes); everything else is a blob.
 *
 * @example
 * ```ts
 * const target = createMemoryTarget({ repository: "team/app" });
 * await target.push(descriptor, bytes);
 * await target.tag(descriptor, "v1");
 * const resolved = await target.resolve("v1");
 * ```
 */
export function createMemoryTarget(options: MemoryTargetOptions = {}): MemoryTarget {
  const store =
    options.store ?? createMemoryStore(options.registry === undefined ? {} : { registry: options.registry });
  if (options.registry !== undefined && options.registry !== store.registry) {
    throw new UsageError(
      `registry ${options.registry} does not match the store's registry ${store.registry}`,
    );
  }
  const state = memoryStoreState(store);
  const repository = options.repository ?? "scratch";
  checkRepository(repository);
  const name = `${store.registry}/${repository}`;
  const own = (): RepositoryState => repositoryState(state, repository);

  const find = (descriptor: Descriptor): Uint8Array => {
    parseDigest(descriptor.digest);
    const repositoryContent = own();
    const bytes = state.content.get(descriptor.digest);
    const linked =
      repositoryContent.blobs.has(descriptor.digest) || repositoryContent.manifests.has(descriptor.digest);
    if (bytes === undefined || !linked) throw new NotFoundError(`${descriptor.digest} not found in ${name}`);
    return bytes;
  };

  const describe = (digest: string): Descriptor => {
    const mediaType = own().manifests.get(digest);
    const bytes = state.content.get(digest);
    if (mediaType === undefined || bytes === undefined) {
      throw new NotFoundError(`manifest ${digest} not found in ${name}`);
    }
    return { mediaType, digest, size: bytes.length };
  };

  return {
    registry: store.registry,
    repository,
    store,

    async resolve(reference, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      if (reference.includes(":")) {
        parseDigest(reference);
        return describe(reference);
      }
      checkTag(reference);
      const digest = own().tags.get(reference);
      if (digest === undefined) throw new NotFoundError(`tag ${reference} not found in ${name}`);
      return describe(digest);
    },

    async fetch(descriptor, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      // A copy, so a consumer that writes into its chunks cannot change what is stored.
      const bytes = new Uint8Array(find(descriptor));
      return verifyContent(bufferSource(bytes)(0), descriptor, { where: `${descriptor.digest} in ${name}` });
    },

    async exists(descriptor, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      parseDigest(descriptor.digest);
      const repositoryContent = own();
      return (
        repositoryContent.blobs.has(descriptor.digest) || repositoryContent.manifests.has(descriptor.digest)
      );
    },

    async push(descriptor, source, pushOptions = {}) {
      await push(state, own, name, descriptor, source, pushOptions);
    },

    async tag(descriptor, tag, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      checkTag(tag);
      describe(descriptor.digest);
      own().tags.set(tag, descriptor.digest);
    },

    async *tags(callOptions = {}) {
      throwIfAborted(callOptions.signal);
      yield* [...own().tags.keys()].sort();
    },

    async *referrers(subject, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      parseDigest(subject.digest);
      const found: Descriptor[] = [];
      for (const [digest, mediaType] of own().manifests) {
        const summary = state.manifests.get(digest);
        const bytes = state.content.get(digest);
        if (summary?.subject !== subject.digest || bytes === undefined) continue;
        if (callOptions.artifactType !== undefined && summary.artifactType !== callOptions.artifactType)
          continue;
        // `spec/PROTOCOL.md` §7.1: artifactType and a copy of the top-level annotations.
        const descriptor: Descriptor = { mediaType, digest, size: bytes.length };
        if (summary.artifactType !== undefined) descriptor.artifactType = summary.artifactType;
        if (summary.annotations !== undefined) descriptor.annotations = { ...summary.annotations };
        found.push(descriptor);
      }
      yield* found;
    },

    async fetchRange(descriptor, start, end, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      const bytes = find(descriptor);
      const stop = checkByteRange({ digest: descriptor.digest, size: bytes.length }, start, end);
      return bufferSource(new Uint8Array(bytes.subarray(start, stop)))(0);
    },

    async mount(descriptor, fromRepository, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      parseDigest(descriptor.digest);
      checkRepository(fromRepository);
      const repositoryContent = own();
      if (repositoryContent.blobs.has(descriptor.digest)) return true;
      if (state.repositories.get(fromRepository)?.blobs.has(descriptor.digest) !== true) return false;
      repositoryContent.blobs.add(descriptor.digest);
      return true;
    },

    async delete(descriptor, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      parseDigest(descriptor.digest);
      const repositoryContent = own();
      const { digest } = descriptor;
      if (repositoryContent.manifests.delete(digest)) {
        for (const [tag, tagged] of repositoryContent.tags)
          if (tagged === digest) repositoryContent.tags.delete(tag);
      } else if (!repositoryContent.blobs.delete(digest)) {
        throw new NotFoundError(`${digest} not found in ${name}`);
      }
      release(state, digest);
    },
  };
}

async function push(
  state: MemoryStoreState,
  own: () => RepositoryState,
  name: string,
  descriptor: Descriptor,
  source: ReplayableSource | Uint8Array,
  options: PushOptions,
): Promise<void> {
  throwIfAborted(options.signal);
  const where = `${descriptor.digest} pushed to ${name}`;
  let stream: ByteStream = verifyContent(
    source instanceof Uint8Array ? bufferSource(source)(0) : source(0),
    descriptor,
    { where },
  );
  if (options.onProgress !== undefined) stream = countProgress(stream, options.onProgress);
  // Copied: the caller may reuse its buffer after the push.
  const bytes = new Uint8Array(await readAll(stream));
  throwIfAborted(options.signal);
  const manifest = isManifestMediaType(descriptor.mediaType);
  // Validated before anything is stored, so a rejected manifest leaves no trace.
  const summary = manifest ? summarizeManifest(bytes, descriptor.mediaType, where) : undefined;
  if (!state.content.has(descriptor.digest)) state.content.set(descriptor.digest, bytes);
  const repository = own();
  if (summary !== undefined) {
    state.manifests.set(descriptor.digest, summary);
    repository.manifests.set(descriptor.digest, descriptor.mediaType);
  } else {
    repository.blobs.add(descriptor.digest);
  }
}

/** Drops content no repository links to any more. */
function release(state: MemoryStoreState, digest: string): void {
  for (const repository of state.repositories.values()) {
    if (repository.blobs.has(digest) || repository.manifests.has(digest)) return;
  }
  state.content.delete(digest);
  state.manifests.delete(digest);
}

function checkRepository(repository: string): void {
  if (typeof repository !== "string" || !isRepositoryName(repository) || repository.length > 255) {
    throw new InvalidReferenceError(String(repository), "not a valid repository name");
  }
}

function checkTag(tag: string): void {
  if (!isTag(tag)) {
    throw new InvalidReferenceError(String(tag), "not a valid tag");
  }
}
