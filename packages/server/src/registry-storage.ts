/**
 * Where the server keeps content (`spec/PROTOCOL.md` §1): blobs addressed by digest and shared by every
 * repository, per-repository links to blobs and manifests, and tags. Two implementations:
 * `createMemoryStorage` and `createDirectoryStorage`.
 */

/** A manifest as stored: its exact bytes and the media type it was pushed with. */
export interface StoredManifest {
  mediaType: string;
  bytes: Uint8Array;
}

/** Bytes of an upload being received, before they are committed as a blob. */
export interface UploadSink {
  /** Bytes received so far. */
  readonly size: number;
  /** Appends bytes at the end. */
  append(chunk: Uint8Array): Promise<void>;
  /** Reads back every byte received, for hashing with another algorithm. */
  read(): AsyncIterable<Uint8Array>;
  /** Makes the bytes the blob `digest` (already verified by the caller) and releases the sink. */
  commit(digest: string): Promise<void>;
  /** Throws the bytes away. */
  discard(): Promise<void>;
}

/** The storage contract of the embedded registry. Every method is safe to call concurrently. */
export interface RegistryStorage {
  /**
   * Removes what an earlier process left behind (upload files of sessions that died with it, temp files).
   * The server awaits it before listening. Optional: memory storage has nothing to sweep.
   */
  sweep?(): Promise<void>;
  /** The size of blob `digest`, or `undefined` when no repository content has it. */
  blobSize(digest: string): Promise<number | undefined>;
  /** Bytes `start`..`end` (inclusive) of blob `digest`, which exists. */
  readBlob(digest: string, start: number, end: number): AsyncIterable<Uint8Array>;
  /** Stores bytes held in memory as blob `digest` (already verified). */
  writeBlob(digest: string, bytes: Uint8Array): Promise<void>;
  /** Opens a sink for a new upload session. */
  openUpload(id: string): Promise<UploadSink>;

  /** True when `repository` links blob `digest`. */
  hasBlobLink(repository: string, digest: string): Promise<boolean>;
  /** Links blob `digest` into `repository` (the blob is stored already). */
  linkBlob(repository: string, digest: string): Promise<void>;
  /** Removes the link; false when there was none. */
  unlinkBlob(repository: string, digest: string): Promise<boolean>;

  /** The manifest `digest` of the repository, `undefined` when it is not there. */
  getManifest(repository: string, digest: string): Promise<StoredManifest | undefined>;
  /** Stores the manifest under its digest in the repository. */
  putManifest(repository: string, digest: string, manifest: StoredManifest): Promise<void>;
  /** Removes the manifest from the repository; false when it was not there. */
  deleteManifest(repository: string, digest: string): Promise<boolean>;
  /** Digests of every manifest of the repository. */
  listManifests(repository: string): Promise<string[]>;

  /** The digest the tag points at, `undefined` when there is no such tag. */
  getTag(repository: string, tag: string): Promise<string | undefined>;
  /** Points the tag at `digest`, creating or moving it. */
  setTag(repository: string, tag: string, digest: string): Promise<void>;
  /** Removes the tag; false when there was none. */
  deleteTag(repository: string, tag: string): Promise<boolean>;
  /** Tags of the repository, unsorted; `undefined` when the repository is unknown. */
  listTags(repository: string): Promise<string[] | undefined>;

  /** Names of every repository that holds anything. */
  listRepositories(): Promise<string[]>;
}
