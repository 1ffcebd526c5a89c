/**
 * Cross-repository blob mounts (`spec/PROTOCOL.md` §4.1 flow 5, end-11).
 */
import type { Descriptor } from "@stevedore/core";
import { parseDigest, UsageError } from "@stevedore/core";
import { buildUrl, scopesFor } from "@stevedore/routing";
import type { TransportResponse } from "@stevedore/transport";
import type { RemoteContext } from "../remote-context.js";
import {
  cancelUpload,
  checkConfirmedDigest,
  headerValue,
  lingerAfterAbort,
  sessionOf,
} from "./upload-requests.js";

/** Options of {@link mountBlob}. */
export interface MountBlobOptions {
  signal?: AbortSignal;
}

/**
 * Asks the registry to link blob `descriptor` from repository `fromRepository` into the context's
 * repository, without sending its bytes: `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<from>`.
 *
 * Resolves `true` when mounted (`201`, its `Docker-Content-Digest` checked). A `202` is not an error: the
 * registry declined (the blob is not in `from`, mounts are unsupported, or the token may not read
 * `from`) and opened an ordinary upload session instead, which this function cancels (`DELETE`, failures
 * ignored) before resolving `false` — the caller then uploads. `mountOrUpload` continues that session
 * instead of cancelling it. The token is asked for `pull` on `from` as well as `pull,push` on the
 * repository (§11.4).
 *
 * @throws InvalidDigestError, InvalidReferenceError (a malformed `fromRepository`), `AbortError`,
 *   `DigestMismatchError` when the registry confirms another digest, `RegistryResponseError` for other
 *   statuses.
 * @example
 * if (!(await mountBlob(context, layer, "team/base"))) await uploadBlob(context, layer, source);
 */
export async function mountBlob(
  context: RemoteContext,
  descriptor: Descriptor,
  fromRepository: string,
  options: MountBlobOptions = {},
): Promise<boolean> {
  const response = await postMount(context, descriptor, fromRepository, options.signal);
  if (response.status === 201) return true;
  if (headerValue(response, "location") !== undefined) {
    await cancelUpload(context, sessionOf(response).location);
  }
  return false;
}

/**
 * Sends the mount request. Resolves with the response of a `201` (digest checked) or a `202`, whose body
 * has been consumed.
 */
export async function postMount(
  context: RemoteContext,
  descriptor: Descriptor,
  fromRepository: string,
  signal: AbortSignal | undefined,
): Promise<TransportResponse> {
  if (typeof descriptor !== "object" || descriptor === null) {
    throw new UsageError("mountBlob() needs a descriptor object");
  }
  const mount = parseDigest(descriptor.digest);
  const params = { name: context.repository, mount, from: fromRepository };
  // A declined mount opens a session: an abort in flight waits for its Location (see startUpload).
  const lingering = lingerAfterAbort(signal);
  try {
    const response = await context.transport.send({
      method: "POST",
      url: buildUrl(context.baseUrl, "upload-mount", params),
      headers: { "content-length": "0" },
      scopes: scopesFor("upload-mount", params),
      expect: [201, 202],
      idempotent: false,
      ...(lingering ? { signal: lingering.signal } : {}),
    });
    await response.dump();
    if (response.status === 201) checkConfirmedDigest(context, response, descriptor);
    return response;
  } finally {
    lingering?.dispose();
  }
}
