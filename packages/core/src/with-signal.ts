import { AbortError } from "./errors.js";

/**
 * Waits for `promise` but rejects with {@link AbortError} (its cause the signal's reason) as soon as `signal`
 * aborts. The work behind the promise goes on: the caller closes it or, when it is shared (a single-flight
 * token fetch), leaves it to the others. The listener lives for this one wait: racing against one long-lived
 * abort promise instead would keep every value waited for reachable until the signal settles.
 *
 * @example
 * ```ts
 * const step = await withSignal(iterator.next(), options.signal);
 * ```
 */
export function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) {
    // Given up before waiting: a later failure of `promise` is nobody's to report.
    promise.catch(() => undefined);
    return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError(undefined, { cause: signal.reason }));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
