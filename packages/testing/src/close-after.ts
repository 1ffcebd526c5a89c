import type { TestHook } from "./use-temporary-directory.ts";

/** Anything a test opens and must close: a server, a transport, a client. */
export interface Closable {
  close(): unknown;
}

/**
 * `track(resource)` for one test file: keeps what a test opens and closes all of it in the `after` hook
 * (vitest's `afterEach` …), the latest first, so no server or connection outlives its test.
 *
 * @example
 * const track = closeAfter(afterEach);
 * const server = track(await startScriptedServer(handler));
 */
export function closeAfter(after: TestHook): <T extends Closable>(resource: T) => T {
  const open: Closable[] = [];
  after(async () => {
    for (const resource of open.splice(0).reverse()) await resource.close();
  });
  return (resource) => {
    open.push(resource);
    return resource;
  };
}
