import { createVerifier, verifyContent } from "@stevedore/blob";
import type { ByteStream, Descriptor, TargetCallOptions } from "@stevedore/core";
import type { RemoteContext } from "../remote-context.js";
import { readBlob } from "./read-blob.js";

/**
 * Streams a blob (`GET /v2/<name>/blobs/<digest>`, end-2), verified against the descriptor's size and
 * digest as it passes (`spec/PROTOCOL.md` §5.2): a stream of bad content always ends in
 * `SizeMismatchError` or `DigestMismatchError`, never cleanly. Redirects to storage or a CDN are followed by
 * the transport (without credentials on another origin); a connection cut mid-body resumes with `Range`
 * from the last byte passed on, and the hash continues over the whole blob (see `readBlob`).
 *
 * The request is sent before this resolves: a missing blob is a `NotFoundError` here. Unsupported digest
 * algorithms are an `InvalidDigestError` before any request.
 */
export async function getBlob(
  context: RemoteContext,
  descriptor: Descriptor,
  options: TargetCallOptions = {},
): Promise<ByteStream> {
  const where = blobWhere(context, descriptor.digest);
  // Checks the digest algorithm and size before the request goes out.
  const verifier = createVerifier(descriptor, { where });
  const body = await readBlob(context, descriptor, { where, signal: options.signal });
  return verifyContent(body, verifier);
}

/** Internal: `blob sha256:… of registry/repository`, for messages. */
export function blobWhere(context: RemoteContext, digest: string): string {
  return `blob ${digest} of ${context.registry}/${context.repository}`;
}
