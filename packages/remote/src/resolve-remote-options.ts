import {
  defaultManifestMaxBytes,
  InvalidReferenceError,
  isRepositoryName,
  UsageError,
} from "@stevedore/core";
import type { Transport } from "@stevedore/transport";
import type { RemoteContext, ResolvedRemoteOptions } from "./remote-context.js";

/** Options of `createRemote`. */
export interface RemoteOptions extends Partial<ResolvedRemoteOptions> {
  /** The HTTP client, with auth (`createTransport({ auth: createAuth(…) })`). Not closed by the remote. */
  transport: Transport;
  /** The registry as requests name it: `host[:port]` (`registry-1.docker.io`, `127.0.0.1:5000`). */
  registry: string;
  /** The repository path (`library/alpine`, `team/app`). */
  repository: string;
}

/**
 * Defaults of the upload and download tunables.
 *
 * `monolithicThreshold`: one `PUT` with the body is the cheapest upload for a registry on object storage,
 * and a cut loses the session on distribution whatever the flow; above the threshold one streamed `PATCH`
 * bounds what a cut costs on registries that keep a session's bytes. `chunkSize` applies to
 * `chunkedUploads` and to the fallback after a `413` on a streamed `PATCH` (docs/decisions/0018).
 */
export const defaultRemoteOptions: Readonly<ResolvedRemoteOptions> = Object.freeze({
  monolithicThreshold: 256 * 1024 * 1024,
  chunkedUploads: false,
  chunkSize: 16 * 1024 * 1024,
  resumeAttempts: 5,
  // distribution 2.8 answers `POST ?digest=` with 202 and drops the body (TOOLCHAIN.md): off by default.
  singlePostUpload: false,
  maxManifestBytes: defaultManifestMaxBytes,
  excludeReferrersTags: false,
});

/**
 * Internal: checks `options` once, applies the defaults and returns the context every endpoint function
 * works from. `UsageError` / `InvalidReferenceError`.
 */
export function resolveRemoteOptions(options: RemoteOptions): RemoteContext {
  if (typeof options !== "object" || options === null)
    throw new UsageError("createRemote() needs an options object");
  const { transport, registry, repository } = options;
  if (typeof transport !== "object" || transport === null || typeof transport.send !== "function") {
    throw new UsageError("createRemote() needs a transport (createTransport from @stevedore/transport)");
  }
  if (typeof registry !== "string" || registry === "") {
    throw new UsageError("createRemote() needs the registry as host[:port]");
  }
  // baseUrl checks host[:port] and picks http: for loopback and plain-HTTP hosts.
  const baseUrl = transport.baseUrl(registry);
  if (!isRepositoryName(repository)) {
    throw new InvalidReferenceError(
      String(repository),
      "a repository name is lower-case path components ([a-z0-9] joined by '.', '_', '__' or '-') separated by '/'",
    );
  }
  const resolved: ResolvedRemoteOptions = {
    monolithicThreshold: integer(options, "monolithicThreshold", 0),
    chunkedUploads: flag(options, "chunkedUploads"),
    chunkSize: integer(options, "chunkSize", 1),
    resumeAttempts: integer(options, "resumeAttempts", 0),
    singlePostUpload: flag(options, "singlePostUpload"),
    maxManifestBytes: positive(options),
    excludeReferrersTags: flag(options, "excludeReferrersTags"),
  };
  return Object.freeze({ transport, baseUrl, registry, repository, options: Object.freeze(resolved) });
}

function positive(options: RemoteOptions): number {
  const value = options.maxManifestBytes ?? defaultRemoteOptions.maxManifestBytes;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`maxManifestBytes must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function integer(
  options: RemoteOptions,
  name: "monolithicThreshold" | "chunkSize" | "resumeAttempts",
  minimum: number,
): number {
  const value = options[name] ?? defaultRemoteOptions[name];
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new UsageError(`${name} must be an integer of at least ${minimum}, got ${String(value)}`);
  }
  return value;
}

function flag(
  options: RemoteOptions,
  name: "singlePostUpload" | "excludeReferrersTags" | "chunkedUploads",
): boolean {
  const value = options[name] ?? defaultRemoteOptions[name];
  if (typeof value !== "boolean") throw new UsageError(`${name} must be a boolean, got ${typeof value}`);
  return value;
}
