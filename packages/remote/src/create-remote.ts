import { readAll, verifyBytes, verifyContent } from "@stevedore/blob";
import type {
  BlobMounter,
  ByteStream,
  Descriptor,
  PushOptions,
  RangeFetcher,
  ReferrerLister,
  ReplayableSource,
  TaggedManifestPusher,
  TagLister,
  Target,
  TargetCallOptions,
} from "@stevedore/core";
import {
  isManifestMediaType,
  NotFoundError,
  SizeMismatchError,
  supportedDigestAlgorithms,
} from "@stevedore/core";
import { deleteBlob } from "./blobs/delete-blob.js";
import { fetchRange } from "./blobs/fetch-range.js";
import { getBlob } from "./blobs/get-blob.js";
import { type BlobHead, headBlob } from "./blobs/head-blob.js";
import { type ListRepositoriesOptions, listRepositories } from "./lists/list-repositories.js";
import { type ListTagsOptions, listTags } from "./lists/list-tags.js";
import { deleteManifest } from "./manifests/delete-manifest.js";
import { type GetManifestOptions, getManifest, type ManifestResult } from "./manifests/get-manifest.js";
import { type HeadManifestOptions, headManifest } from "./manifests/head-manifest.js";
import { putManifest } from "./manifests/put-manifest.js";
import { describeReference } from "./not-found.js";
import { type PingResult, ping } from "./ping.js";
import { type ListReferrersOptions, listReferrers } from "./referrers/list-referrers.js";
import type { RemoteContext } from "./remote-context.js";
import { type RemoteOptions, resolveRemoteOptions } from "./resolve-remote-options.js";
import { mountBlob } from "./upload/mount-blob.js";
import { type UploadBlobOptions, uploadBlob } from "./upload/upload-blob.js";

/**
 * One repository of one registry: a stevedore `Target` (with tags, referrers, ranges and mounts) and one
 * method per endpoint of the distribution API (`spec/PROTOCOL.md` §3).
 */
export interface Remote
  extends Target,
    BlobMounter,
    ReferrerLister,
    RangeFetcher,
    TagLister,
    TaggedManifestPusher {
  /** The registry as requests name it (`host[:port]`). */
  readonly registry: string;
  readonly repository: string;
  /** What the endpoint functions work from, for calling them directly (`uploadBlob(remote.context, …)`). */
  readonly context: RemoteContext;

  /** `GET /v2/`: the registry speaks the API and accepted the credentials (see `ping`). */
  ping(options?: TargetCallOptions): Promise<PingResult>;
  /** A manifest by tag or digest, verified (see `getManifest`). `NotFoundError` when absent. */
  getManifest(reference: string, options?: GetManifestOptions): Promise<ManifestResult>;
  /**
   * A tag or digest resolved and its manifest read in one `GET` (core's `ManifestResolver`): what a copy
   * needs of its root, where `resolve` + `fetch` are two round trips. `NotFoundError` when absent.
   */
  resolveManifest(
    reference: string,
    options?: TargetCallOptions,
  ): Promise<{ descriptor: Descriptor; bytes: Uint8Array }>;
  /** A manifest's descriptor without its body, `undefined` when absent (see `headManifest`). */
  headManifest(reference: string, options?: HeadManifestOptions): Promise<Descriptor | undefined>;
  /** Pushes manifest bytes byte-exact under a tag or digest (see `putManifest`). */
  putManifest(
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    options?: TargetCallOptions,
  ): Promise<Descriptor>;
  /** Deletes a tag, or a manifest by digest with its tags (see `deleteManifest`). */
  deleteManifest(reference: string, options?: TargetCallOptions): Promise<void>;
  /** Streams a blob, verified and resumed after cuts (see `getBlob`). */
  getBlob(descriptor: Descriptor, options?: TargetCallOptions): Promise<ByteStream>;
  /** A blob's size, `undefined` when absent (see `headBlob`). */
  headBlob(blob: Descriptor | string, options?: TargetCallOptions): Promise<BlobHead | undefined>;
  /** Deletes a blob (see `deleteBlob`). */
  deleteBlob(blob: Descriptor | string, options?: TargetCallOptions): Promise<void>;
  /** Uploads a blob, always (see `uploadBlob`); `push` checks for it first. */
  uploadBlob(
    descriptor: Descriptor,
    source: ReplayableSource | Uint8Array,
    options?: UploadBlobOptions,
  ): Promise<void>;
  /** The tags, every page (see `listTags`). */
  tags(options?: ListTagsOptions): AsyncIterable<string>;
  /** The repositories of the whole registry (see `listRepositories`); needs `registry:catalog:*`. */
  catalog(options?: ListRepositoriesOptions): AsyncIterable<string>;
  /** The manifests referring to `subject`, by API or tag schema (see `listReferrers`). */
  referrers(subject: Descriptor, options?: ListReferrersOptions): AsyncIterable<Descriptor>;
}

/**
 * Creates a {@link Remote} for one repository. Checks the options once (`UsageError`,
 * `InvalidReferenceError`); sends nothing until a method is called.
 *
 * The `Target` methods: `resolve` (HEAD, GET when the HEAD says too little; `NotFoundError` naming
 * `registry/repository:reference`), `fetch` (manifest media types by the manifest endpoint, everything else
 * as a blob, both verified), `exists`, `push` (manifests by digest; blobs uploaded — ask `exists` first to
 * skip what is there), `tag` (the manifest's bytes, fetched by digest, put again under the tag), and core's `TaggedManifestPusher` `pushTagged` (a manifest stored under a tag
 * in one `PUT`).
 *
 * @example
 * ```ts
 * import { createAuth, staticCredentials } from "@stevedore/auth";
 * import { createRemote } from "@stevedore/remote";
 * import { createTransport } from "@stevedore/transport";
 *
 * const credentials = staticCredentials({ "ghcr.io": { username: "me", password: token } });
 * const transport = createTransport({ auth: createAuth({ credentials }) });
 * const remote = createRemote({ transport, registry: "ghcr.io", repository: "me/app" });
 * const descriptor = await remote.resolve("v1");
 * const { parsed } = await remote.getManifest(descriptor.digest);
 * for await (const tag of remote.tags()) console.log(tag);
 * await transport.close();
 * ```
 */
export function createRemote(options: RemoteOptions): Remote {
  const context = resolveRemoteOptions(options);
  // The remote's own reads keep to its limit, whatever a caller's options object carries.
  const { maxManifestBytes } = context.options;
  const digestOfBlob = (blob: Descriptor | string): string =>
    typeof blob === "string" ? blob : blob?.digest;

  const fetchManifest = async (
    descriptor: Descriptor,
    callOptions: TargetCallOptions,
  ): Promise<Uint8Array> => {
    const { bytes } = await getManifest(context, descriptor.digest, {
      ...callOptions,
      maxBytes: maxManifestBytes,
    });
    // getManifest checked the digest; this also holds the bytes to the descriptor's size.
    verifyBytes(bytes, descriptor, { where: `manifest ${describeReference(context, descriptor.digest)}` });
    return bytes;
  };

  const remote: Remote = {
    registry: context.registry,
    repository: context.repository,
    context,

    ping: (callOptions) => ping(context, callOptions),
    getManifest: (reference, callOptions = {}) => getManifest(context, reference, callOptions),
    async resolveManifest(reference, callOptions = {}) {
      const { descriptor, bytes } = await getManifest(context, reference, {
        ...callOptions,
        maxBytes: maxManifestBytes,
      });
      return { descriptor, bytes };
    },
    headManifest: (reference, callOptions = {}) => headManifest(context, reference, callOptions),
    putManifest: (reference, bytes, mediaType, callOptions) =>
      putManifest(context, reference, bytes, mediaType, callOptions),
    deleteManifest: (reference, callOptions) => deleteManifest(context, reference, callOptions),
    getBlob: (descriptor, callOptions) => getBlob(context, descriptor, callOptions),
    headBlob: (blob, callOptions) => headBlob(context, digestOfBlob(blob), callOptions),
    deleteBlob: (blob, callOptions) => deleteBlob(context, digestOfBlob(blob), callOptions),
    uploadBlob: (descriptor, source, callOptions) => uploadBlob(context, descriptor, source, callOptions),
    fetchRange: (descriptor, start, end, callOptions) =>
      fetchRange(context, descriptor, start, end, callOptions),
    tags: (callOptions) => listTags(context, callOptions),
    catalog: (callOptions) => listRepositories(context.transport, context.baseUrl, callOptions),
    referrers: (subject, callOptions) => listReferrers(context, subject, callOptions),
    mount: (descriptor, fromRepository, callOptions) =>
      mountBlob(context, descriptor, fromRepository, callOptions),

    async resolve(reference, callOptions = {}) {
      const descriptor = await headManifest(context, reference, {
        ...callOptions,
        maxBytes: maxManifestBytes,
      });
      if (descriptor === undefined) {
        throw new NotFoundError(`manifest ${describeReference(context, reference)} not found`);
      }
      return descriptor;
    },

    async fetch(descriptor, callOptions = {}) {
      if (!isManifestMediaType(descriptor.mediaType)) return getBlob(context, descriptor, callOptions);
      return single(await fetchManifest(descriptor, callOptions));
    },

    async exists(descriptor, callOptions = {}) {
      if (isManifestMediaType(descriptor.mediaType)) {
        const headOptions = { ...callOptions, maxBytes: maxManifestBytes };
        return (await headManifest(context, descriptor.digest, headOptions)) !== undefined;
      }
      return (await headBlob(context, descriptor.digest, callOptions)) !== undefined;
    },

    async push(descriptor, source, callOptions: PushOptions = {}) {
      if (isManifestMediaType(descriptor.mediaType)) {
        const body = source instanceof Uint8Array ? single(source) : source(0);
        const bytes = await readAll(
          verifyContent(body, descriptor, { where: `manifest ${descriptor.digest}` }),
        );
        await putManifest(context, descriptor.digest, bytes, descriptor.mediaType, callOptions);
        callOptions.onProgress?.(bytes.length);
        return;
      }
      // No HEAD here: callers that may skip present blobs ask `exists` first (transfer does), and a
      // second HEAD per blob was 500 extra round trips in a 500-layer push. Uploading a present blob is
      // harmless: the registry keeps one copy.
      // Bytes in memory are cheap to check first: a wrong digest is then a DigestMismatchError with
      // nothing sent, rather than a refusal by the registry at the end of the upload.
      if (source instanceof Uint8Array) checkBytes(descriptor, source);
      await uploadBlob(context, descriptor, source, callOptions);
    },

    async pushTagged(descriptor, bytes, tag, callOptions = {}) {
      // SizeMismatchError or DigestMismatchError before anything is sent.
      verifyBytes(bytes, descriptor, { where: `manifest ${descriptor.digest}` });
      await putManifest(context, tag, bytes, descriptor.mediaType, callOptions);
    },

    async tag(descriptor, tag, callOptions = {}) {
      const { bytes, descriptor: stored } = await getManifest(context, descriptor.digest, {
        ...callOptions,
        maxBytes: maxManifestBytes,
      });
      await putManifest(context, tag, bytes, stored.mediaType, callOptions);
    },
  };
  return remote;
}

function checkBytes(descriptor: Descriptor, bytes: Uint8Array): void {
  const where = `blob ${descriptor.digest}`;
  const algorithm = typeof descriptor.digest === "string" ? descriptor.digest.split(":")[0] : undefined;
  if (algorithm !== undefined && supportedDigestAlgorithms.includes(algorithm)) {
    verifyBytes(bytes, descriptor, { where });
  } else if (bytes.length !== descriptor.size) {
    // An algorithm stevedore cannot compute is left to the registry, which checks every upload.
    throw new SizeMismatchError(descriptor.size, bytes.length, where);
  }
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  yield bytes;
}
