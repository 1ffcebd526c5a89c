import type { ByteStream } from "@stevedore/core";
import { SizeMismatchError, UsageError } from "@stevedore/core";

/**
 * Collects `source` into one `Uint8Array`. With a `limit`, reading stops the moment the content exceeds it
 * and `SizeMismatchError` (expected = the limit) is thrown, so a hostile server cannot make a small read
 * (a manifest, a token response) fill memory.
 *
 * @example
 * ```ts
 * const manifest = await readAll(await target.fetch(descriptor), 4 * 1024 * 1024);
 * ```
 */
export async function readAll(source: ByteStream, limit?: number): Promise<Uint8Array> {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new UsageError(`limit must be a non-negative integer, got ${String(limit)}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    // Leaving the loop by throwing closes the source (its `return()` is called).
    if (limit !== undefined && total > limit)
      throw new SizeMismatchError(limit, total, "content over the limit");
    if (chunk.length > 0) chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0]!;
  const result = new Uint8Array(total);
  let position = 0;
  for (const chunk of chunks) {
    result.set(chunk, position);
    position += chunk.length;
  }
  return result;
}
