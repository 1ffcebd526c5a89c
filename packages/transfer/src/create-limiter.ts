import { AbortError } from "@stevedore/core";

/** Internal: runs at most `concurrency` tasks at a time, first come first served. */
export interface Limiter {
  /**
   * Runs `task` once a slot is free. Rejects with `AbortError` without running it when `signal` aborts
   * first, and frees the slot however the task ends.
   */
  run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T>;
}

/** Internal: a counting semaphore for the transfers of one copy session. */
export function createLimiter(concurrency: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];

  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) active -= 1;
    else next(); // the slot passes straight to the next task
  };

  const acquire = (signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return Promise.reject(aborted(signal));
    if (active < concurrency) {
      active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const position = waiting.indexOf(grant);
        if (position !== -1) waiting.splice(position, 1);
        reject(aborted(signal));
      };
      const grant = (): void => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      waiting.push(grant);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  };

  return {
    async run(task, signal) {
      await acquire(signal);
      try {
        // A task whose turn came after an abort never starts.
        if (signal.aborted) throw aborted(signal);
        return await task();
      } finally {
        release();
      }
    },
  };
}

function aborted(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}
