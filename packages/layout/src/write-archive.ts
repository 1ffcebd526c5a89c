import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { temporaryPath } from "@stevedore/blob";
import type { ByteStream } from "@stevedore/core";
import { AbortError, localIoError, StevedoreError } from "@stevedore/core";

/**
 * Writes an archive stream to `destination`. A path gets a temp file beside it, renamed into place only
 * once the last byte is written, so a failure or an abort leaves the old file (or none), never half an
 * archive; a `Writable` is ended with the archive.
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
  const temporary = temporaryPath(destination);
  try {
    await pipeline(archive, createWriteStream(temporary, { flags: "wx", flush: true }), pipelineOptions);
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw mapError(error, destination, signal);
  }
}

function mapError(error: unknown, where: string, signal: AbortSignal | undefined): Error {
  if (StevedoreError.isInstance(error)) return error;
  if (signal?.aborted) return new AbortError(undefined, { cause: signal.reason });
  return localIoError("write", where, error);
}
