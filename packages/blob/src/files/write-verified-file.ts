import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { ByteStream } from "@stevedore/core";
import { errorCode, localIoError } from "@stevedore/core";
import { throwIfAborted } from "../throw-if-aborted.js";
import { createVerifier, type ExpectedContent, type Verifier } from "../verify/create-verifier.js";
import { makeDirectory } from "./make-directory.js";
import { readVerified } from "./read-verified.js";
import { temporaryPath } from "./temporary-path.js";
import { smallFileBytes, writeSmallFile } from "./write-small-file.js";

/** Options of {@link writeVerifiedFile}. */
export interface WriteVerifiedFileOptions {
  /** Stops the write: the temp file is removed and the promise rejects with `AbortError`. */
  signal?: AbortSignal;
  /** File mode of the new file (before the umask). Default `0o644`. */
  mode?: number;
  /** Names the content in error messages; defaults to its digest. */
  where?: string;
  /**
   * Flush the file to disk (`fsync`) before the rename, so it survives a power cut. Default `true`. A
   * cache whose every read is verified (an OCI layout) may pass `false`: a file torn by a crash is then
   * caught on read instead of trusted, and skipping the flush saves up to a fifth of the wall time of a
   * large download.
   */
  durable?: boolean;
}

/**
 * Writes `source` to `path` only if it has exactly `expected.size` bytes and digest `expected.digest`
 * (STYLE.md "Streams"). The bytes go to a temp file beside `path` (`temporaryPath`), verified as
 * they pass; the file is renamed over `path` only after the check (flushed to disk first unless `durable: false`). On any failure or
 * abort the temp file is removed and `path` is left as it was. Missing parent directories are created.
 *
 * A `source` verified upstream for this very content (`isVerifiedFor`, e.g. a target's `fetch`) is not
 * hashed again: its clean end proves the digest, and only its size is checked here.
 *
 * Small content (`smallFileBytes`) written with `durable: false` is read whole and checked before the file
 * is created, then written at once (docs/decisions/0020-small-blob-writes.md).
 *
 * Errors: `SizeMismatchError` / `DigestMismatchError` for bad content, `AbortError`, `LocalIoError`
 * for a file system failure (naming the path and the system's reason: "no space left on device"), or the
 * source's own error.
 *
 * @example
 * ```ts
 * await writeVerifiedFile(join(layout, "blobs", "sha256", hex), await target.fetch(descriptor), descriptor);
 * ```
 */
export async function writeVerifiedFile(
  path: string,
  source: ByteStream,
  expected: ExpectedContent,
  options: WriteVerifiedFileOptions = {},
): Promise<void> {
  const { signal } = options;
  // Validates the digest and size before touching the file system.
  const verifier = createVerifier(expected, { where: options.where ?? expected.digest });
  throwIfAborted(signal);
  // Small content that needs no flush is gathered, then written with direct calls (write-small-file.ts).
  if (options.durable === false && expected.size <= smallFileBytes) {
    const where = options.where ?? expected.digest;
    return writeSmallFile(path, source, verifier, { signal, mode: options.mode, where });
  }
  const directory = dirname(path);
  const temporary = temporaryPath(path);
  const create = (): Promise<FileHandle> => open(temporary, "wx", options.mode ?? 0o644);
  // The directory usually exists (a layout's blobs/sha256): try the file first, and create the directory
  // only when that fails for want of it: a recursive mkdir per blob shows in a many-layer pull's CPU
  // (docs/decisions/0006-batched-file-writes.md).
  // Failures name `path`, the file the user asked for, rather than the temp file beside it.
  const handle = await fileStep("create", path, async () => {
    try {
      return await create();
    } catch (error) {
      // ENOTDIR too: then mkdir reports the part of the path that is not a directory.
      const code = errorCode(error);
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    }
    await makeDirectory(directory);
    return create();
  });
  let closed = false;
  try {
    await copy(source, verifier, handle, path, signal, options.where ?? expected.digest);
    if (options.durable !== false) await fileStep("flush", path, () => handle.sync());
    closed = true;
    await fileStep("close", path, () => handle.close());
    throwIfAborted(signal);
    await fileStep("rename", path, () => rename(temporary, path));
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

async function copy(
  source: ByteStream,
  verifier: Verifier,
  handle: FileHandle,
  path: string,
  signal: AbortSignal | undefined,
  where: string,
): Promise<void> {
  // Network chunks are often 16–64 KiB: gathered into one vectored write of up to 1 MiB, they cost one
  // write call (and one promise) instead of dozens. The chunks are held, not copied (see `batchBytes`).
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  // The previous batch's write, still in flight while the next batch is gathered: reading the source
  // overlaps writing the file. One write at a time, at an explicit position, so they land in order.
  let writing: Promise<void> | undefined;
  let written = 0;
  const startWrite = async (): Promise<void> => {
    const previous = writing;
    writing = undefined;
    await previous;
    if (pending.length === 0) return;
    const batch = pending;
    const at = written;
    written += pendingBytes;
    pending = [];
    pendingBytes = 0;
    writing = writeAll(handle, batch, path, at);
    // Awaited before the next write or the end; handled now so a failure is never reported unhandled.
    writing.catch(() => undefined);
  };
  activeWriters++;
  try {
    await readVerified(source, verifier, signal, where, (chunk) => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      return pendingBytes >= batchBytes() || pending.length >= maxBatchChunks ? startWrite() : undefined;
    });
    await startWrite();
    await writing;
  } catch (error) {
    // The file is closed and removed next: no write may still be on its way to it.
    await writing?.catch(() => undefined);
    throw error;
  } finally {
    activeWriters--;
  }
}

/** Bytes gathered before one write, shared out among the writes in progress (see `batchBytes`). */
const writeBudgetBytes = 1024 * 1024;
/** The smallest batch, whatever the number of writes in progress. */
const minBatchBytes = 128 * 1024;
/** Files being written by this process right now. */
let activeWriters = 0;

/**
 * The batch size: 1 MiB for one file, less when several are written at once (8 × 128 KiB for 8 blobs).
 * Chunks held for a batch outlive V8's young generation when many streams each hold a full MiB (with the
 * CLI's `--max-semi-space-size=1`), and are then freed only by full collections
 * (docs/decisions/0006-batched-file-writes.md).
 */
function batchBytes(): number {
  return Math.max(minBatchBytes, Math.floor(writeBudgetBytes / Math.max(1, activeWriters)));
}
/** Chunks gathered before one write: within the IOV_MAX (1024) of a vectored write. */
const maxBatchChunks = 1024;

async function writeAll(handle: FileHandle, chunks: Uint8Array[], path: string, at: number): Promise<void> {
  if (chunks.length === 0) return;
  if (chunks.length > 1) {
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const { bytesWritten } = await fileStep("write", path, () => handle.writev(chunks, at));
    if (bytesWritten === total) return;
    // A short vectored write (rare on regular files): finish from where it stopped, one chunk at a time.
    let skip = bytesWritten;
    let position = at + bytesWritten;
    for (const chunk of chunks) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      const rest = chunk.subarray(skip);
      await writeFully(handle, rest, path, position);
      position += rest.length;
      skip = 0;
    }
    return;
  }
  await writeFully(handle, chunks[0]!, path, at);
}

async function writeFully(handle: FileHandle, chunk: Uint8Array, path: string, at: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await fileStep("write", path, () =>
      handle.write(chunk, done, chunk.length - done, at + done),
    );
    done += bytesWritten;
  }
}

async function fileStep<T>(action: string, path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw localIoError(action, path, error);
  }
}
