import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  InvalidReferenceError,
  isRepositoryName,
  type Scope,
  StevedoreError,
  UsageError,
} from "@stevedore/core";
import { matchRoute, type RouteMatch, type RouteMethod, type RouteName, scopesFor } from "@stevedore/routing";
import { deleteBlob, getBlob } from "./blob-routes.js";
import { createAuthorizer, type ServerAuthOptions } from "./create-authorizer.js";
import { createDirectoryStorage } from "./create-directory-storage.js";
import { createFaults, type Faults } from "./create-faults.js";
import { createMemoryStorage } from "./create-memory-storage.js";
import { type BodyFault, drain, sendError, sendJson } from "./http-helpers.js";
import { listCatalog, listReferrers, listTags } from "./listing-routes.js";
import { deleteManifest, getManifest, putManifest } from "./manifest-routes.js";
import { RegistryApiError } from "./registry-api-error.js";
import type { RegistryStorage } from "./registry-storage.js";
import type { RegistryState, RouteContext } from "./route-context.js";
import {
  cancelUpload,
  completeUpload,
  expireSessions,
  mountUpload,
  patchUpload,
  singlePostUpload,
  startUpload,
  uploadStatus,
} from "./upload-routes.js";

/** Options of {@link createRegistryServer}. */
export interface RegistryServerOptions {
  /** `"memory"` (default), a directory that survives restarts, or your own {@link RegistryStorage}. */
  storage?: "memory" | { directory: string } | RegistryStorage;
  /** Default `{ type: "none" }`. */
  auth?: ServerAuthOptions;
  /** Mount a blob from any repository holding it when `from` does not (`spec/PROTOCOL.md` §4.1 item 5). Default false. */
  anonymousMounts?: boolean;
  /** Sent as `OCI-Chunk-Min-Length` on upload POSTs (advisory). */
  chunkMinLength?: number;
  /** Largest manifest accepted, in bytes; larger PUTs get 413. Default 32 MiB (the spec asks for at least 4 MB). */
  maxManifestBytes?: number;
  /**
   * Most descriptors in one referrers answer; more are linked with `Link: <…>; rel="next"`
   * (`spec/PROTOCOL.md` §7.1), as registries do when the list would not fit one response. Default: all in one.
   */
  referrersPageSize?: number;
  /** One line per request (`GET /v2/a/manifests/latest 200`); never carries credentials. */
  log?: (line: string) => void;
  /** Clock for token and upload session expiry, in milliseconds. Default `Date.now`. */
  now?: () => number;
  /**
   * Milliseconds after which an upload session no request touched expires, with its bytes. Default 15
   * minutes (distribution purges uploads a week old, on disk; here they may be in memory, and a client
   * that paused that long has timed out). A request writing to a session keeps it alive.
   */
  uploadIdleTimeout?: number;
  /**
   * Most upload sessions open at once (across clients). Past it, a new upload gets
   * `429 TOOMANYREQUESTS` with `Retry-After` until a session finishes, is cancelled or expires. Default 256
   * (a client pushes a handful of blobs at once).
   */
  maxUploadSessions?: number;
}

/** Where a listening server can be reached. */
export interface ListeningAddress {
  /** `http://127.0.0.1:PORT` (IPv6 hosts in brackets). */
  url: string;
  host: string;
  port: number;
}

/** An embedded registry. */
export interface RegistryServer {
  /** A `node:http` request listener, to mount the registry in a server of your own. */
  readonly handler: RequestListener;
  /** Fault rules applied before a request is handled. */
  readonly faults: Faults;
  /** Starts listening (port 0 picks a free port; default host 127.0.0.1). */
  listen(port?: number, host?: string): Promise<ListeningAddress>;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const defaultMaxManifestBytes = 32 * 1024 * 1024;
const defaultUploadIdleTimeout = 15 * 60 * 1000;
const defaultMaxUploadSessions = 256;
const methods: readonly RouteMethod[] = ["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"];

const handlers: Record<RouteName, (context: RouteContext) => Promise<void>> = {
  ping: async (context) => {
    drain(context.request);
    await sendJson(context.response, 200, {});
  },
  catalog: listCatalog,
  "manifest-get": getManifest,
  "manifest-head": getManifest,
  "manifest-put": putManifest,
  "manifest-delete": deleteManifest,
  "blob-get": getBlob,
  "blob-head": getBlob,
  "blob-delete": deleteBlob,
  "upload-start": startUpload,
  "upload-single": singlePostUpload,
  "upload-mount": mountUpload,
  "upload-chunk": patchUpload,
  "upload-complete": completeUpload,
  "upload-status": uploadStatus,
  "upload-cancel": cancelUpload,
  "tags-list": listTags,
  referrers: listReferrers,
};

/**
 * Creates an embedded OCI registry (`spec/PROTOCOL.md` §3–§9, §16.3): every endpoint and upload flow,
 * mounts, referrers with filtering, tag and catalog pagination, immediate deletes, memory or directory
 * storage, Basic or token auth, and fault injection for tests.
 *
 * @example
 * ```ts
 * const server = createRegistryServer({ storage: { directory: "/tmp/registry" } });
 * const { url } = await server.listen();          // http://127.0.0.1:PORT
 * server.faults.add({ route: "blob-get", times: 1, action: { type: "status", status: 503 } });
 * await server.close();
 * ```
 */
export function createRegistryServer(options: RegistryServerOptions = {}): RegistryServer {
  const maxManifestBytes = options.maxManifestBytes ?? defaultMaxManifestBytes;
  if (!Number.isSafeInteger(maxManifestBytes) || maxManifestBytes < 1) {
    throw new UsageError("maxManifestBytes must be a positive integer");
  }
  const chunkMinLength = options.chunkMinLength;
  if (chunkMinLength !== undefined && (!Number.isSafeInteger(chunkMinLength) || chunkMinLength < 1)) {
    throw new UsageError("chunkMinLength must be a positive integer");
  }
  const referrersPageSize = options.referrersPageSize;
  if (
    referrersPageSize !== undefined &&
    (!Number.isSafeInteger(referrersPageSize) || referrersPageSize < 1)
  ) {
    throw new UsageError("referrersPageSize must be a positive integer");
  }
  const uploadIdleTimeout = options.uploadIdleTimeout ?? defaultUploadIdleTimeout;
  if (!Number.isSafeInteger(uploadIdleTimeout) || uploadIdleTimeout < 1) {
    throw new UsageError("uploadIdleTimeout must be a positive integer of milliseconds");
  }
  const maxUploadSessions = options.maxUploadSessions ?? defaultMaxUploadSessions;
  if (!Number.isSafeInteger(maxUploadSessions) || maxUploadSessions < 1) {
    throw new UsageError("maxUploadSessions must be a positive integer");
  }
  const now = options.now ?? Date.now;
  const state: RegistryState = {
    storage: resolveStorage(options.storage),
    sessions: new Map(),
    referrers: new Map(),
    anonymousMounts: options.anonymousMounts ?? false,
    chunkMinLength,
    maxManifestBytes,
    referrersPageSize,
    uploadIdleTimeout,
    maxUploadSessions,
    openingSessions: 0,
    now,
  };
  const authorizer = createAuthorizer(options.auth ?? { type: "none" }, now);
  let expiryTimer: ReturnType<typeof setInterval> | undefined;
  const faults = createFaults();
  const log = options.log;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? "GET";
    const target = request.url ?? "/";
    const match = matchRoute(method, target);
    const fault: BodyFault = {};
    for (const action of faults.take({ method, target, route: match?.route.name })) {
      if (action.type === "delay") await sleep(action.milliseconds);
      else if (action.type === "cut") fault.cutAfterBytes = action.afterBytes;
      else if (action.type === "corrupt") fault.corruptOffset = action.offset;
      else {
        drain(request);
        const code =
          action.status === 429 ? "TOOMANYREQUESTS" : action.status === 503 ? "UNAVAILABLE" : "UNKNOWN";
        const headers: Record<string, string> =
          action.retryAfter === undefined ? {} : { "Retry-After": String(action.retryAfter) };
        throw new RegistryApiError(action.status, code, `injected fault: ${action.status}`, headers);
      }
    }
    const pathname = target.split("?", 1)[0] ?? "";
    if (await authorizer.handleToken(request, response, pathname)) return;
    if (match === undefined) throw unmatched(method, target, pathname);
    const context: RouteContext = {
      request,
      response,
      params: match.params,
      query: new URL(target, "http://localhost").searchParams,
      state,
      fault,
      canAccess: authorizeRequest(match, request),
    };
    await handlers[match.route.name](context);
  };

  const authorizeRequest = (match: RouteMatch, request: IncomingMessage): ((scope: Scope) => boolean) => {
    const from = match.params.from;
    if (match.route.name === "upload-mount" && from !== undefined && !isRepositoryName(from)) {
      // A client error, not the server's: 500 would be retried (issue 13, point 12).
      throw new RegistryApiError(400, "NAME_INVALID", `invalid repository name in from=: ${clipName(from)}`);
    }
    const scopes = scopesFor(match.route.name, match.params);
    // A mount without pull access on `from` falls back to an upload (202), so only the first scope is required.
    const required = match.route.name === "upload-mount" ? scopes.slice(0, 1) : scopes;
    return authorizer.authorize(request, required, scopes);
  };

  const handler: RequestListener = (request, response) => {
    handle(request, response)
      .catch(async (error: unknown) => {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        drain(request);
        const apiError = RegistryApiError.isInstance(error)
          ? error
          : InvalidReferenceError.isInstance(error)
            ? new RegistryApiError(400, "NAME_INVALID", error.message)
            : new RegistryApiError(
                500,
                "UNKNOWN",
                StevedoreError.isInstance(error) ? error.message : "internal server error",
              );
        await sendError(response, apiError);
      })
      .catch(() => response.destroy())
      .finally(() =>
        log?.(`${request.method} ${(request.url ?? "/").split("?", 1)[0]} ${response.statusCode}`),
      );
  };

  const server = createServer(handler);
  return {
    handler,
    faults,
    async listen(port = 0, host = "127.0.0.1") {
      await state.storage.sweep?.();
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      // Idle sessions also expire while no upload starts; the timer never keeps the process alive.
      expiryTimer ??= setInterval(
        () => void expireSessions(state),
        Math.min(uploadIdleTimeout, 60_000),
      ).unref();
      const address = server.address() as AddressInfo;
      const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return { url: `http://${shown}:${address.port}`, host: address.address, port: address.port };
    },
    async close() {
      clearInterval(expiryTimer);
      expiryTimer = undefined;
      if (!server.listening) return;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const session of state.sessions.values()) await session.sink.discard().catch(() => undefined);
      state.sessions.clear();
    },
  };
}

function resolveStorage(storage: RegistryServerOptions["storage"]): RegistryStorage {
  if (storage === undefined || storage === "memory") return createMemoryStorage();
  if (typeof storage === "object" && storage !== null && "directory" in storage) {
    if (typeof storage.directory !== "string" || storage.directory === "") {
      throw new UsageError("storage.directory must be a non-empty path");
    }
    return createDirectoryStorage(storage.directory);
  }
  if (typeof storage === "object" && storage !== null && typeof storage.blobSize === "function")
    return storage;
  throw new UsageError('storage must be "memory", { directory } or a RegistryStorage');
}

/** 405 when the path is an endpoint with another method, else a 404 with the closest §9.2 code. */
function unmatched(method: string, target: string, pathname: string): RegistryApiError {
  if (methods.some((other) => other !== method && matchRoute(other, target) !== undefined)) {
    return new RegistryApiError(
      405,
      "UNSUPPORTED",
      `${method} is not supported on ${pathname.slice(0, 200)}`,
    );
  }
  const code = pathname.includes("/manifests/")
    ? "MANIFEST_UNKNOWN"
    : pathname.includes("/blobs/uploads/")
      ? "BLOB_UPLOAD_UNKNOWN"
      : pathname.includes("/blobs/")
        ? "BLOB_UNKNOWN"
        : "NAME_UNKNOWN";
  return new RegistryApiError(404, code, `no such endpoint or name: ${pathname.slice(0, 200)}`);
}

function clipName(name: string): string {
  return JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}…` : name);
}
