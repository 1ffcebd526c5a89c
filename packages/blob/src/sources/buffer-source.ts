import type { ByteStream, ReplayableSource } from "@stevedore/core";
import { checkOffset } from "./check-offset.js";

/**
 * A {@link ReplayableSource} over bytes in memory: each call streams `bytes` from `offset` on, as one view
 * (no copy). An offset past the end throws `UsageError`.
 *
 * @example
 * ```ts
 * await target.push(descriptor, bufferSource(manifestBytes));
 * ```
 */
export function bufferSource(bytes: Uint8Array): ReplayableSource {
  return (offset: number): ByteStream => {
    checkOffset(offset, bytes.length);
    return stream(bytes.subarray(offset));
  };
}

async function* stream(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  if (bytes.length > 0) yield bytes;
}
