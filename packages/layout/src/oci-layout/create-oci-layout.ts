import { lstat, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  bufferSource,
  countProgress,
  readAll,
  sweepTemporaryFiles,
  throwIfAborted,
  verifyContent,
  writeFileAtomic,
  writeVerifiedFile,
} from "@stevedore/blob";
import type {
  ByteStream,
  Descriptor,
  Digest,
  RangeFetcher,
  ReferrerLister,
  TagLister,
  Target,
  TargetCallOptions,
} from "@stevedore/core";
import {
  checkByteRange,
  DigestMismatchError,
  defaultManifestMaxBytes,
  digestAlgorithm,
  digestOf,
  errorCode,
  InvalidReferenceError,
  isManifestMediaType,
  isReferrersTag,
  LocalFormatError,
  ManifestError,
  MediaType,
  manifestTooLargeError,
  NotFoundError,
  parseManifest,
  referrerEntryOf,
  referrersTagFor,
  SizeMismatchError,
  UsageError,
} from "@stevedore/core";
import { describeOpenError } from "@stevedore/tar";
import { isContentDigest } from "../is-content-digest.js";
import {
  isRefName,
  type LayoutIndex,
  pickDescriptor,
  refNameAnnotation,
  serializeLayoutIndex,
  withTaggedEntry,
} from "../layout-index.js";
import { readFileStream } from "../read-file-stream.js";
import { blobPath, checkLayout, createLayout, readLayoutIndexFile } from "./layout-files.js";
import { withLayoutLock } from "./with-layout-lock.js";
import type { LockFileOptions } from "./with-lock-file.js";

/** Options of {@link createOciLayout}. */
export interface OciLayoutOptions {
  /**
   * Create the directory, `oci-layout`, `index.json` and `blobs/` when missing, at the first call that
   * writes or reads; `exists` on a layout missing when the target was opened answers `false` without
   * making them. Default `false`.
   */
  create?: boolean;
  /** How `tag` waits for the cross-process lock on `index.json` (timeout, stale age, clock, sleep). */
  lock?: Omit<LockFileOptions, "signal">;
  /**
   * Largest manifest, index or `index.json` read or written, in bytes; larger ones are refused before they
   * are read, with the message a remote gives (`… is more than the limit of N bytes`). Default 4 MiB
   * (`spec/PROTOCOL.md` §2), as remote's `maxManifestBytes`.
   */
  maxManifestBytes?: number;
}

/** An OCI image layout directory as a {@link Target} that can also list its tags and read ranges. */
export interface OciLayoutTarget extends Target, TagLister, RangeFetcher, ReferrerLister {
  /** The layout directory. */
  readonly path: string;
  /**
   * Records a stored manifest in `index.json` without a name, unless an entry (named or not) already has
   * its digest: how a copy by digest stays reachable, as skopeo's `oci:DIR` without a tag does.
   */
  addUntagged(descriptor: Descriptor, options?: TargetCallOptions): Promise<void>;
}

/**
 * Opens the OCI image layout at `path` (`spec/PROTOCOL.md` §13.1) as a read-write {@link Target}:
 *
 * - `resolve(tag)` finds the `index.json` entry whose `org.opencontainers.image.ref.name` is the tag (the
 *   first, if several are). `resolve(digest)` finds an `index.json` entry with that digest, or else any
 *   blob in `blobs/` that is a valid manifest (its media type read from the content); other blobs are
 *   `NotFoundError`.
 * - `fetch` streams `blobs/<alg>/<encoded>`, verified against the descriptor's size and digest: a blob whose
 *   bytes do not match its name fails with `DigestMismatchError`.
 * - `push` writes through a temp file renamed into place only after verification; manifests are also
 *   validated first. Content already present with the right size is not written again. `push` does not
 *   touch `index.json`: only `tag` does (a target cannot tell a top-level manifest from an index's child).
 * - The first `push` or `tag` of the target removes temp files left by writers that were killed mid-write
 *   (the writer's host and pid are in each temp name: a live writer's files are kept; any a day old go).
 * - `tag` records the manifest in `index.json`, replacing the entry that had the same name, or an untagged
 *   entry of the same digest. Updates are atomic (temp file + rename) and serialised between writers of this
 *   process (a queue per directory) and of other processes (the lock file `index.json.lock`).
 * - `addUntagged` records a manifest in `index.json` without a name, unless an entry already has its digest.
 * - `tags()` lists the distinct `ref.name` values in code-unit order, referrers tags left out.
 * - Referrers are kept as registries without the referrers API keep them (`spec/PROTOCOL.md` §7.2): a
 *   manifest with a `subject` pushed here is added to an OCI index tagged `<alg>-<hex>` of the subject
 *   (`referrersTagFor`), so `referrers(subject)` finds it and nothing that refers to a kept image is
 *   unreachable from `index.json`.
 * - `fetchRange(descriptor, start, end?)` reads part of a blob; a range cannot be verified, so callers
 *   verify the whole they assemble.
 *
 * Missing pieces fail with `NotFoundError` (the directory, a blob, a tag) or `LocalFormatError` naming
 * the file (`oci-layout`, `index.json` missing or malformed).
 *
 * @example
 * ```ts
 * const layout = createOciLayout("./alpine", { create: true });
 * await layout.push(descriptor, bytes);
 * await layout.tag(descriptor, "3.20");
 * const manifest = await layout.resolve("3.20");
 * ```
 */
export function createOciLayout(path: string, options: OciLayoutOptions = {}): OciLayoutTarget {
  const indexPath = join(path, "index.json");
  const maxManifestBytes = options.maxManifestBytes ?? defaultManifestMaxBytes;
  if (!Number.isSafeInteger(maxManifestBytes) || maxManifestBytes < 1) {
    throw new UsageError(`maxManifestBytes must be a positive integer, got ${String(maxManifestBytes)}`);
  }
  const checkManifestSize = (descriptor: Descriptor): void => {
    if (isManifestMediaType(descriptor.mediaType) && descriptor.size > maxManifestBytes) {
      throw manifestTooLargeError(`manifest ${descriptor.digest} in ${path}`, maxManifestBytes);
    }
  };
  let ready: Promise<void> | undefined;
  // A layout this object created held no blob before: `exists` and `push` then know that a blob this object
  // has not written is absent, without an `lstat` that fails with ENOENT for every new blob (two per blob of
  // a pull; 500 small layers: ≈ 1 000 failed calls, each an Error with a stack). Should another process
  // write the same new layout at once, a blob it wrote is only written again, atomically, with the same bytes.
  let fresh = false;
  const written = new Set<string>();

  let prepared = false;
  const prepare = (): Promise<void> => {
    ready ??= (
      options.create
        ? createLayout(path).then((created) => {
            fresh = created;
            prepared = true;
          })
        : checkLayout(path).then(() => {
            prepared = true;
          })
    ).catch((error: unknown) => {
      ready = undefined; // try again on the next call: the directory may appear
      throw error;
    });
    return ready;
  };

  // With `create`, whether `oci-layout` is missing, looked up as the target is opened: a layout still to be
  // made holds no blob, so `exists` answers without making its files, and a pull's first requests wait for
  // neither; the first write makes them, beside its own download (docs/decisions/0022-pull-latency.md).
  const missing: Promise<boolean> = options.create
    ? lstat(join(path, "oci-layout")).then(
        () => false,
        (error: unknown) => errorCode(error) === "ENOENT",
      )
    : Promise.resolve(false);

  /**
   * `isStored` for `exists` and `push`, where a blob wrongly thought absent is only written again: in a new
   * layout, a blob this object did not write is absent without asking the disk. One it wrote is still
   * checked (it may have been replaced since, by a symbolic link say).
   */
  const isKnownStored = (descriptor: Descriptor): Promise<boolean> =>
    fresh && !written.has(descriptor.digest) ? Promise.resolve(false) : isStored(descriptor);

  let swept: Promise<void> | undefined;
  /**
   * Before the first write: removes temp files that writers killed mid-write left (`kill -9`, a power cut)
   * in `blobs/<algorithm>/` and beside `index.json`. Their names carry the writer's host and pid, so the
   * files of another live writer of this layout are kept (blob's `sweepTemporaryFiles`).
   */
  const sweep = (): Promise<void> => {
    swept ??= (async () => {
      if (fresh) return;
      await sweepTemporaryFiles(path);
      const algorithms = await readdir(join(path, "blobs")).catch(() => [] as string[]);
      for (const algorithm of algorithms) await sweepTemporaryFiles(join(path, "blobs", algorithm));
    })().catch(() => undefined);
    return swept;
  };

  const readIndex = (): Promise<LayoutIndex> => readLayoutIndexFile(indexPath, maxManifestBytes);

  const blobFile = (digest: string): string => blobPath(path, digest);

  const isStored = async (descriptor: Descriptor): Promise<boolean> => {
    try {
      const info = await lstat(blobFile(descriptor.digest));
      return info.isFile() && info.size === descriptor.size;
    } catch (error) {
      if (errorCode(error) === "ENOENT") return false;
      throw describeOpenError(blobFile(descriptor.digest), error);
    }
  };

  const resolveDigest = async (digest: string): Promise<Descriptor> => {
    const listed = (await readIndex()).manifests.find((entry) => entry.digest === digest);
    if (listed !== undefined) return pickDescriptor(listed);
    const file = blobFile(digest);
    let bytes: Uint8Array;
    try {
      bytes = await readAll(readFileStream(file), maxManifestBytes);
    } catch (error) {
      if (NotFoundError.isInstance(error)) throw new NotFoundError(`${digest} not found in ${path}`);
      if (SizeMismatchError.isInstance(error))
        throw new NotFoundError(`${digest} in ${path} is not a manifest`);
      throw error;
    }
    const actual = digestOf(bytes, digestAlgorithm(digest as Digest));
    if (actual !== digest) throw new DigestMismatchError(digest, actual, `${file}`);
    try {
      return { mediaType: parseManifest(bytes).mediaType, digest, size: bytes.length };
    } catch (error) {
      if (ManifestError.isInstance(error)) throw new NotFoundError(`${digest} in ${path} is not a manifest`);
      throw error;
    }
  };

  /** The referrers index of a subject (its tagged entry in index.json), or an empty one. */
  /**
   * Rewrites `index.json` under the layout lock with the entries `change` returns (`undefined`: nothing
   * to write), once the manifest `descriptor` names is known to be stored here.
   */
  const updateIndex = async (
    descriptor: Descriptor,
    signal: AbortSignal | undefined,
    change: (manifests: Descriptor[]) => Descriptor[] | undefined,
  ): Promise<void> => {
    throwIfAborted(signal);
    blobFile(descriptor.digest);
    await prepare();
    if (!(await isStored(descriptor))) {
      throw new NotFoundError(`manifest ${descriptor.digest} not found in ${path}`);
    }
    await sweep();
    await withLayoutLock(
      path,
      async () => {
        const index = await readIndex();
        const manifests = change(index.manifests);
        if (manifests === undefined) return;
        index.manifests = manifests;
        await writeFileAtomic(indexPath, serializeLayoutIndex(index));
      },
      { ...options.lock, ...(signal === undefined ? {} : { signal }) },
    );
  };

  const readReferrersIndex = async (
    subject: string,
  ): Promise<{ manifests: Descriptor[]; raw: Record<string, unknown> }> => {
    const tag = referrersTagFor(subject);
    const entry = (await readIndex()).manifests.find((item) => item.annotations?.[refNameAnnotation] === tag);
    if (entry === undefined)
      return { manifests: [], raw: { schemaVersion: 2, mediaType: MediaType.OciIndex } };
    const bytes = await readAll(
      verifyContent(readFileStream(blobFile(entry.digest)), pickDescriptor(entry), {
        where: blobFile(entry.digest),
      }),
      maxManifestBytes,
    );
    const parsed = parseManifest(bytes, entry.mediaType);
    if (parsed.kind !== "index")
      return { manifests: [], raw: { schemaVersion: 2, mediaType: MediaType.OciIndex } };
    return { manifests: parsed.manifest.manifests, raw: JSON.parse(new TextDecoder().decode(bytes)) };
  };

  /** Adds a referrer to its subject's referrers index and tags the new index, under the layout lock. */
  const addReferrer = async (
    entry: Descriptor,
    subject: string,
    signal: AbortSignal | undefined,
  ): Promise<void> => {
    const tag = referrersTagFor(subject);
    await withLayoutLock(
      path,
      async () => {
        const { manifests, raw } = await readReferrersIndex(subject);
        if (manifests.some((listed) => listed.digest === entry.digest)) return;
        const bytes = new TextEncoder().encode(
          JSON.stringify({ ...raw, mediaType: MediaType.OciIndex, manifests: [...manifests, entry] }),
        );
        const index: Descriptor = {
          mediaType: MediaType.OciIndex,
          digest: digestOf(bytes),
          size: bytes.length,
        };
        await writeVerifiedFile(blobFile(index.digest), bufferSource(bytes)(0), index, {
          where: `the referrers index of ${subject} in ${path}`,
          durable: false,
        });
        written.add(index.digest);
        const layoutIndex = await readIndex();
        layoutIndex.manifests = withTaggedEntry(
          layoutIndex.manifests,
          { ...index, annotations: { [refNameAnnotation]: tag } },
          tag,
        );
        await writeFileAtomic(indexPath, serializeLayoutIndex(layoutIndex));
      },
      { ...options.lock, ...(signal === undefined ? {} : { signal }) },
    );
  };

  return {
    path,

    async resolve(reference, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      await prepare();
      if (isContentDigest(reference)) return resolveDigest(reference);
      checkTag(reference);
      const entry = (await readIndex()).manifests.find(
        (item) => item.annotations?.[refNameAnnotation] === reference,
      );
      if (entry === undefined) throw new NotFoundError(`tag ${reference} not found in ${path}`);
      return pickDescriptor(entry);
    },

    async fetch(descriptor, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      const file = blobFile(descriptor.digest);
      checkManifestSize(descriptor);
      await prepare();
      try {
        const info = await stat(file);
        if (!info.isFile()) throw new LocalFormatError(`${file} is not a regular file`);
      } catch (error) {
        if (errorCode(error) === "ENOENT") {
          throw new NotFoundError(`${descriptor.digest} not found in ${path}`);
        }
        throw LocalFormatError.isInstance(error) ? error : describeOpenError(file, error);
      }
      return verifyContent(readFileStream(file, 0, undefined, callOptions.signal), descriptor, {
        where: file,
      });
    },

    async exists(descriptor, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      blobFile(descriptor.digest);
      if (!prepared && (await missing) && !prepared) return false;
      await prepare();
      return isKnownStored(descriptor);
    },

    async push(descriptor, source, pushOptions = {}) {
      const { signal, onProgress } = pushOptions;
      throwIfAborted(signal);
      const file = blobFile(descriptor.digest);
      checkManifestSize(descriptor);
      await prepare();
      if (await isKnownStored(descriptor)) return;
      await sweep();
      let stream: ByteStream = source instanceof Uint8Array ? bufferSource(source)(0) : source(0);
      if (onProgress !== undefined) stream = countProgress(stream, onProgress);
      const where = `${descriptor.digest} pushed to ${path}`;
      let referrer: ReturnType<typeof referrerEntryOf>;
      if (isManifestMediaType(descriptor.mediaType)) {
        // Validated before it is stored, so a broken manifest leaves no trace.
        const bytes = await readAll(verifyContent(stream, descriptor, { where }), maxManifestBytes);
        parseManifest(bytes, descriptor.mediaType);
        referrer = referrerEntryOf(bytes, descriptor.mediaType);
        stream = bufferSource(bytes)(0);
      }
      await writeVerifiedFile(file, stream, descriptor, {
        where,
        // No fsync per blob (as containers/image): every read of a layout blob is verified, so a file torn
        // by a power cut is caught, never trusted. `index.json` is still written durably.
        durable: false,
        ...(signal === undefined ? {} : { signal }),
      });
      written.add(descriptor.digest);
      if (referrer !== undefined) {
        await addReferrer({ ...referrer.descriptor, digest: descriptor.digest }, referrer.subject, signal);
      }
    },

    async *referrers(subject, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      await prepare();
      const listed = await readReferrersIndex(subject.digest);
      const { artifactType } = callOptions;
      yield* listed.manifests.filter(
        (entry) => artifactType === undefined || entry.artifactType === artifactType,
      );
    },

    async tag(descriptor, tag, callOptions = {}) {
      checkTag(tag);
      const entry: Descriptor = {
        ...pickDescriptor(descriptor),
        annotations: { ...descriptor.annotations, [refNameAnnotation]: tag },
      };
      await updateIndex(descriptor, callOptions.signal, (manifests) =>
        withTaggedEntry(manifests, entry, tag),
      );
    },

    async addUntagged(descriptor, callOptions = {}) {
      await updateIndex(descriptor, callOptions.signal, (manifests) =>
        manifests.some((item) => item.digest === descriptor.digest)
          ? undefined
          : [...manifests, pickDescriptor(descriptor)],
      );
    },

    async fetchRange(descriptor, start, end, callOptions = {}) {
      throwIfAborted(callOptions.signal);
      const file = blobFile(descriptor.digest);
      await prepare();
      const stop = checkByteRange(descriptor, start, end);
      if (!(await isStored(descriptor))) throw new NotFoundError(`${descriptor.digest} not found in ${path}`);
      return readFileStream(file, start, stop - start, callOptions.signal);
    },

    async *tags(callOptions = {}) {
      throwIfAborted(callOptions.signal);
      await prepare();
      const names = new Set<string>();
      for (const entry of (await readIndex()).manifests) {
        const name = entry.annotations?.[refNameAnnotation];
        // Referrers indexes are the layout's own bookkeeping, listed by `referrers`, not images.
        if (name !== undefined && !isReferrersTag(name)) names.add(name);
      }
      yield* [...names].sort();
    },
  };
}

function checkTag(tag: string): void {
  if (!isRefName(tag)) {
    throw new InvalidReferenceError(String(tag), "not a valid org.opencontainers.image.ref.name");
  }
}
