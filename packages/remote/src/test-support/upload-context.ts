/**
 * A `RemoteContext` for tests against an in-process registry, with a recording `AuthStrategy` that
 * never authenticates but remembers the scopes each request asked for. Tests only.
 */
import { randomBytes } from "node:crypto";
import type { AuthStrategy, Descriptor, Scope } from "@stevedore/core";
import { defaultManifestMaxBytes, digestOf } from "@stevedore/core";
import { createTransport, type Transport } from "@stevedore/transport";
import type { RemoteContext, ResolvedRemoteOptions } from "../remote-context.js";

/**
 * `createRemote`'s defaults made small enough for fast tests — and chunked, so that the recovery tests see
 * several `PATCH`es; tests of the default streamed flow set `chunkedUploads: false`.
 */
export const testOptions: ResolvedRemoteOptions = {
  monolithicThreshold: 64 * 1024,
  chunkedUploads: true,
  chunkSize: 64 * 1024,
  resumeAttempts: 3,
  singlePostUpload: false,
  maxManifestBytes: defaultManifestMaxBytes,
  excludeReferrersTags: false,
};

/** Scopes seen by the recording strategy, one entry per `authorize` call. */
export interface ScopeLog {
  calls: { method: string; url: string; scopes: readonly Scope[] }[];
}

/** A context for `repository` on the registry at `host`; `close()` closes its transport. */
export function uploadContext(
  host: string,
  repository: string,
  options: Partial<ResolvedRemoteOptions> = {},
): RemoteContext & { log: ScopeLog; close(): Promise<void> } {
  const log: ScopeLog = { calls: [] };
  const auth: AuthStrategy = {
    authorize: async (request) => {
      log.calls.push({ method: request.method, url: request.url.href, scopes: request.scopes });
      return undefined;
    },
    challenge: async () => false,
  };
  const transport: Transport = createTransport({ auth, clock: { sleep: async () => {} } });
  return {
    transport,
    baseUrl: transport.baseUrl(host),
    registry: host,
    repository,
    options: { ...testOptions, ...options },
    log,
    close: () => transport.close(),
  };
}

/** Random bytes and their descriptor. */
export function randomBlob(size: number): { bytes: Uint8Array; descriptor: Descriptor } {
  const bytes = new Uint8Array(randomBytes(size));
  return {
    bytes,
    descriptor: { mediaType: "application/octet-stream", digest: digestOf(bytes), size },
  };
}
