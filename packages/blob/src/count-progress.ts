import type { ByteStream } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import { inheritVerification } from "./verify/is-verified-for.js";

/** Options of {@link countProgress}. */
export interface CountProgressOptions {
  /**
   * Report at most once per this many bytes (and always the final count). Without it every chunk is
   * reported.
   */
  every?: number;
}

/**
 * Passes `source` through and calls `onProgress` with the number of bytes handed on so far. A count is
 * reported after the consumer has taken the chunk (for an upload: once it was written), and the final
 * count is always reported when the source ends.
 *
 * @example
 * ```ts
 * const counted = countProgress(body, (bytes) => emit({ type: "blob-progress", descriptor, bytes, total }), {
 *   every: 256 * 1024,
 * });
 * ```
 */
export function countProgress(
  source: ByteStream,
  onProgress: (bytes: number) => void,
  options: CountProgressOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const every = options.every ?? 0;
  if (!Number.isSafeInteger(every) || every < 0) {
    throw new UsageError(`progress interval must be a non-negative integer, got ${String(every)}`);
  }
  const stream = run(source, onProgress, every, () => inheritVerification(source, stream));
  return stream;
}

async function* run(
  source: ByteStream,
  onProgress: (bytes: number) => void,
  every: number,
  inherit: () => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  let bytes = 0;
  let reported = 0;
  // Every chunk is passed on unchanged, so a verified source leaves this stream verified too. The source
  // may learn its own mark only on its first step (`targetSource`), so look once that step has come.
  let inherited = false;
  for await (const chunk of source) {
    if (!inherited) {
      inherited = true;
      inherit();
    }
    yield chunk;
    bytes += chunk.length;
    if (chunk.length > 0 && bytes - reported >= every) {
      reported = bytes;
      onProgress(bytes);
    }
  }
  if (!inherited) inherit();
  if (reported !== bytes) onProgress(bytes);
}
