import { createVerifier, verifyContent } from "@stevedore/blob";
import type { ByteStream, Descriptor, TargetCallOptions } from "@stevedore/core";
import { checkByteRange, UsageError } from "@stevedore/core";
import type { RemoteContext } from "../remote-context.js";
import { blobWhere } from "./get-blob.js";
import { readBlob } from "./read-blob.js";

/**
 * Streams the bytes `[start, end)` of a blob (`Range: bytes=start-(end-1)`, `spec/PROTOCOL.md` §3.1
 * end-2); `end` defaults to the descriptor's size. A registry that ignores `Range` and sends the whole
 * blob has the bytes outside the range dropped. The length is checked (`SizeMismatchError`); the digest
 * only when the range is the whole blob, since a part cannot be hashed against it. Cut connections resume
 * like `getBlob`.
 *
 * `UsageError` unless `0 <= start <= end <= descriptor.size`.
 */
export async function fetchRange(
  context: RemoteContext,
  descriptor: Descriptor,
  start: number,
  end: number = descriptor.size,
  options: TargetCallOptions = {},
): Promise<ByteStream> {
  if (!Number.isSafeInteger(descriptor.size) || descriptor.size < 0) {
    throw new UsageError(`descriptor size must be a non-negative integer, got ${String(descriptor.size)}`);
  }
  checkByteRange(descriptor, start, end);
  const where = blobWhere(context, descriptor.digest);
  if (start === 0 && end === descriptor.size) {
    const verifier = createVerifier(descriptor, { where });
    return verifyContent(await readBlob(context, descriptor, { where, signal: options.signal }), verifier);
  }
  if (start === end) return empty();
  return readBlob(context, descriptor, { where, signal: options.signal, start, end });
}

async function* empty(): AsyncGenerator<Uint8Array, void, undefined> {}
