import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { errorCode, LocalIoError, localIoError } from "@stevedore/core";

/**
 * Creates `path` and its missing parents, like `mkdir -p`, failing with a `LocalIoError` that names the
 * level that could not be made and why: `cannot create directory /mnt/ro/x: read-only file system
 * (EROFS)`, or `not a directory (ENOTDIR)` for a file in the way.
 *
 * Each level is tried at most once. Node's recursive `mkdir` is not used: it reports a read-only mount as
 * ENOENT, and it never returns where a parent exists but refuses new entries with ENOENT (`/proc/x`).
 *
 * @example
 * ```ts
 * await makeDirectory(join(layout, "blobs", "sha256"));
 * ```
 */
export async function makeDirectory(path: string): Promise<void> {
  const missing: string[] = [];
  // Up from `path` to the first level that exists or can be made…
  for (let level = resolve(path); ; level = dirname(level)) {
    if (await makeLevel(level, dirname(level) !== level)) break;
    missing.push(level);
  }
  // …then down again, where every failure is final.
  for (const level of missing.reverse()) await makeLevel(level, false);
}

/**
 * Makes one directory: true when it exists afterwards, false when a level above is missing (or is a file)
 * and `parentMayBeMissing` lets the caller look there first; throws anything else.
 */
async function makeLevel(level: string, parentMayBeMissing: boolean): Promise<boolean> {
  try {
    await mkdir(level);
    return true;
  } catch (error) {
    const code = errorCode(error);
    // ENOTDIR: some level above is a file; going up finds it and names it.
    if ((code === "ENOENT" || code === "ENOTDIR") && parentMayBeMissing) return false;
    if (code !== "EEXIST") throw localIoError("create directory", level, error);
  }
  const info = await stat(level).catch((error: unknown) => {
    throw localIoError("create directory", level, error);
  });
  if (!info.isDirectory()) throw new LocalIoError("create directory", level, "ENOTDIR");
  return true;
}
