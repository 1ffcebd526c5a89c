import { AbortError, LocalFormatError, localIoError, StevedoreError } from "@stevedore/core";
import { openRandomAccessFile } from "@stevedore/tar";

const chunkSize = 1024 * 1024;

/**
 * Streams `length` bytes of the regular file `path` from `start` (the whole file when `length` is
 * omitted). The file is opened on the first read and closed when the stream ends or is abandoned, so a
 * stream that is never read holds no file handle. It is opened as `openRandomAccessFile` does: no FIFOs,
 * devices or final symbolic links.
 *
 * @example
 * ```ts
 * for await (const chunk of readFileStream(join(layout, "blobs", "sha256", hex))) hash.update(chunk);
 * ```
 */
export async function* readFileStream(
  path: string,
  start = 0,
  length?: number,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  const file = await openRandomAccessFile(path);
  try {
    const end = length === undefined ? file.size : start + length;
    let position = start;
    while (position < end) {
      if (signal?.aborted) throw abortError(signal);
      const chunk = await file.read(position, Math.min(chunkSize, end - position));
      if (chunk.length === 0) {
        // The file ended early: a truncated archive, or a blob shortened under us.
        if (length !== undefined)
          throw new LocalFormatError(`${path} ended at ${position} bytes, before ${end}`);
        return;
      }
      position += chunk.length;
      yield chunk;
    }
  } catch (error) {
    if (StevedoreError.isInstance(error)) throw error;
    if (signal?.aborted) throw abortError(signal);
    throw localIoError("read", path, error);
  } finally {
    await file.close();
  }
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}
