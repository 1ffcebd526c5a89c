import { closeSync, fsync, linkSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
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
 * Meant for small files (`index.json`, `oci-layout`): every step but the flush is a direct call, not a trip
 * through libuv's thread pool that costs more than the step (docs/decisions/0022-pull-latency.md).
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
  const content = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  let left = false; // whether the temp file is there to remove
  try {
    await writeNew(temporary, content, options.durable !== false, () => {
      left = true;
    });
    if (!options.exclusive) {
      renameSync(temporary, path);
      left = false;
      return true;
    }
    try {
      linkSync(temporary, path);
      return true;
    } catch (error) {
      const code = errorCode(error);
      if (code === "EEXIST") return false;
      if (!noHardLinks.has(String(code))) throw error;
      // A file system without hard links: create-if-absent with O_EXCL (a reader may see it half written).
      try {
        await writeNew(path, content, true, () => undefined);
      } catch (again) {
        if (errorCode(again) === "EEXIST") return false;
        throw again;
      }
      return true;
    }
  } catch (error) {
    throw localIoError("write", path, error);
  } finally {
    if (left) {
      try {
        unlinkSync(temporary);
      } catch {}
    }
  }
}

const noHardLinks = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EXDEV"]);

/** Creates `path` (failing with EEXIST when it exists), writes `content`, flushes it if `durable`, closes it. */
async function writeNew(
  path: string,
  content: Uint8Array,
  durable: boolean,
  onCreated: () => void,
): Promise<void> {
  const descriptor = openSync(path, "wx", 0o644);
  onCreated();
  try {
    let written = 0;
    while (written < content.length) {
      written += writeSync(descriptor, content, written, content.length - written, written);
    }
    if (durable) await flush(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** `fsync` through the thread pool: the one step that may wait for the disk. */
function flush(descriptor: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fsync(descriptor, (error) => (error ? reject(error) : resolve()));
  });
}
