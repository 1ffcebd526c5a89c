import { AbortError } from "@stevedore/core";

/** Internal: runs at most `concurrency` tasks at a time, first come first served. */
export interface Limiter {
  /**
   * Runs `task` once a slot is free. Rejects with `AbortError` without running it when the limiter's
   * signal aborts first, and frees the slot however the task ends.
   */
  run<T>(task: () => Promise<T>): Promise<T>;
}

interface Waiter {
  grant(): void;
  refuse(error: AbortError): void;
}

/**
 * Internal: a counting semaphore for the target calls of one copy session. One abort listener for the
 * whole queue: when `signal` aborts, every waiting task is refused at once.
 */
export function createLimiter(concurrency: number, signal: AbortSignal): Limiter {
  let active = 0;
  let waiting: Waiter[] = [];
  signal.addEventListener(
    "abort",
    () => {
      const refused = waiting;
      waiting = [];
      for (const waiter of refused) waiter.refuse(aborted(signal));
    },
    { once: true },
  );

  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) active -= 1;
    else next.grant(); // the slot passes straight to the next task
  };

  const acquire = (): Promise<void> => {
    if (signal.aborted) return Promise.reject(aborted(signal));
    if (active < concurrency) {
      active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => waiting.push({ grant: resolve, refuse: reject }));
  };

  return {
    async run(task) {
      await acquire();
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
