import { AbortError } from "@stevedore/core";

/**
 * Throws core's `AbortError` (with the signal's reason as cause) when `signal` is aborted: the one check
 * before each step of a long operation.
 *
 * @example
 * throwIfAborted(options.signal);
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new AbortError(undefined, { cause: signal.reason });
}
