/**
 * Internal: the server side of the blob upload state machine, row by row from `spec/PROTOCOL.md` §4.2 —
 * sessions, single POST, mounts, chunked and streamed PATCH, the closing PUT, status and cancel.
 */
import { randomUUID } from "node:crypto";
import {
  createHasher,
  type Digest,
  digestAlgorithm,
  isDigest,
  isRepositoryName,
  supportedDigestAlgorithms,
} from "@stevedore/core";
import { checkDigest } from "./blob-routes.js";
import { drain, header, send } from "./http-helpers.js";
import { RegistryApiError } from "./registry-api-error.js";
import type { UploadSink } from "./registry-storage.js";
import type { RegistryState, RouteContext, UploadSession } from "./route-context.js";

/** POST `uploads/`: a new session, 202 (§4.2 row 1). */
export async function startUpload(context: RouteContext): Promise<void> {
  drain(context.request);
  const algorithm = context.query.get("digest-algorithm") ?? "sha256";
  if (!supportedDigestAlgorithms.includes(algorithm)) {
    throw new RegistryApiError(
      400,
      "DIGEST_INVALID",
      `digest algorithm ${JSON.stringify(algorithm.slice(0, 40))} is not supported`,
    );
  }
  const session = await openSession(context, algorithm);
  await send(context.response, 202, {
    ...sessionHeaders(session),
    "Content-Length": 0,
    ...(context.state.chunkMinLength === undefined
      ? {}
      : { "OCI-Chunk-Min-Length": context.state.chunkMinLength }),
  });
}

/** POST `uploads/?digest=D` with the whole body: 201 when it hashes to D (§4.2 row 2). */
export async function singlePostUpload(context: RouteContext): Promise<void> {
  const digest = context.params.digest;
  if (!isDigest(digest) || !supportedDigestAlgorithms.includes(digestAlgorithm(digest))) {
    drain(context.request);
    throw new RegistryApiError(
      400,
      "DIGEST_INVALID",
      `cannot verify digest ${JSON.stringify(String(digest).slice(0, 80))}`,
    );
  }
  const session = await openSession(context, digestAlgorithm(digest));
  await receive(context, session, undefined);
  await complete(context, session, digest);
}

/** POST `uploads/?mount=D[&from=R]`: 201 when mounted, else a new session with 202 (§4.2 row 3). */
export async function mountUpload(context: RouteContext): Promise<void> {
  const { storage, anonymousMounts } = context.state;
  const name = context.params.name ?? "";
  const digest = context.params.mount;
  const from = context.params.from;
  let mounted = false;
  if (isDigest(digest)) {
    if (from !== undefined && isRepositoryName(from)) {
      const readable = context.canAccess({ type: "repository", name: from, actions: ["pull"] });
      mounted = readable && (await storage.hasBlobLink(from, digest));
    }
    if (!mounted && anonymousMounts) mounted = (await storage.blobSize(digest)) !== undefined;
  }
  if (!mounted || digest === undefined) {
    await startUpload(context);
    return;
  }
  drain(context.request);
  await storage.linkBlob(name, digest);
  await send(context.response, 201, {
    Location: `/v2/${name}/blobs/${digest}`,
    "Docker-Content-Digest": digest,
    "Content-Length": 0,
  });
}

/** PATCH on a session: a chunk with `Content-Range`, or a streamed body without (§4.2 rows 4–6). */
export async function patchUpload(context: RouteContext): Promise<void> {
  const session = findSession(context);
  await receive(context, session, header(context.request, "content-range"));
  await send(context.response, 202, { ...sessionHeaders(session), "Content-Length": 0 });
}

/** PUT on a session with `?digest=`: an optional last chunk, then commit when the digest matches (§4.2 rows 7–9). */
export async function completeUpload(context: RouteContext): Promise<void> {
  const session = findSession(context);
  await receive(context, session, header(context.request, "content-range"));
  const digest = context.params.digest;
  if (digest === undefined || !isDigest(digest)) {
    await dropSession(context, session);
    throw new RegistryApiError(
      400,
      "DIGEST_INVALID",
      "the closing PUT needs ?digest=<digest of the whole blob>",
    );
  }
  await complete(context, session, digest);
}

/** GET on a session: 204 with the progress; extra query parameters are ignored (§4.2 row 10). */
export async function uploadStatus(context: RouteContext): Promise<void> {
  const session = findSession(context);
  await send(context.response, 204, sessionHeaders(session));
}

/** DELETE on a session: 204, and the session is gone (§4.2 row 11). */
export async function cancelUpload(context: RouteContext): Promise<void> {
  drain(context.request);
  const session = findSession(context);
  await dropSession(context, session);
  await send(context.response, 204, {});
}

async function openSession(context: RouteContext, algorithm: string): Promise<UploadSession> {
  const { state } = context;
  await expireSessions(state);
  if (state.sessions.size + state.openingSessions >= state.maxUploadSessions) {
    drain(context.request);
    // Retry once the session idle longest would expire (it may be resumed before: then later).
    let oldest = Number.POSITIVE_INFINITY;
    for (const open of state.sessions.values()) oldest = Math.min(oldest, open.lastActive);
    const wait = Math.max(1, Math.ceil((oldest + state.uploadIdleTimeout - state.now()) / 1000));
    throw new RegistryApiError(
      429,
      "TOOMANYREQUESTS",
      `${state.sessions.size} upload sessions are open, the most this registry allows; finish or cancel one, or retry later`,
      { "Retry-After": String(Number.isFinite(wait) ? wait : 1) },
    );
  }
  const id = randomUUID();
  // Counted while its storage opens, so concurrent POSTs cannot pass the limit together.
  state.openingSessions++;
  let sink: UploadSink;
  try {
    sink = await state.storage.openUpload(id);
  } finally {
    state.openingSessions--;
  }
  const session: UploadSession = {
    id,
    repository: context.params.name ?? "",
    algorithm,
    hasher: createHasher(algorithm),
    sink,
    busy: false,
    lastActive: state.now(),
  };
  state.sessions.set(id, session);
  return session;
}

/**
 * Drops every session idle for `uploadIdleTimeout` (not one a request is writing to), with its bytes: a
 * client that went away never comes back for them. Run before a session opens and on the server's timer.
 */
export async function expireSessions(state: RegistryState): Promise<void> {
  const now = state.now();
  for (const session of [...state.sessions.values()]) {
    if (!session.busy && now - session.lastActive >= state.uploadIdleTimeout) {
      state.sessions.delete(session.id);
      await session.sink.discard().catch(() => undefined);
    }
  }
}

function findSession(context: RouteContext): UploadSession {
  const { state } = context;
  const session = state.sessions.get(context.params.session ?? "");
  if (session === undefined || session.repository !== context.params.name) {
    drain(context.request);
    throw new RegistryApiError(404, "BLOB_UPLOAD_UNKNOWN", "upload session is unknown or was closed");
  }
  if (!session.busy && state.now() - session.lastActive >= state.uploadIdleTimeout) {
    drain(context.request);
    state.sessions.delete(session.id);
    void session.sink.discard().catch(() => undefined);
    throw new RegistryApiError(404, "BLOB_UPLOAD_UNKNOWN", "upload session expired after being idle");
  }
  session.lastActive = state.now();
  return session;
}

async function dropSession(context: RouteContext, session: UploadSession): Promise<void> {
  context.state.sessions.delete(session.id);
  await session.sink.discard();
}

function sessionHeaders(session: UploadSession): Record<string, string> {
  return {
    Location: `/v2/${session.repository}/blobs/uploads/${session.id}`,
    // "0-0" for an empty session too, as distribution does (§4.1 notes the ambiguity).
    Range: `0-${Math.max(0, session.sink.size - 1)}`,
    "Docker-Upload-UUID": session.id,
  };
}

/**
 * Appends the request body to the session. With `Content-Range: s-e` the chunk must start at the
 * session's offset (else 416, session kept) and carry exactly e-s+1 bytes (else 400 SIZE_INVALID).
 */
async function receive(
  context: RouteContext,
  session: UploadSession,
  contentRange: string | undefined,
): Promise<void> {
  const { request } = context;
  let expected: number | undefined;
  if (contentRange !== undefined) {
    const match = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})$/.exec(contentRange.trim());
    const start = Number(match?.[1]);
    const end = Number(match?.[2]);
    if (match === null || start !== session.sink.size || end < start) {
      drain(request);
      throw new RegistryApiError(
        416,
        "RANGE_INVALID",
        `chunk ${contentRange.slice(0, 40)} does not start at offset ${session.sink.size}`,
        sessionHeaders(session),
      );
    }
    expected = end - start + 1;
    const declared = header(request, "content-length");
    if (declared !== undefined && Number(declared) !== expected) {
      drain(request);
      throw new RegistryApiError(
        400,
        "SIZE_INVALID",
        `Content-Length ${declared.slice(0, 20)} does not match Content-Range ${contentRange.slice(0, 40)}`,
      );
    }
  }
  if (session.busy) {
    drain(request);
    throw new RegistryApiError(
      416,
      "RANGE_INVALID",
      "another request is writing to this upload session",
      sessionHeaders(session),
    );
  }
  session.busy = true;
  let received = 0;
  try {
    for await (const chunk of request as AsyncIterable<Uint8Array>) {
      session.hasher.update(chunk);
      await session.sink.append(chunk);
      received += chunk.length;
    }
  } catch (error) {
    // The client went away mid-chunk: the bytes on record no longer match any offset it knows.
    await dropSession(context, session);
    throw error;
  } finally {
    session.busy = false;
    session.lastActive = context.state.now();
  }
  if (expected !== undefined && received !== expected) {
    await dropSession(context, session);
    throw new RegistryApiError(
      400,
      "SIZE_INVALID",
      `chunk has ${received} bytes, Content-Range said ${expected}`,
    );
  }
}

/** Checks the whole upload against `digest`; commits it as a blob of the repository, or drops the session. */
async function complete(context: RouteContext, session: UploadSession, digest: Digest): Promise<void> {
  const algorithm = digestAlgorithm(digest);
  let actual: string | undefined;
  if (algorithm === session.algorithm) actual = session.hasher.digest();
  else if (supportedDigestAlgorithms.includes(algorithm)) {
    const hasher = createHasher(algorithm);
    for await (const chunk of session.sink.read()) hasher.update(chunk);
    actual = hasher.digest();
  }
  if (actual !== digest) {
    await dropSession(context, session);
    throw new RegistryApiError(
      400,
      "DIGEST_INVALID",
      actual === undefined
        ? `digest algorithm ${algorithm} is not supported`
        : `upload has digest ${actual}, not ${digest}`,
    );
  }
  context.state.sessions.delete(session.id);
  await session.sink.commit(checkDigest(digest));
  await context.state.storage.linkBlob(session.repository, digest);
  await send(context.response, 201, {
    Location: `/v2/${session.repository}/blobs/${digest}`,
    "Docker-Content-Digest": digest,
    "Content-Length": 0,
  });
}
