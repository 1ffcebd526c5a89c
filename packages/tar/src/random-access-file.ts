import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { errorCode, LocalFormatError, localIoError, NotFoundError } from "@stevedore/core";
import type { RandomAccessSource } from "./index-tar.js";

/** A {@link RandomAccessSource} over an open file; `close()` releases the handle. */
export interface RandomAccessFile extends RandomAccessSource {
  /** Closes the file handle. */
  close(): Promise<void>;
}

/**
 * Opens a regular file for reads at any position. A missing file throws `NotFoundError`; a directory,
 * FIFO or device (which could block or never end), or a symbolic link as the last path component, throws
 * `LocalFormatError`; any other failure to open it (permission denied …) is a `LocalIoError`.
 *
 * @example
 * ```ts
 * const file = await openRandomAccessFile("image.tar");
 * try { console.log(await indexTar(file)); } finally { await file.close(); }
 * ```
 */
export async function openRandomAccessFile(path: string): Promise<RandomAccessFile> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK so that opening a FIFO does not wait for a writer; O_NOFOLLOW so a planted link is refused.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw describeOpenError(path, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new LocalFormatError(`${path} is not a regular file`);
    return fileSource(handle, stats.size);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Maps an `open` failure to the stevedore error a user can act on. */
export function describeOpenError(path: string, error: unknown): Error {
  const code = errorCode(error);
  if (code === "ENOENT" || code === "ENOTDIR")
    return new NotFoundError(`${path} does not exist`, { cause: error });
  if (code === "ELOOP") return new LocalFormatError(`${path} is a symbolic link`, { cause: error });
  return localIoError("open", path, error);
}

function fileSource(handle: FileHandle, size: number): RandomAccessFile {
  return {
    size,
    async read(position, length) {
      const buffer = new Uint8Array(Math.max(0, Math.min(length, size - position)));
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === buffer.length ? buffer : buffer.subarray(0, filled);
    },
    close: () => handle.close(),
  };
}
