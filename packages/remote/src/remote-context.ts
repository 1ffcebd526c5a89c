/**
 * What every endpoint function of this package works from: the transport, where the repository is, and
 * the resolved options. `createRemote` builds one; the endpoint modules (`upload-blob.ts`, `get-manifest.ts`
 * …) take it as their first argument so each stays a small function that is easy to test alone.
 */
import type { Transport } from "@stevedore/transport";

/** Options resolved once by `createRemote` (defaults applied). */
export interface ResolvedRemoteOptions {
  /** Blobs up to this size go up in one request (POST then PUT); larger ones in one streamed PATCH. */
  monolithicThreshold: number;
  /**
   * Send blobs above `monolithicThreshold` in `PATCH`es of `chunkSize` bytes instead of one streamed
   * `PATCH` (for registries or proxies that limit the size of a request).
   */
  chunkedUploads: boolean;
  /** Size of each PATCH of a chunked upload (raised to the registry's `OCI-Chunk-Min-Length`). */
  chunkSize: number;
  /** Attempts to resume a cut upload or download before giving up. */
  resumeAttempts: number;
  /** Try `POST ?digest=` (single request) before the two-step upload. */
  singlePostUpload: boolean;
  /** Largest manifest accepted from the registry, in bytes (`spec/PROTOCOL.md` §2). */
  maxManifestBytes: number;
  /** Leave referrers-tag-schema tags (`sha256-<hex>`) out of `tags()` unless a call says otherwise (§7.2). */
  excludeReferrersTags: boolean;
}

/** One repository of one registry, as the endpoint functions see it. */
export interface RemoteContext {
  readonly transport: Transport;
  /** `https://registry.example:5000` (scheme chosen by the transport's plain-HTTP rules). */
  readonly baseUrl: URL;
  /** The registry as requests name it (`registry-1.docker.io`, `127.0.0.1:5000`). */
  readonly registry: string;
  /** The repository path (`library/alpine`). */
  readonly repository: string;
  readonly options: ResolvedRemoteOptions;
}
