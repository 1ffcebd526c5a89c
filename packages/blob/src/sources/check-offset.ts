import { UsageError } from "@stevedore/core";

/** Internal: throws `UsageError` unless `offset` is an integer in `[0, size]` (`size` may be unknown). */
export function checkOffset(offset: number, size?: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new UsageError(`offset must be a non-negative integer, got ${String(offset)}`);
  }
  if (size !== undefined && offset > size) {
    throw new UsageError(`offset ${offset} is past the end of ${size} bytes`);
  }
}
