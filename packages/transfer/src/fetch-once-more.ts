import { DigestMismatchError, SizeMismatchError } from "@stevedore/core";

/**
 * Internal: runs `attempt`, and once more when the content it read did not match its digest or size
 * (issue 13, point 2). Transient corruption — a flaky proxy, a truncated CDN answer — rarely strikes twice,
 * while content that is really bad fails the second read too, with the same error. Never after an abort.
 */
export async function fetchOnceMore<T>(signal: AbortSignal, attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (error) {
    if (signal.aborted || !isContentMismatch(error)) throw error;
    return attempt();
  }
}

/** A digest or size mismatch, itself or as the cause of a wrapper (an `UploadError`). */
function isContentMismatch(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (DigestMismatchError.isInstance(current) || SizeMismatchError.isInstance(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
