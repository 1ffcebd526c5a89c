import { UsageError } from "./errors.js";

/**
 * The range rule of {@link RangeFetcher.fetchRange}, for every target that implements it: `start` and `end`
 * are whole numbers with `0 <= start <= end <= size` (`end` exclusive, the blob's end when omitted).
 *
 * @returns the end of the range
 * @throws UsageError naming the range, the blob's size and digest
 * @example
 * const stop = checkByteRange({ digest, size: bytes.length }, start, end);
 */
export function checkByteRange(
  blob: { digest: string; size: number },
  start: number,
  end: number = blob.size,
): number {
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    start > end ||
    end > blob.size
  ) {
    throw new UsageError(
      `range ${String(start)}-${String(end)} is not within the ${blob.size} bytes of ${blob.digest}`,
    );
  }
  return end;
}
