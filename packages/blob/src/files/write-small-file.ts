import { closeSync, openSync, renameSync, rmSync, writeSync, writevSync } from "node:fs";
import { dirname } from "node:path";
import type { ByteStream } from "@stevedore/core";
import { errorCode, localIoError } from "@stevedore/core";
import { throwIfAborted } from "../throw-if-aborted.js";
import type { Verifier } from "../verify/create-verifier.js";
import { makeDirectory } from "./make-directory.js";
import { readVerified } from "./read-verified.js";
import { temporaryPath } from "./temporary-path.js";

/**
 * Internal: the largest content `writeVerifiedFile` writes as a small file (see {@link writeSmallFile}):
 * one write batch of a file written beside others (docs/decisions/0020-small-blob-writes.md).
 */
export const smallFileBytes: number = 128 * 1024;

/**
 * Internal: `writeVerifiedFile` for content of at most {@link smallFileBytes} that need not be flushed.
 * The whole content is gathered and verified in memory first; only then is the file made, with direct
 * calls (create the temp file, write, close, rename) instead of four trips through libuv's thread pool
 * and their promises. On a local disk these calls only touch the page cache, and many small blobs (a
 * pull of hundreds of layers) spent more on the trips than on the calls
 * (docs/decisions/0020-small-blob-writes.md). Nothing is created before the content matched, and the
 * temp file is renamed into place or removed, as on the streaming path.
 */
export async function writeSmallFile(
  path: string,
  source: ByteStream,
  verifier: Verifier,
  options: { signal?: AbortSignal | undefined; mode?: number | undefined; where: string },
): Promise<void> {
  const { signal, where } = options;
  const chunks = await gather(source, verifier, signal, where);
  throwIfAborted(signal);
  const temporary = temporaryPath(path);
  const mode = options.mode ?? 0o644;
  let descriptor: number;
  try {
    descriptor = openSync(temporary, "wx", mode);
  } catch (error) {
    // The directory usually exists (a layout's blobs/sha256); made only when the file could not be.
    // ENOTDIR too: then mkdir reports the part of the path that is not a directory.
    const code = errorCode(error);
    if (code !== "ENOENT" && code !== "ENOTDIR") throw localIoError("create", path, error);
    await makeDirectory(dirname(path));
    throwIfAborted(signal);
    try {
      descriptor = openSync(temporary, "wx", mode);
    } catch (again) {
      throw localIoError("create", path, again);
    }
  }
  let open = true;
  try {
    writeAllSync(descriptor, chunks, path);
    open = false;
    fileStepSync("close", path, () => closeSync(descriptor));
    fileStepSync("rename", path, () => renameSync(temporary, path));
  } catch (error) {
    if (open) {
      try {
        closeSync(descriptor);
      } catch {}
    }
    try {
      rmSync(temporary, { force: true });
    } catch {}
    throw error;
  }
}

/** Reads `source` to its end, checked, and keeps its chunks. */
async function gather(
  source: ByteStream,
  verifier: Verifier,
  signal: AbortSignal | undefined,
  where: string,
): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  await readVerified(source, verifier, signal, where, (chunk) => {
    chunks.push(chunk);
    return undefined;
  });
  return chunks;
}

function writeAllSync(descriptor: number, chunks: Uint8Array[], path: string): void {
  let position = 0;
  let rest = chunks;
  while (rest.length > 0) {
    const written = fileStepSync("write", path, () =>
      rest.length === 1
        ? writeSync(descriptor, rest[0]!, 0, rest[0]!.length, position)
        : writevSync(descriptor, rest, position),
    );
    position += written;
    // A short write (rare on regular files): go on from where it stopped.
    let skip = written;
    const left: Uint8Array[] = [];
    for (const chunk of rest) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      left.push(skip === 0 ? chunk : chunk.subarray(skip));
      skip = 0;
    }
    rest = left;
  }
}

function fileStepSync<T>(action: string, path: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw localIoError(action, path, error);
  }
}
