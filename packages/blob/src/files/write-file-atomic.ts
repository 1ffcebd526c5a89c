import { link, open, rename, unlink } from "node:fs/promises";
import { errorCode, localIoError } from "@stevedore/core";
import { temporaryPath } from "./temporary-path.js";

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Only create the file when absent (linked into place, which fails rather than replacing). */
  exclusive?: boolean;
  /** Flush the temp file to disk before it is renamed, so it survives a power cut. Default `true`. */
  durable?: boolean;
}

/**
 * Writes `bytes` to `path` so that readers see the old file or the new one, never a mix: a temp file
 * beside it (`temporaryPath`), flushed to disk unless `durable: false`, then renamed over it. With
 * `exclusive`, the file is only created when absent; returns `false` when it already existed. A failure is
 * a `LocalIoError` naming `path` and the reason, and leaves no temp file.
 *
 * @example
 * ```ts
 * await writeFileAtomic(join(layout, "index.json"), bytes);
 * ```
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array | string,
  options: WriteFileAtomicOptions = {},
): Promise<boolean> {
  const temporary = temporaryPath(path);
  let left = false; // whether the temp file is still there to remove
  try {
    const handle = await open(temporary, "wx", 0o644);
    left = true;
    try {
      await handle.writeFile(bytes);
      if (options.durable !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    if (!options.exclusive) {
      await rename(temporary, path);
      left = false;
      return true;
    }
    try {
      await link(temporary, path);
      return true;
    } catch (error) {
      const code = errorCode(error);
      if (code === "EEXIST") return false;
      if (!noHardLinks.has(String(code))) throw error;
      // A file system without hard links: create-if-absent with O_EXCL (a reader may see it half written).
      return await createExclusive(path, bytes);
    }
  } catch (error) {
    throw localIoError("write", path, error);
  } finally {
    // `unlink`, not `rm`: the first `rm` of a process loads Node's recursive remover.
    if (left) await unlink(temporary).catch(() => undefined);
  }
}

const noHardLinks = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

async function createExclusive(path: string, bytes: Uint8Array | string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "wx", 0o644);
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}
