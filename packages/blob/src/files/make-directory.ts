import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { errorCode, LocalIoError, localIoError } from "@stevedore/core";

/**
 * Creates `path` and its missing parents, like `mkdir -p`, failing with a `LocalIoError` that names the
 * level that could not be made and why: `cannot create directory /mnt/ro/x: read-only file system
 * (EROFS)`, or `not a directory (ENOTDIR)` for a file in the way. Node's recursive `mkdir` reports a
 * read-only mount as ENOENT, so on failure the levels are made one at a time to learn the real reason.
 *
 * @example
 * ```ts
 * await makeDirectory(join(layout, "blobs", "sha256"));
 * ```
 */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
    return;
  } catch (error) {
    await diagnose(resolve(path));
    throw localIoError("create directory", path, error);
  }
}

/** Makes each level of `path` in turn, throwing the first failure with its own path and code. */
async function diagnose(path: string): Promise<void> {
  const levels: string[] = [];
  for (let level = path; ; level = dirname(level)) {
    levels.unshift(level);
    if (dirname(level) === level) break;
  }
  for (const level of levels) {
    try {
      await mkdir(level);
      continue;
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw localIoError("create directory", level, error);
    }
    const info = await stat(level).catch((error: unknown) => {
      throw localIoError("create directory", level, error);
    });
    if (!info.isDirectory()) throw new LocalIoError("create directory", level, "ENOTDIR");
  }
}
