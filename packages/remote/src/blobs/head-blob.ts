import type { TargetCallOptions } from "@stevedore/core";
import { DigestMismatchError, digestAlgorithm, isDigest, parseDigest } from "@stevedore/core";
import { headerValue } from "../header-value.js";
import type { RemoteContext } from "../remote-context.js";
import { sendRoute } from "../send-route.js";
import { blobWhere } from "./get-blob.js";

/** What a blob `HEAD` tells. */
export interface BlobHead {
  digest: string;
  /** From `Content-Length` (a MUST on HEAD, `spec/PROTOCOL.md` §3.1 end-2); `undefined` when missing. */
  size: number | undefined;
}

/**
 * Checks whether the repository holds a blob (`HEAD /v2/<name>/blobs/<digest>`, end-2): its size, or
 * `undefined` on 404. A `Docker-Content-Digest` naming another digest of the same algorithm is a
 * `DigestMismatchError`. Other failures are the transport's errors.
 */
export async function headBlob(
  context: RemoteContext,
  digest: string,
  options: TargetCallOptions = {},
): Promise<BlobHead | undefined> {
  const requested = parseDigest(digest);
  // 404 is expected rather than caught: a HEAD has no error body to decode (§9.1).
  const response = await sendRoute(
    context,
    "blob-head",
    { digest: requested },
    { signal: options.signal, expect: [200, 404] },
  );
  await response.dump();
  if (response.status === 404) return undefined;
  const claimed = headerValue(response.headers["docker-content-digest"]);
  if (
    claimed !== undefined &&
    isDigest(claimed) &&
    claimed !== requested &&
    digestAlgorithm(claimed) === digestAlgorithm(requested)
  ) {
    throw new DigestMismatchError(requested, claimed, blobWhere(context, requested));
  }
  const size = Number(headerValue(response.headers["content-length"]));
  return { digest: requested, size: Number.isSafeInteger(size) && size >= 0 ? size : undefined };
}
