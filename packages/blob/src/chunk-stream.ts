import type { ByteStream } from "@stevedore/core";
import { UsageError } from "@stevedore/core";

/**
 * Re-chunks `source` into chunks of exactly `chunkSize` bytes, except the last, which holds the rest (never
 * empty). For chunked uploads whose `PATCH`es must meet the registry's `OCI-Chunk-Min-Length`
 * (`spec/PROTOCOL.md` §4.1). Input chunks that already line up are passed on as views, not copied.
 *
 * @example
 * ```ts
 * for await (const chunk of chunkStream(fileSource(path)(0), 8 * 1024 * 1024)) await patch(chunk);
 * ```
 */
export function chunkStream(
  source: ByteStream,
  chunkSize: number,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw new UsageError(`chunk size must be a positive integer, got ${String(chunkSize)}`);
  }
  return run(source, chunkSize);
}

async function* run(source: ByteStream, chunkSize: number): AsyncGenerator<Uint8Array, void, undefined> {
  // `pending` collects bytes that do not fill a chunk by themselves; it is handed out when full and a
  // fresh one is allocated, because the consumer may keep the chunk it was given.
  let pending: Uint8Array | undefined;
  let filled = 0;
  for await (const chunk of source) {
    let position = 0;
    if (pending !== undefined) {
      const take = Math.min(chunkSize - filled, chunk.length);
      pending.set(chunk.subarray(0, take), filled);
      filled += take;
      position = take;
      if (filled < chunkSize) continue;
      yield pending;
      pending = undefined;
      filled = 0;
    }
    while (chunk.length - position >= chunkSize) {
      yield chunk.subarray(position, position + chunkSize);
      position += chunkSize;
    }
    if (position < chunk.length) {
      pending = new Uint8Array(chunkSize);
      pending.set(chunk.subarray(position));
      filled = chunk.length - position;
    }
  }
  if (pending !== undefined) yield pending.subarray(0, filled);
}
