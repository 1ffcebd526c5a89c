/**
 * The interfaces the other stevedore packages implement and consume. They live here, at the bottom of the
 * layer diagram (`DESIGN.md` §2–§3), so siblings can meet without importing each other: `transport` knows
 * auth only as {@link AuthStrategy}; `transfer` knows registries and layouts only as {@link Target}s.
 */
import type { Descriptor, Platform } from "./manifest-types.js";

/** A token scope (`spec/PROTOCOL.md` §11.4): `repository:team/app:pull,push`, `registry:catalog:*`. */
export interface Scope {
  type: string;
  name: string;
  actions: readonly string[];
}

/** What an {@link AuthStrategy} is told about a request it should authorise. */
export interface AuthRequest {
  method: string;
  url: URL;
  /** The scopes the request needs. Empty for the ping (`GET /v2/`). */
  scopes: readonly Scope[];
  signal?: AbortSignal;
  /**
   * The connection the request goes over: an undici `Dispatcher`, opaque here (core has no dependencies).
   * A strategy that makes requests of its own (token requests) sends them through it, so they share the
   * transport's connections, TLS settings and proxies.
   */
  dispatcher?: object;
  /**
   * True when the transport may speak plain HTTP to this request's origin by the caller's choice (every
   * host, a listed host, or a loopback host): Basic credentials and a token realm on this same origin may
   * then travel without TLS. Absent: only the strategy's own rules apply.
   */
  plainHttp?: boolean;
}

/**
 * Supplies `Authorization` headers. `transport.send` asks `authorize` before a request, and on a 401 with
 * `WWW-Authenticate` calls `challenge` and replays the request once when it returns `true`.
 */
export interface AuthStrategy {
  /** The `Authorization` header value for this request, or `undefined` to send none. */
  authorize(request: AuthRequest): Promise<string | undefined>;
  /**
   * Learns from a 401: `challenges` are every `WWW-Authenticate` header value of the response.
   * Returns `true` when a replay may now succeed (new token, new scheme), `false` to give up.
   */
  challenge(request: AuthRequest, challenges: readonly string[]): Promise<boolean>;
  /**
   * Whether the header `authorize` last gave `request` was obtained with the user's credentials (`false`
   * for no header or an anonymous token). `transport` words a refusal from it: "log in" rather than "the
   * credentials lack the rights". Absent: any header counts as credentials.
   */
  usedCredentials?(request: AuthRequest): boolean;
}

/** Credentials for one registry. A registry token is used as-is; an identity token is a refresh token. */
export interface Credentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (Docker's `identitytoken`). */
  identityToken?: string;
  /** A bearer token to send as is (Docker's `registrytoken`). */
  registryToken?: string;
}

/** Looks up credentials for a registry host (`registry-1.docker.io`, `localhost:5000`). */
export interface CredentialProvider {
  /** Resolves `undefined` when this provider has nothing for the host. */
  get(registry: string, options?: { signal?: AbortSignal }): Promise<Credentials | undefined>;
}

/** A stream of bytes. Node `Readable`s and async generators both qualify. */
export type ByteStream = AsyncIterable<Uint8Array>;

/** A body that may be read more than once: called with the offset to start from (resumed uploads). */
export type ReplayableSource = (offset: number) => ByteStream;

/** Per-call options every target method accepts. */
export interface TargetCallOptions {
  signal?: AbortSignal;
}

/** Somewhere images can be read from: a registry repository, a layout directory, an archive. */
export interface ReadableTarget {
  /** Resolves a tag or digest to the descriptor of its manifest. Throws `NotFoundError` when absent. */
  resolve(reference: string, options?: TargetCallOptions): Promise<Descriptor>;
  /** Streams the content of a blob or manifest, verified against the descriptor's size and digest. */
  fetch(descriptor: Descriptor, options?: TargetCallOptions): Promise<ByteStream>;
  /** True when the content is present. */
  exists(descriptor: Descriptor, options?: TargetCallOptions): Promise<boolean>;
}

/** Options of {@link Target.push}. */
export interface PushOptions extends TargetCallOptions {
  /** Called with the number of bytes of this content sent so far. */
  onProgress?: (bytes: number) => void;
}

/** Somewhere images can also be written to. */
export interface Target extends ReadableTarget {
  /** Stores a blob or manifest. Manifests are stored byte-exact with `descriptor.mediaType`. */
  push(descriptor: Descriptor, source: ReplayableSource | Uint8Array, options?: PushOptions): Promise<void>;
  /** Points a tag at a manifest already pushed. */
  tag(descriptor: Descriptor, tag: string, options?: TargetCallOptions): Promise<void>;
}

/** A target that can mount a blob from another repository of the same registry (`spec/PROTOCOL.md` §4). */
export interface BlobMounter {
  /** Identifies the registry, so a caller knows which repositories can be mount sources. */
  readonly registry: string;
  /** Returns `true` when mounted, `false` when the registry declined (the caller then uploads). */
  mount(descriptor: Descriptor, fromRepository: string, options?: TargetCallOptions): Promise<boolean>;
}

/** A target that lists the manifests referring to a subject (`spec/PROTOCOL.md` §7). */
export interface ReferrerLister {
  /** The manifests whose `subject` is `subject`, optionally only those of one `artifactType`. */
  referrers(
    subject: Descriptor,
    options?: TargetCallOptions & { artifactType?: string },
  ): AsyncIterable<Descriptor>;
}

/** A target that can read a byte range of a blob. `end` is exclusive. */
export interface RangeFetcher {
  /** The bytes from `start` up to `end` (exclusive; the end of the blob when omitted). */
  fetchRange(
    descriptor: Descriptor,
    start: number,
    end?: number,
    options?: TargetCallOptions,
  ): Promise<ByteStream>;
}

/** A target that can list its tags. */
export interface TagLister {
  /** Every tag of the repository. */
  tags(options?: TargetCallOptions): AsyncIterable<string>;
}

/**
 * A destination that can store a manifest and point a tag at it in one step — a registry's
 * `PUT /v2/<name>/manifests/<tag>` stores the manifest under its digest too (`spec/PROTOCOL.md` §3.1
 * end-7). A copy then pushes the root by tag alone instead of by digest and then by tag: one request less.
 */
export interface TaggedManifestPusher {
  /** Stores manifest `bytes` (verified against `descriptor`) and points `tag` at it. */
  pushTagged(
    descriptor: Descriptor,
    bytes: Uint8Array,
    tag: string,
    options?: TargetCallOptions,
  ): Promise<void>;
}

function hasMethod(value: unknown, name: string): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>)[name] === "function"
  );
}

/** True when `target` can mount blobs. */
export function isBlobMounter(target: unknown): target is BlobMounter {
  return hasMethod(target, "mount");
}

/** True when `target` can list referrers. */
export function isReferrerLister(target: unknown): target is ReferrerLister {
  return hasMethod(target, "referrers");
}

/** True when `target` can read ranges. */
export function isRangeFetcher(target: unknown): target is RangeFetcher {
  return hasMethod(target, "fetchRange");
}

/** True when `target` can list tags. */
export function isTagLister(target: unknown): target is TagLister {
  return hasMethod(target, "tags");
}

/** True when `target` can push a manifest under a tag in one step. */
export function isTaggedManifestPusher(target: unknown): target is TaggedManifestPusher {
  return hasMethod(target, "pushTagged");
}

/** How a blob reached the destination. */
export type BlobOutcome = "transferred" | "skipped" | "mounted";

/** Why a blob was not sent: the destination had it, or it is a non-distributable layer (`spec/PROTOCOL.md` §12.1). */
export type SkipReason = "exists" | "nondistributable";

/** How a manifest reached the destination: pushed byte-exact, or already there. */
export type ManifestOutcome = "transferred" | "skipped";

/**
 * Progress events of a copy (`DESIGN.md` §4), in the order they happen for each blob. The one union every
 * package emits and forwards: a handler ignores the types it does not know.
 */
export type ProgressEvent =
  | { type: "blob-start"; descriptor: Descriptor }
  | { type: "blob-progress"; descriptor: Descriptor; bytes: number; total: number }
  | {
      type: "blob-done";
      descriptor: Descriptor;
      bytes: number;
      outcome: BlobOutcome;
      /** Set when `outcome` is `"skipped"`. */
      reason?: SkipReason;
    }
  | { type: "manifest-done"; descriptor: Descriptor; tag?: string; outcome?: ManifestOutcome }
  | {
      /**
       * Some platforms of an index were chosen, so the destination gets a new index holding only their
       * entries (and their attestations): new bytes, a new digest, not the source's index.
       */
      type: "index-filtered";
      /** The source's index. */
      source: Descriptor;
      /** The new index, as pushed. */
      descriptor: Descriptor;
      /** The platforms kept. */
      platforms: Platform[];
    }
  | {
      type: "copy-done";
      descriptor: Descriptor;
      blobs: { transferred: number; skipped: number; mounted: number };
      bytes: number;
      milliseconds: number;
    };

/**
 * A source that resolves a reference and reads its manifest in one step — a registry's `GET
 * /v2/<name>/manifests/<reference>` answers both, where `resolve` (a `HEAD`) and then `fetch` (a `GET`) are
 * two round trips. A copy reads its root this way: the bytes are needed to copy it, and on a registry far away
 * (or on object storage, where each manifest request costs the registry 0.1 s) the `HEAD` was pure latency.
 * An optional capability beside `Target`, found by {@link isManifestResolver}.
 */
export interface ManifestResolver {
  /**
   * The manifest `reference` (a tag or digest) names and its exact bytes. The caller still checks the bytes
   * against the descriptor. Throws `NotFoundError` when absent, as `resolve` does.
   */
  resolveManifest(
    reference: string,
    options?: TargetCallOptions,
  ): Promise<{ descriptor: Descriptor; bytes: Uint8Array }>;
}

/** True when `source` can resolve and read a manifest in one step. */
export function isManifestResolver(source: unknown): source is ManifestResolver {
  return (
    typeof source === "object" &&
    source !== null &&
    typeof (source as Partial<ManifestResolver>).resolveManifest === "function"
  );
}
