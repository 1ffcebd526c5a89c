import type { ByteStream, Descriptor, Platform, ProgressEvent } from "@stevedore/core";
import type { ImageChanges, ImageFile, LayerInput } from "@stevedore/image";
import type { Compression } from "@stevedore/tar";
import type {
  AttachCallOptions,
  CreateIndexCallOptions,
  EditIndexCallOptions,
  IndexResult,
  PullArtifactCallOptions,
  PullArtifactResult,
  PushArtifactCallOptions,
  PushArtifactResult,
  ReferrerNode,
  ReferrersTreeCallOptions,
} from "./artifact-verbs.js";

/** Per-call options of `pull`, `push` and `copy`; they override the client's defaults. */
export interface CopyCallOptions {
  /**
   * Which images of an index to copy. Default: the client's `platforms`, else every one (the copy keeps the
   * source's digest). A single image for another platform than the ones named is a `NotFoundError`.
   */
  platforms?: readonly Platform[] | "all";
  /** Copy every tag of the source repository (registry sources only). One outcome per tag. */
  allTags?: boolean;
  /** Also copy the manifests that refer to each copied manifest (signatures, SBOMs). */
  referrers?: boolean;
  signal?: AbortSignal;
  /** Progress of this call, instead of the client's `onProgress`. */
  onProgress?: (event: ProgressEvent) => void;
  /** Blobs copied at once, instead of the client's `concurrency`. */
  concurrency?: number;
  /**
   * Store every layer at the destination with this compression, recompressing layers stored otherwise
   * (diff IDs and configs stay; manifests change). Default: `gzip` for a docker archive source, whose
   * layers are plain tars; otherwise layers are copied as they are.
   */
  compression?: Compression;
}

/** What one copy did. */
export interface CopyOutcome {
  /** The source, as a location string (`docker.io/library/alpine:3.20`, `oci:./alpine:3.20`). */
  source: string;
  /** The destination, as a location string. */
  destination: string;
  /** The digest of the top-level manifest written (a filtered index has a new digest). */
  digest: string;
  mediaType: string;
  /** The tag written at the destination; absent when the copy was by digest only. */
  tag?: string;
  /**
   * Blobs by how they reached the destination. With `allTags`, a blob several tags share counts in one
   * outcome only (the first tag to finish that needed it), so the outcomes add up to what the run did.
   */
  blobs: { transferred: number; skipped: number; mounted: number };
  /** Bytes sent (blobs that were skipped or mounted count nothing; with `allTags`, once per run). */
  bytes: number;
  /** True when an index was narrowed to some of its platforms (its digest then differs from the source's). */
  filteredIndex: boolean;
  /** The platforms copied (empty for a single image without platform information). */
  platforms: Platform[];
}

/** Per-call options of the image edits (`append`, `mutate`, `flatten`). */
export interface EditCallOptions {
  /** Which images of an index to edit (default every one); the others are kept byte for byte. */
  platforms?: readonly Platform[] | "all";
  /** Blobs copied at once when the base is copied to another place first. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Options of `append`. */
export interface AppendCallOptions extends EditCallOptions {
  /** The layers to add, bottom first: paths (directories, files, tars) or tar streams. */
  layers: readonly LayerInput[];
  /** How new layers are stored: `gzip` (default), `zstd` (Node ≥ 22.15) or `none`. */
  compression?: Compression;
  /** gzip 1–9 (default 6), zstd 1–19 (default 3). */
  level?: number;
  /**
   * The time of every packed file and of the history entries, in seconds since 1970. Default:
   * `SOURCE_DATE_EPOCH` of the client's `env` when set, else 0 — so the same files give the same digest on every machine.
   */
  mtime?: number;
  /** Owner of packed files: 0:0 by default; `"keep"` keeps the ids on disk. */
  owner?: { uid: number; gid: number } | "keep";
}

/** Options of `flatten`. */
export interface FlattenCallOptions extends EditCallOptions {
  compression?: Compression;
  level?: number;
  mtime?: number;
}

/** Options of `mutate`. */
export interface MutateCallOptions extends EditCallOptions {
  /** Annotations of the index itself (`null` removes one); only for an index. */
  indexAnnotations?: Record<string, string | null>;
}

/** What an image edit wrote. */
export interface EditOutcome {
  /** The base, as a location string. */
  source: string;
  /** Where the result was written, as a location string. */
  destination: string;
  /** The new top-level manifest (an index when the base was one). */
  digest: string;
  mediaType: string;
  tag?: string;
  /** The images edited, with their new digests. */
  images: { platform?: Platform; digest: string }[];
}

/** What `inspect` reports about a manifest. */
export interface InspectResult {
  /** The reference inspected, normalised (`docker.io/library/alpine:3.20`). */
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  /** For an index: its images, attestations left out. */
  platforms?: { platform: Platform; digest: string; size: number }[];
  /** An artifact's type: the manifest's `artifactType`, or the config media type of a non-image manifest. */
  artifactType?: string;
  /** The image: the manifest itself, or for an index the one for the requested (or default) platform. */
  image?: {
    platform: Platform;
    created?: string;
    labels: Record<string, string>;
    /** `NAME=value` entries of the config. */
    env?: string[];
    entrypoint?: string[];
    cmd?: string[];
    /** Left out when the config has none or an empty one. */
    user?: string;
    workingDir?: string;
    /** `80/tcp`, sorted. */
    exposedPorts?: string[];
    layers: { digest: string; mediaType: string; size: number }[];
    /** The layers, in bytes as stored (compressed). */
    layersSize: number;
    /** Config plus layers, in bytes as stored (compressed). */
    totalSize: number;
    config: { digest: string; size: number };
  };
  annotations?: Record<string, string>;
}

/** What `delete` removed. */
export interface DeleteResult {
  /** The digest of the manifest deleted. */
  digest: string;
  /** The tags that pointed at it (and are gone with it), sorted. */
  tags: string[];
}

/** Where `login` stored credentials, or `logout` removed them. */
export interface CredentialStoreResult {
  /** Docker's `config.json` that was read (and written when it changed). */
  file: string;
  /** The credential helper (`desktop`, `pass` …) that holds the secret, when one is configured. */
  helper?: string;
}

/**
 * The stevedore facade: every verb a user wants over registries, OCI layouts and docker archives. One client
 * holds one connection pool, one token cache and one record of where blobs were seen (for mounts); close it
 * when done.
 */
export interface Client {
  /**
   * Copies an image from a registry to a local location: `oci:PATH[:TAG]`, `docker-archive:PATH[:TAG]`, or a
   * bare `PATH` (an OCI layout). The tag written defaults to the reference's tag (`latest` when it names
   * none); a pull by digest into a layout writes no tag, into an archive names the image by repository only.
   */
  pull(reference: string, destination: string, options?: CopyCallOptions): Promise<CopyOutcome>;
  /**
   * Copies an image from a local location (`oci:PATH[:TAG]`, `docker-archive:PATH[:TAG]`, a bare `PATH`)
   * to a registry reference. Without a tag the source's tag is used, else `latest`.
   */
  push(source: string, reference: string, options?: CopyCallOptions): Promise<CopyOutcome>;
  /**
   * Copies between any two locations. With `allTags`, every tag of the source repository: one outcome each,
   * each blob counted in one of them.
   */
  copy(source: string, destination: string, options?: CopyCallOptions): Promise<CopyOutcome[]>;
  /**
   * The tags of a repository (`localhost:5000/team/app`), every page; or of a layout or archive named
   * without a tag (`oci:DIR`, `oci-archive:FILE`, `docker-archive:FILE`).
   */
  tags(repository: string, options?: { signal?: AbortSignal }): AsyncIterable<string>;
  /**
   * The repositories of a registry (`GET /v2/_catalog`, every page). Many registries refuse it.
   * `REGISTRY/PREFIX` lists only the repositories under that path prefix; `docker://REGISTRY` is accepted.
   */
  catalog(registry: string, options?: { signal?: AbortSignal }): AsyncIterable<string>;
  /**
   * A manifest's descriptor and exact bytes. With `platform`, an index's image manifest for that platform
   * (a single image must be for it, else `NotFoundError`).
   */
  manifest(
    reference: string,
    options?: { platform?: Platform; signal?: AbortSignal },
  ): Promise<{ descriptor: Descriptor; bytes: Uint8Array }>;
  /**
   * An image's config blob; for an index, of the image for `platform` (default: `linux/<this CPU>` on every
   * OS, a Windows host preferring `windows/<this CPU>` when the index has it — core's `defaultPlatforms`).
   */
  config(
    reference: string,
    options?: { platform?: Platform; signal?: AbortSignal },
  ): Promise<{ descriptor: Descriptor; bytes: Uint8Array }>;
  /**
   * The digest a reference resolves to (a `HEAD` request when the registry allows it). With `platform`,
   * the digest of an index's image manifest for that platform (as `manifest` picks it).
   */
  digest(reference: string, options?: { platform?: Platform; signal?: AbortSignal }): Promise<string>;
  /** A blob's content (`repository@digest`), verified while it streams. */
  blob(reference: string, options?: { signal?: AbortSignal }): Promise<ByteStream>;
  /** A summary of a manifest: platforms of an index, and the chosen image's config, layers and sizes. */
  inspect(reference: string, options?: { platform?: Platform; signal?: AbortSignal }): Promise<InspectResult>;
  /** Points another tag of the same repository at the manifest `reference` names. Resolves its descriptor. */
  tag(reference: string, tag: string, options?: { signal?: AbortSignal }): Promise<Descriptor>;
  /**
   * Deletes the manifest a tag or digest names, on every registry by digest — which removes every tag that
   * points at it; those tags are found first and returned.
   */
  delete(reference: string, options?: { signal?: AbortSignal }): Promise<DeleteResult>;
  /**
   * Removes one tag (`REPOSITORY:TAG`) and nothing else, where the registry allows deleting a tag; a
   * registry that deletes only by digest gets a `StevedoreError` (`STEVEDORE_UNSUPPORTED`) saying what it
   * answered.
   */
  untag(reference: string, options?: { signal?: AbortSignal }): Promise<void>;
  /** The manifests that refer to `reference` (signatures, SBOMs), optionally of one artifact type. */
  referrers(
    reference: string,
    options?: { artifactType?: string; signal?: AbortSignal },
  ): Promise<Descriptor[]>;
  /**
   * The referrers of `reference`, theirs, and so on (a signature on an SBOM on an image), down to `depth`
   * levels (default 8).
   *
   * @example
   * const tree = await client.referrersTree("localhost:5000/app:v1");
   * for (const sbom of tree.referrers) console.log(sbom.descriptor.artifactType, sbom.referrers.length);
   */
  referrersTree(reference: string, options?: ReferrersTreeCallOptions): Promise<ReferrerNode>;
  /**
   * Pushes files as an OCI 1.1 artifact to `reference` (a tag; `tags` adds more): each file a layer titled
   * with its name, the empty config unless `config` is given.
   *
   * @example
   * await client.pushArtifact("localhost:5000/docs:v1", {
   *   files: [{ path: "readme.md", mediaType: "text/markdown" }],
   *   artifactType: "application/vnd.example.docs",
   * });
   */
  pushArtifact(reference: string, options: PushArtifactCallOptions): Promise<PushArtifactResult>;
  /**
   * Writes each titled layer of the artifact `reference` names into `directory`, verified, all or nothing,
   * never outside `directory`.
   *
   * @example
   * const { files } = await client.pullArtifact("localhost:5000/docs:v1", "./docs");
   */
  pullArtifact(
    reference: string,
    directory: string,
    options?: PullArtifactCallOptions,
  ): Promise<PullArtifactResult>;
  /**
   * Attaches files to the manifest `subject` names as a referrer (pushed by digest, found by `referrers`).
   *
   * @example
   * await client.attach("localhost:5000/app:v1", {
   *   artifactType: "application/spdx+json",
   *   files: [{ path: "sbom.spdx.json", mediaType: "application/spdx+json" }],
   * });
   */
  attach(subject: string, options: AttachCallOptions): Promise<PushArtifactResult>;
  /**
   * Creates an OCI image index at `reference` (a tag) over `sources` (images by tag or digest): each entry's
   * platform comes from its config; sources in other repositories are mounted, on other registries copied.
   *
   * @example
   * await client.createIndex("localhost:5000/app:v1", ["localhost:5000/app:v1-amd64", "localhost:5000/app:v1-arm64"]);
   */
  createIndex(
    reference: string,
    sources: readonly string[],
    options?: CreateIndexCallOptions,
  ): Promise<IndexResult>;
  /**
   * Edits the index at `reference` (a tag) in place: adds images, removes the entry of a platform or a
   * digest; every other entry stays byte-identical.
   *
   * @example
   * await client.editIndex("localhost:5000/app:v1", { removePlatform: parsePlatform("linux/s390x") });
   */
  editIndex(reference: string, options: EditIndexCallOptions): Promise<IndexResult>;
  /** Checks that a registry speaks the distribution API, with the client's credentials. */
  ping(registry: string, options?: { signal?: AbortSignal }): Promise<void>;
  /** Checks the credentials against the registry (a ping with exactly them), then stores them as `docker login` does. */
  login(
    registry: string,
    username: string,
    password: string,
    options?: { signal?: AbortSignal },
  ): Promise<CredentialStoreResult>;
  /** Removes stored credentials as `docker logout` does; `changed` says whether any were there. */
  logout(registry: string): Promise<CredentialStoreResult & { changed: boolean }>;
  /**
   * Adds layers on top of `base` (every platform of an index, or `platforms`) and writes the result to
   * `destination` (a registry reference or `oci:DIR[:TAG]`). The base is copied there first when it lives
   * elsewhere — within one registry its blobs are mounted, never downloaded. Directories are packed
   * deterministically (sorted, 0:0, times from `mtime`), so the same files give the same digest.
   */
  append(base: string, destination: string, options: AppendCallOptions): Promise<EditOutcome>;
  /**
   * Changes config fields (labels, env, entrypoint, cmd, user, working directory, exposed ports, created)
   * and annotations; a `null` value removes a label, variable or annotation. Without `destination` the
   * source's tag is moved to the result.
   */
  mutate(
    reference: string,
    destination: string | undefined,
    changes: ImageChanges,
    options?: MutateCallOptions,
  ): Promise<EditOutcome>;
  /** Replaces an image's layers with one layer holding its merged file system. */
  flatten(reference: string, destination: string, options?: FlattenCallOptions): Promise<EditOutcome>;
  /**
   * The merged file system of one image (for an index: `platform`, default `linux/<this CPU>`) as an
   * uncompressed tar stream, whiteouts applied, layers streamed one by one.
   */
  exportFilesystem(
    reference: string,
    options?: { platform?: Platform; signal?: AbortSignal },
  ): Promise<ByteStream>;
  /**
   * One file of an image's merged file system, streamed from the top layer that has it.
   * `NotFoundError` when the image has no such file.
   */
  readFile(
    reference: string,
    path: string,
    options?: { platform?: Platform; signal?: AbortSignal },
  ): Promise<ImageFile>;
  /** Closes connections. Calls after `close` fail with `UsageError`. */
  close(): Promise<void>;
}
