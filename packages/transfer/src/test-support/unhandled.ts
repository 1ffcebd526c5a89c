/** Unhandled-rejection capture for the transfer tests: a stray rejection fails an assertion, not the run. */
import { afterEach, beforeEach } from "vitest";

/** Collects every unhandled rejection of each test of the calling file (emptied before each test). */
export function useUnhandledRejections(): unknown[] {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled.length = 0;
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
  });
  return unhandled;
}
