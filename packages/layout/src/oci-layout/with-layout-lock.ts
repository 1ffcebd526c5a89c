import { join, resolve } from "node:path";
import { type LockFileOptions, withLockFile } from "./with-lock-file.js";

// One queue per layout directory for this process: writers of one process take turns here, and only the
// head of each queue competes for the lock file with other processes.
const queues = new Map<string, Promise<unknown>>();

/** The name of the lock file beside `index.json`; tools that do not know it ignore it (§13.1). */
export const lockFileName = "index.json.lock";

/**
 * Runs `work` (a read-modify-write of `index.json`) exclusively for the layout at `directory`: first in an
 * in-process queue per directory, then under the cross-process lock file `index.json.lock`.
 *
 * @example
 * ```ts
 * await withLayoutLock("/data/layout", async () => writeIndex(update(await readIndex())));
 * ```
 */
export function withLayoutLock<T>(
  directory: string,
  work: () => Promise<T>,
  options: LockFileOptions = {},
): Promise<T> {
  const key = resolve(directory);
  const previous = queues.get(key) ?? Promise.resolve();
  const result = previous.then(
    () => withLockFile(join(key, lockFileName), work, options),
    () => withLockFile(join(key, lockFileName), work, options),
  );
  const tail = result.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  // Forget the queue once it drains, so long-running processes do not collect directories.
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return result;
}
