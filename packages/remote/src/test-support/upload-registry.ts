/**
 * An in-process registry on 127.0.0.1 that implements the upload endpoints the way the spec says
 * (`spec/PROTOCOL.md` §4.2) — unlike distribution 2.8, which drops single-POST bodies and loses the
 * session on an out-of-order chunk — plus blob GET and manifest GET/PUT (with `ETag` / `If-Match`).
 * Faults are switched on per test. Tests only.
 *
 * - Every `202`/`204`/`416` hands out a new `Location` (a fresh `_state=` query; relative and absolute in
 *   turn), and a `PATCH` or `PUT` on anything but the newest one is refused (`400 BLOB_UPLOAD_INVALID`),
 *   so a client that does not follow the newest `Location` fails.
 * - `PATCH` with `Content-Range` not starting at the session's offset: `416`, session kept.
 * - `GET` on a session: `204` with `Range: 0-<last byte>` (`0-0` when empty, as distribution does).
 * - Faults: `cutPatch` (close the connection after N bytes of the n-th `PATCH`, keeping what arrived),
 *   `forgetSessionAtPatch` / `forgetSessionAtPut` (the n-th `PATCH` / closing `PUT` answers `404`, the
 *   session is gone), `rewindBeforePatch` (the registry loses the last N bytes before the n-th `PATCH`,
 *   which is then out of order: `416`), `wrongDigestHeader` (every `201` confirms another digest),
 *   `beforeManifestPut` (runs before a manifest `PUT` is checked: a concurrent writer),
 *   `maxBodyBytes` (a request body larger than this, or a `PATCH` of unknown length, is refused with `413`,
 *   as a proxy's body limit does).
 */
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { matchRoute } from "@stevedore/routing";

/** One request as the registry saw it, and what it answered. */
export interface RecordedRequest {
  method: string;
  /** The request target (`/v2/…?…`). */
  target: string;
  headers: IncomingHttpHeaders;
  /** Body bytes received. */
  bodyLength: number;
  /** `0` when the connection was cut instead of answered. */
  status: number;
  /** The `Location` of the answer, as sent. */
  location?: string;
}

/** Switchable misbehaviour; counts are 1-based over every `PATCH` (or closing `PUT`) received. */
export interface UploadFaults {
  cutPatch?: { nth: number; afterBytes: number };
  forgetSessionAtPatch?: number;
  forgetSessionAtPut?: number;
  rewindBeforePatch?: { nth: number; bytes: number };
  wrongDigestHeader?: boolean;
  maxBodyBytes?: number;
  beforeManifestPut?: (repository: string, reference: string) => void;
  /** Called after a manifest PUT was stored (another writer can then write over it). */
  afterManifestPut?: (repository: string, reference: string) => void;
}

/** Options of {@link startUploadRegistry}. */
export interface UploadRegistryOptions {
  /** Sent as `OCI-Chunk-Min-Length` when a session opens. */
  chunkMinLength?: number;
  /** Answer `POST ?digest=` with `201` (default: `202` and the body dropped, as distribution does). */
  singlePost?: boolean;
  /** Called when a request's headers arrive, before its body is read. */
  onRequest?: (method: string, target: string) => void;
  /** Send no `ETag` on manifests (distribution's If-Match is ignored anyway): writers cannot use If-Match. */
  noEtag?: boolean;
}

/** A running upload registry. */
export interface UploadRegistry {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly requests: RecordedRequest[];
  readonly faults: UploadFaults;
  /** The stored bytes of a blob, if present. */
  blob(repository: string, digest: string): Uint8Array | undefined;
  /** Stores a blob directly (seeding mount sources); returns its digest. */
  putBlob(repository: string, bytes: Uint8Array): string;
  /** The stored manifest under a tag or digest. */
  manifest(repository: string, reference: string): StoredManifest | undefined;
  /** Stores a manifest directly under `reference` and its digest; returns the digest. */
  putManifest(repository: string, reference: string, bytes: Uint8Array, mediaType: string): string;
  /** Upload sessions still open. */
  openSessions(): number;
  close(): Promise<void>;
}

/** A manifest as stored. */
export interface StoredManifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

interface Session {
  id: string;
  repository: string;
  chunks: Buffer[];
  size: number;
  state: string;
}

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** Starts an upload registry on a free loopback port. */
export async function startUploadRegistry(options: UploadRegistryOptions = {}): Promise<UploadRegistry> {
  const blobs = new Map<string, Uint8Array>();
  const manifests = new Map<string, StoredManifest>();
  const sessions = new Map<string, Session>();
  const requests: RecordedRequest[] = [];
  const faults: UploadFaults = {};
  let patches = 0;
  let puts = 0;
  let locations = 0;
  let origin = "";

  const issueLocation = (session: Session): string => {
    session.state = randomUUID().slice(0, 8);
    locations += 1;
    const path = `/v2/${session.repository}/blobs/uploads/${session.id}?_state=${session.state}`;
    return locations % 2 === 0 ? `${origin}${path}` : path;
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? "GET";
    const target = request.url ?? "/";
    options.onRequest?.(method, target);
    const record: RecordedRequest = { method, target, headers: request.headers, bodyLength: 0, status: 0 };
    requests.push(record);
    const url = new URL(target, origin);
    const match = matchRoute(method, url);
    const send = (status: number, headers: Record<string, string> = {}, body?: Uint8Array | string): void => {
      record.status = status;
      if (headers.location !== undefined) record.location = headers.location;
      const bytes = body === undefined ? undefined : Buffer.from(body);
      response.writeHead(status, { "content-length": String(bytes?.length ?? 0), ...headers });
      response.end(bytes);
    };
    const fail = (
      status: number,
      code: string,
      message: string,
      headers: Record<string, string> = {},
    ): void => {
      const body = JSON.stringify({ errors: [{ code, message }] });
      send(status, { ...headers, "content-type": "application/json" }, body);
    };
    const tooLarge = (): void =>
      send(413, { "content-type": "text/html" }, "<html>413 Request Entity Too Large</html>");
    const sessionFailure = (problem: "gone" | "stale"): void =>
      problem === "gone"
        ? fail(404, "BLOB_UPLOAD_UNKNOWN", "unknown upload")
        : fail(400, "BLOB_UPLOAD_INVALID", "not the newest Location of this upload");

    if (method === "PATCH") {
      patches += 1;
      const nth = patches;
      const session = sessions.get(String(match?.params.session));
      const rewind = faults.rewindBeforePatch;
      if (rewind?.nth === nth && session !== undefined) truncate(session, session.size - rewind.bytes);
      if (faults.cutPatch?.nth === nth && session !== undefined) {
        return cutAfter(request, faults.cutPatch.afterBytes, (bytes) => append(session, bytes), record);
      }
      const body = await readBody(request, record);
      const declared = request.headers["content-length"];
      if (
        faults.maxBodyBytes !== undefined &&
        (declared === undefined || Number(declared) > faults.maxBodyBytes)
      ) {
        return tooLarge();
      }
      if (faults.forgetSessionAtPatch === nth) {
        sessions.delete(String(match?.params.session));
        return fail(404, "BLOB_UPLOAD_UNKNOWN", "upload session expired");
      }
      const current = currentSession(url, match?.params.session);
      if (typeof current === "string") return sessionFailure(current);
      const hasRange = request.headers["content-range"] !== undefined;
      if (hasRange && !inOrder(current, request.headers, body)) return outOfOrder(current);
      append(current, body);
      return send(202, progressHeaders(current));
    }
    const body = await readBody(request, record);
    if (faults.maxBodyBytes !== undefined && body.length > faults.maxBodyBytes) return tooLarge();
    if (match === undefined) return fail(404, "NOT_FOUND", "no such route");
    const { params } = match;
    const repository = String(params.name);
    switch (match.route.name) {
      case "ping":
        return send(200, { "content-type": "application/json" }, "{}");
      case "upload-start":
        return open(repository);
      case "upload-single":
        // Without `singlePost` the body is dropped and a session opened, as distribution does.
        return options.singlePost ? commit(repository, String(params.digest), body) : open(repository);
      case "upload-mount": {
        const digest = String(params.mount);
        const source = blobs.get(`${params.from}@${digest}`);
        if (source === undefined) return open(repository);
        blobs.set(`${repository}@${digest}`, source);
        return created(repository, digest);
      }
      case "upload-status": {
        const session = sessions.get(String(params.session));
        if (session === undefined) return sessionFailure("gone");
        return send(204, progressHeaders(session));
      }
      case "upload-cancel":
        return sessions.delete(String(params.session)) ? send(204) : sessionFailure("gone");
      case "upload-complete": {
        puts += 1;
        if (faults.forgetSessionAtPut === puts) {
          sessions.delete(String(params.session));
          return fail(404, "BLOB_UPLOAD_UNKNOWN", "upload session expired");
        }
        const session = currentSession(url, params.session);
        if (typeof session === "string") return sessionFailure(session);
        const hasRange = request.headers["content-range"] !== undefined;
        if (hasRange && !inOrder(session, request.headers, body)) return outOfOrder(session);
        append(session, body);
        sessions.delete(session.id);
        return commit(repository, url.searchParams.get("digest") ?? "", Buffer.concat(session.chunks));
      }
      case "blob-get":
      case "blob-head": {
        const bytes = blobs.get(`${repository}@${params.digest}`);
        if (bytes === undefined) return fail(404, "BLOB_UNKNOWN", "blob unknown");
        const headers = { "docker-content-digest": String(params.digest) };
        return send(200, headers, method === "GET" ? bytes : undefined);
      }
      case "manifest-get":
      case "manifest-head": {
        const stored = manifests.get(`${repository}:${params.reference}`);
        if (stored === undefined) return fail(404, "MANIFEST_UNKNOWN", "manifest unknown");
        const headers = {
          "content-type": stored.mediaType,
          ...(options.noEtag === true ? {} : { etag: `"${stored.digest}"` }),
          "docker-content-digest": stored.digest,
        };
        return send(200, headers, method === "GET" ? stored.bytes : undefined);
      }
      case "manifest-put": {
        const reference = String(params.reference);
        faults.beforeManifestPut?.(repository, reference);
        const ifMatch = request.headers["if-match"];
        const stored = manifests.get(`${repository}:${reference}`);
        if (ifMatch !== undefined && (stored === undefined || ifMatch !== `"${stored.digest}"`)) {
          return fail(412, "PRECONDITION_FAILED", "the manifest changed");
        }
        const digest = store(repository, reference, body, String(request.headers["content-type"]));
        faults.afterManifestPut?.(repository, reference);
        return send(201, {
          location: `/v2/${repository}/manifests/${digest}`,
          "docker-content-digest": digest,
        });
      }
      default:
        return fail(405, "UNSUPPORTED", "not scripted");
    }

    function open(name: string): void {
      const session: Session = { id: randomUUID(), repository: name, chunks: [], size: 0, state: "" };
      sessions.set(session.id, session);
      const headers: Record<string, string> = {
        location: issueLocation(session),
        range: "0-0",
        "docker-upload-uuid": session.id,
      };
      if (options.chunkMinLength !== undefined)
        headers["oci-chunk-min-length"] = String(options.chunkMinLength);
      send(202, headers);
    }

    function commit(name: string, digest: string, bytes: Uint8Array): void {
      if (sha256(bytes) !== digest) {
        fail(400, "DIGEST_INVALID", "digest does not match the content");
        return;
      }
      blobs.set(`${name}@${digest}`, new Uint8Array(bytes));
      created(name, digest);
    }

    function created(name: string, digest: string): void {
      const confirmed = faults.wrongDigestHeader ? sha256(Buffer.from("something else")) : digest;
      send(201, { location: `/v2/${name}/blobs/${digest}`, "docker-content-digest": confirmed });
    }

    function outOfOrder(session: Session): void {
      fail(416, "RANGE_INVALID", "chunk out of order", progressHeaders(session));
    }

    function progressHeaders(session: Session): Record<string, string> {
      return {
        location: issueLocation(session),
        range: `0-${Math.max(0, session.size - 1)}`,
        "docker-upload-uuid": session.id,
      };
    }
  }

  /** The session of a PATCH/PUT, which must come on the newest Location. */
  function currentSession(url: URL, id: unknown): Session | "gone" | "stale" {
    const session = sessions.get(String(id));
    if (session === undefined) return "gone";
    return url.searchParams.get("_state") === session.state ? session : "stale";
  }

  function store(repository: string, reference: string, bytes: Uint8Array, mediaType: string): string {
    const digest = sha256(bytes);
    const stored = { bytes: new Uint8Array(bytes), mediaType, digest };
    manifests.set(`${repository}:${reference}`, stored);
    manifests.set(`${repository}:${digest}`, stored);
    return digest;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    host: `127.0.0.1:${port}`,
    requests,
    faults,
    blob: (repository, digest) => blobs.get(`${repository}@${digest}`),
    putBlob(repository, bytes) {
      const digest = sha256(bytes);
      blobs.set(`${repository}@${digest}`, new Uint8Array(bytes));
      return digest;
    },
    manifest: (repository, reference) => manifests.get(`${repository}:${reference}`),
    putManifest: store,
    openSessions: () => sessions.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function inOrder(session: Session, headers: IncomingHttpHeaders, chunk: Buffer): boolean {
  const match = /^(\d+)-(\d+)$/.exec(String(headers["content-range"] ?? ""));
  if (match === null) return false;
  return Number(match[1]) === session.size && Number(match[2]) - Number(match[1]) + 1 === chunk.length;
}

function append(session: Session, bytes: Buffer): void {
  if (bytes.length === 0) return;
  session.chunks.push(bytes);
  session.size += bytes.length;
}

function truncate(session: Session, size: number): void {
  const kept = Buffer.concat(session.chunks).subarray(0, Math.max(0, size));
  session.chunks = [Buffer.from(kept)];
  session.size = kept.length;
}

async function readBody(request: IncomingMessage, record: RecordedRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
    record.bodyLength += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks);
}

/** Keeps the first `limit` bytes of the body, then closes the connection without an answer. */
function cutAfter(
  request: IncomingMessage,
  limit: number,
  keep: (bytes: Buffer) => void,
  record: RecordedRequest,
): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const stop = (): void => {
      request.removeAllListeners("data");
      request.socket.destroy();
      resolve();
    };
    request.on("data", (chunk: Buffer) => {
      const piece = chunk.subarray(0, Math.max(0, limit - received));
      received += piece.length;
      record.bodyLength = received;
      keep(Buffer.from(piece));
      if (received >= limit) stop();
    });
    request.on("end", stop);
    request.on("error", () => resolve());
  });
}
