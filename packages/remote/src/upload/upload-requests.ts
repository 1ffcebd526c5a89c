/**
 * The single HTTP steps of a blob upload (`spec/PROTOCOL.md` §4.1): open a session, send a chunk, close,
 * ask for the status, cancel. Each returns the newest upload `Location` — resolved against the URL that
 * answered, its query kept byte for byte (`resolveUploadUrl`) — and never builds a session URL itself
 * (§1). The state machine that strings them together is `upload-session.ts`.
 */
import type { Descriptor, Scope } from "@stevedore/core";
import { DigestMismatchError } from "@stevedore/core";
import { buildUrl, parseUploadRange, resolveUploadUrl, scopesFor } from "@stevedore/routing";
import type { TransportBody, TransportResponse } from "@stevedore/transport";
import type { RemoteContext } from "../remote-context.js";

/** An open upload session: where the next request goes and the smallest chunk the registry takes. */
export interface UploadSession {
  location: URL;
  /** `OCI-Chunk-Min-Length` of the response that opened the session; 0 when absent. */
  minChunkLength: number;
}

/** A request body with its length (sent as `Content-Length`; `undefined` goes out chunked). */
export interface UploadBody {
  body: TransportBody;
  length: number | undefined;
}

const octetStream = "application/octet-stream";

/** The token scopes of every upload request: pull and push on the repository (§11.4). */
export function uploadScopes(context: RemoteContext): Scope[] {
  return scopesFor("upload-start", { name: context.repository });
}

/**
 * `POST /v2/<name>/blobs/uploads/` with an empty body (end-4a): `202` and a session.
 *
 * An abort while the `POST` is in flight does not cut it at once: a registry that received it opens the
 * session whether or not anyone stays for the answer (distribution does), and a session whose `Location`
 * was never read cannot be cancelled. The `POST` gets up to {@link cancelTimeout} more to answer, and the
 * caller, seeing its signal aborted, cancels the session returned.
 */
export async function startUpload(
  context: RemoteContext,
  signal: AbortSignal | undefined,
): Promise<UploadSession> {
  const url = buildUrl(context.baseUrl, "upload-start", { name: context.repository });
  const lingering = lingerAfterAbort(signal);
  try {
    // Some registries refuse a POST without Content-Length (§4.1).
    const response = await context.transport.send({
      method: "POST",
      url,
      headers: { "content-length": "0" },
      scopes: uploadScopes(context),
      expect: [202],
      idempotent: false,
      ...(lingering ? { signal: lingering.signal } : {}),
    });
    await response.dump();
    return sessionOf(response);
  } finally {
    lingering?.dispose();
  }
}

/**
 * For a request that opens an upload session (a `POST`): a signal that aborts {@link cancelTimeout}
 * milliseconds after `signal` does (at once if it already has), so an abort in flight still learns the
 * session's `Location` and can cancel it. `dispose` once the request is answered.
 */
export function lingerAfterAbort(
  signal: AbortSignal | undefined,
): { signal: AbortSignal; dispose: () => void } | undefined {
  if (signal === undefined) return undefined;
  if (signal.aborted) return { signal, dispose: () => {} };
  const controller = new AbortController();
  let timer: AbortSignal | undefined;
  const expire = (): void => controller.abort(signal.reason);
  const onAbort = (): void => {
    // AbortSignal.timeout keeps no process alive: an interrupted CLI does not wait for it.
    timer = AbortSignal.timeout(cancelTimeout);
    timer.addEventListener("abort", expire, { once: true });
  };
  signal.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      signal.removeEventListener("abort", onAbort);
      timer?.removeEventListener("abort", expire);
    },
  };
}

/** What a single `POST ?digest=` led to: the blob is stored, or a session opened instead (§4.1 flow 2). */
export type SinglePostResult = { created: true } | { created: false; session: UploadSession };

/**
 * `POST /v2/<name>/blobs/uploads/?digest=` carrying the whole blob (end-4b). `201` means stored (and the
 * confirmed digest is checked); `202` opens a session, and the body may have been dropped (distribution
 * does), so the caller sends it again.
 */
export async function postSingle(
  context: RemoteContext,
  descriptor: Descriptor,
  body: UploadBody,
  signal: AbortSignal | undefined,
): Promise<SinglePostResult> {
  const url = buildUrl(context.baseUrl, "upload-single", {
    name: context.repository,
    digest: descriptor.digest,
  });
  const response = await context.transport.send({
    method: "POST",
    url,
    headers: bodyHeaders(body),
    body: body.body,
    scopes: uploadScopes(context),
    expect: [201, 202],
    idempotent: false,
    ...(signal ? { signal } : {}),
  });
  await response.dump();
  if (response.status === 202) return { created: false, session: sessionOf(response) };
  checkConfirmedDigest(context, response, descriptor);
  return { created: true };
}

/**
 * `PATCH <location>` (end-5): one chunk with `Content-Range: start-end` (inclusive) or, `streamed`, the
 * rest of the blob without one. Returns the next `Location` (the current one if the registry sent none).
 */
export async function patchChunk(
  context: RemoteContext,
  location: URL,
  body: UploadBody,
  start: number,
  streamed: boolean,
  signal: AbortSignal | undefined,
): Promise<URL> {
  const headers = bodyHeaders(streamed ? { ...body, length: undefined } : body);
  if (!streamed && body.length !== undefined)
    headers["content-range"] = `${start}-${start + body.length - 1}`;
  const response = await context.transport.send({
    method: "PATCH",
    url: location,
    headers,
    body: body.body,
    scopes: uploadScopes(context),
    expect: [202],
    idempotent: false,
    ...(signal ? { signal } : {}),
  });
  await response.dump();
  return nextLocation(response, location);
}

/**
 * `PUT <location>?digest=` (end-6), with the whole blob (monolithic) or an empty body (after chunks).
 * Checks the `Docker-Content-Digest` of the `201`.
 */
export async function putComplete(
  context: RemoteContext,
  location: URL,
  descriptor: Descriptor,
  body: UploadBody | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const url = resolveUploadUrl(location.href, location, { digest: descriptor.digest });
  const response = await context.transport.send({
    method: "PUT",
    url,
    headers: body === undefined ? { "content-length": "0" } : bodyHeaders(body),
    ...(body === undefined ? {} : { body: body.body }),
    scopes: uploadScopes(context),
    expect: [201],
    // A body cut part-way must not be sent again to the same URL: distribution 2.8 has then invalidated
    // the session (404 BLOB_UPLOAD_INVALID). The upload state machine opens a new one instead; statuses
    // (429, 5xx) are still retried by the transport, with its backoff.
    ...(body === undefined ? {} : { retryAfterCut: false }),
    ...(signal ? { signal } : {}),
  });
  await response.dump();
  checkConfirmedDigest(context, response, descriptor);
}

/** The registry's view of a session (end-13). */
export interface UploadStatus {
  location: URL;
  /** The `Range` header as sent, for `0-0` disambiguation by the caller. */
  range: string;
  /** The offset the next chunk starts at, as `parseUploadRange` reads `range`. */
  offset: number;
}

/** `GET <location>` (end-13): `204` with `Range: 0-<last byte>` and the newest `Location`. */
export async function getUploadStatus(
  context: RemoteContext,
  location: URL,
  signal: AbortSignal | undefined,
): Promise<UploadStatus> {
  const response = await context.transport.send({
    method: "GET",
    url: location,
    scopes: uploadScopes(context),
    expect: [204],
    ...(signal ? { signal } : {}),
  });
  await response.dump();
  const range = headerValue(response, "range");
  return { location: nextLocation(response, location), range: range ?? "", offset: parseUploadRange(range) };
}

/**
 * `DELETE <location>` (end-14), best effort: every failure is ignored (§4.1 "ignore any error") and the
 * request is not retried, so an abort is not held up by an unreachable registry.
 */
export async function cancelUpload(context: RemoteContext, location: URL): Promise<void> {
  try {
    const response = await context.transport.send({
      method: "DELETE",
      url: location,
      headers: { "content-length": "0" },
      scopes: uploadScopes(context),
      idempotent: false,
      timeouts: { headers: cancelTimeout, bodyIdle: cancelTimeout },
    });
    await response.dump();
  } catch {
    // The registry expires abandoned sessions on its own.
  }
}

const cancelTimeout = 10_000;

/** The first value of a response header. */
export function headerValue(response: TransportResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `DigestMismatchError` when a `201` confirms another digest than the one uploaded. */
export function checkConfirmedDigest(
  context: RemoteContext,
  response: TransportResponse,
  descriptor: Descriptor,
): void {
  const confirmed = headerValue(response, "docker-content-digest")?.trim();
  if (confirmed !== undefined && confirmed !== "" && confirmed !== descriptor.digest) {
    throw new DigestMismatchError(
      descriptor.digest,
      confirmed,
      `the blob uploaded to ${context.registry}/${context.repository}`,
    );
  }
}

/** A session from a `202` that opened one (POST, single POST, mount). */
export function sessionOf(response: TransportResponse): UploadSession {
  const location = resolveUploadUrl(headerValue(response, "location") as string, response.url);
  const declared = Number(headerValue(response, "oci-chunk-min-length")?.trim());
  // An unreadable minimum is ignored rather than fatal: chunks are still sent, just possibly too small.
  const minChunkLength = Number.isSafeInteger(declared) && declared > 0 ? declared : 0;
  return { location, minChunkLength };
}

function nextLocation(response: TransportResponse, current: URL): URL {
  const location = headerValue(response, "location");
  return location === undefined ? current : resolveUploadUrl(location, response.url);
}

function bodyHeaders(body: UploadBody): Record<string, string> {
  const headers: Record<string, string> = { "content-type": octetStream };
  if (body.length !== undefined) headers["content-length"] = String(body.length);
  return headers;
}
