import type { RandomAccessSource } from "./index-tar.js";

/**
 * A {@link RandomAccessSource} over bytes in memory, for archives that are already in memory (and tests).
 *
 * @example
 * ```ts
 * const entries = await indexTar(memorySource(archiveBytes));
 * ```
 */
export function memorySource(bytes: Uint8Array): RandomAccessSource {
  return {
    size: bytes.length,
    read: async (position, length) => bytes.subarray(position, Math.min(bytes.length, position + length)),
  };
}
