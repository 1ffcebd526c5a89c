import type { ByteStream } from "@stevedore/core";
import { InvalidResponseError, NotFoundError, UsageError } from "@stevedore/core";
import type { ClientContext } from "./client-context.js";
import { parseImageReference } from "./parse-image-reference.js";

/**
 * Streams the blob `reference` names (`registry/repository@digest`). Its size comes from a `HEAD` first,
 * so the stream is verified against both size and digest as it passes; a stream of bad content ends in
 * `DigestMismatchError` or `SizeMismatchError`, never cleanly.
 *
 * @throws UsageError when the reference names no digest; NotFoundError when the blob is absent.
 */
export async function readBlob(
  context: ClientContext,
  reference: string,
  options: { signal?: AbortSignal } = {},
): Promise<ByteStream> {
  const parsed = parseImageReference(reference, { defaultTag: false, purpose: "blob" });
  if (parsed.digest === undefined)
    throw new UsageError(`blob needs repository@digest: ${JSON.stringify(reference)}`);
  const remote = context.remote(parsed);
  const call = options.signal === undefined ? {} : { signal: options.signal };
  const head = await remote.headBlob(parsed.digest, call);
  if (head === undefined)
    throw new NotFoundError(`blob ${parsed.registry}/${parsed.repository}@${parsed.digest} not found`);
  if (head.size === undefined) {
    throw new InvalidResponseError(`${parsed.registry} did not give the size of blob ${parsed.digest}`);
  }
  return remote.getBlob(
    { mediaType: "application/octet-stream", digest: parsed.digest, size: head.size },
    call,
  );
}
