/**
 * Internal: what every route handler receives.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Hasher, Scope } from "@stevedore/core";
import type { RouteParams } from "@stevedore/routing";
import type { BodyFault } from "./http-helpers.js";
import type { RegistryStorage, UploadSink } from "./registry-storage.js";

/** One upload session of `spec/PROTOCOL.md` §4.2. */
export interface UploadSession {
  id: string;
  repository: string;
  /** The algorithm hashed while bytes arrive (sha256 unless `digest-algorithm` asked otherwise). */
  algorithm: string;
  hasher: Hasher;
  sink: UploadSink;
  /** True while a request is writing to the session; a second writer gets 416. */
  busy: boolean;
  /** When a request last touched the session (the server's clock); idle sessions expire. */
  lastActive: number;
}

/** A manifest's entry in referrers answers (§7.1), or `null` when it has no subject. */
export interface ReferrerEntry {
  subject: string;
  descriptor: {
    mediaType: string;
    digest: string;
    size: number;
    artifactType?: string;
    annotations?: Record<string, string>;
  };
}

/** The server's state shared by every request. */
export interface RegistryState {
  storage: RegistryStorage;
  sessions: Map<string, UploadSession>;
  /** Parsed referrer facts by manifest digest; content-addressed, so valid in every repository. */
  referrers: Map<string, ReferrerEntry | null>;
  anonymousMounts: boolean;
  chunkMinLength: number | undefined;
  maxManifestBytes: number;
  /** Most descriptors per referrers page; `undefined`: one page. */
  referrersPageSize: number | undefined;
  /** Milliseconds after which an upload session nobody touched expires. */
  uploadIdleTimeout: number;
  /** Most upload sessions open at once; a new one past it gets 429. */
  maxUploadSessions: number;
  /** Sessions whose storage is being opened (counted against `maxUploadSessions`). */
  openingSessions: number;
  /** The server's clock, in milliseconds. */
  now: () => number;
}

/** One request on a matched route. */
export interface RouteContext {
  request: IncomingMessage;
  response: ServerResponse;
  params: RouteParams;
  query: URLSearchParams;
  state: RegistryState;
  fault: BodyFault;
  /** Whether the caller's credentials cover `scope` (always true without auth). */
  canAccess: (scope: Scope) => boolean;
}
