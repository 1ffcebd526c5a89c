import { constants, createWriteStream } from "node:fs";
import { type FileHandle, open, realpath, rename, rm, stat } from "node:fs/promises";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { temporaryPath } from "@stevedore/blob";
import type { ByteStream } from "@stevedore/core";
import { AbortError, errorCode, LocalIoError, localIoError, StevedoreError } from "@stevedore/core";

/**
 * Writes an archive stream to `destination`. A path gets a temp file beside it (beside the file a symbolic
 * link points to), renamed into place only once the last byte is written, so a failure or an abort leaves
 * the old file (or none), never half an archive. A path that names a device, a pipe or a socket is written
 * to directly, and a directory is refused; a `Writable` is ended with the archive.
 */
export async function writeArchive(
  destination: string | Writable,
  archive: ByteStream,
  signal: AbortSignal | undefined,
): Promise<void> {
  const pipelineOptions = signal === undefined ? {} : { signal };
  if (typeof destination !== "string") {
    await pipeline(archive, destination, pipelineOptions).catch((error: unknown) => {
      throw mapError(error, "the destination stream", signal);
    });
    return;
  }
  const existing = await stat(destination).catch((error: unknown) => {
    if (errorCode(error) === "ENOENT") return undefined;
    throw localIoError("write", destination, error);
  });
  if (existing?.isDirectory()) throw new LocalIoError("write", destination, "EISDIR");
  if (existing !== undefined && !existing.isFile()) {
    // A device, a pipe or a socket (`/dev/stdout`, a named pipe) takes the bytes as they come: a rename
    // would replace it with a file.
    let waiting: FileHandle | undefined;
    try {
      if (existing.isFIFO()) waiting = await untilPipeHasReader(destination, signal);
      await pipeline(archive, createWriteStream(destination, { flags: "w" }), pipelineOptions);
    } catch (error) {
      throw mapError(error, destination, signal);
    } finally {
      await waiting?.close().catch(() => undefined);
    }
    return;
  }
  // Through a symbolic link, the file it points to is replaced and the link kept.
  const path =
    existing === undefined
      ? destination
      : await realpath(destination).catch((error: unknown) => {
          throw localIoError("write", destination, error);
        });
  const temporary = temporaryPath(path);
  try {
    await pipeline(archive, createWriteStream(temporary, { flags: "wx", flush: true }), pipelineOptions);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw mapError(error, destination, signal);
  }
}

/**
 * Opening a named pipe to write blocks until a reader opens it, in a thread no signal can stop: so wait
 * here, abortably, and return the non-blocking handle that found the reader. It stays open until the
 * archive's own handle is, so the reader never sees the pipe without a writer (and end).
 */
async function untilPipeHasReader(path: string, signal: AbortSignal | undefined): Promise<FileHandle> {
  for (;;) {
    try {
      return await open(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if (errorCode(error) !== "ENXIO") throw error;
    }
    await sleep(50, undefined, signal === undefined ? {} : { signal });
  }
}

function mapError(error: unknown, where: string, signal: AbortSignal | undefined): Error {
  if (StevedoreError.isInstance(error)) return error;
  if (signal?.aborted) return new AbortError(undefined, { cause: signal.reason });
  return localIoError("write", where, error);
}
