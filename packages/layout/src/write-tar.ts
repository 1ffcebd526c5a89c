import type { ByteStream } from "@stevedore/core";
import { SizeMismatchError, UsageError } from "@stevedore/core";
import { normalizeArchivePath } from "./archive-path.js";
import { blockSize, byteLength, encodeHeader, encodePaxRecords, maxOctalSize } from "./tar-header.js";

/** One entry for {@link writeTar}. */
export interface TarWriterEntry {
  /** Relative `/`-separated path inside the archive. Absolute paths and `..` are refused. */
  name: string;
  /** `"file"` (the default) or `"directory"`. */
  type?: "file" | "directory";
  /** Content length in bytes; the content must have exactly this many (0 for a directory). */
  size: number;
  /** The bytes of a file. Streamed through without buffering. */
  content?: ByteStream | Uint8Array;
  /** Permission bits; 0o644 for files, 0o755 for directories by default. */
  mode?: number;
  /** Modification time in seconds since the epoch; 0 by default, so equal input gives equal archives. */
  mtime?: number;
}

const endOfArchive = new Uint8Array(blockSize * 2);
const padding = new Uint8Array(blockSize);

/**
 * Writes a tar archive (POSIX ustar; a pax extended header carries names that do not fit or are not ASCII,
 * and sizes of 8 GiB and more) as a stream, pulling each entry's content only when the consumer reads, so
 * memory stays flat whatever the archive size. Content that is longer or shorter than the declared `size`
 * fails the stream with `SizeMismatchError`; a bad name or size fails it with `UsageError`.
 *
 * @example
 * ```ts
 * await pipeline(
 *   writeTar([{ name: "hello.txt", size: 5, content: new TextEncoder().encode("hello") }]),
 *   createWriteStream("out.tar"),
 * );
 * ```
 */
export async function* writeTar(
  entries: Iterable<TarWriterEntry> | AsyncIterable<TarWriterEntry>,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const entry of entries) {
    const directory = entry.type === "directory";
    const normalized = normalizeArchivePath(entry.name);
    if (normalized === undefined) {
      throw new UsageError(
        `tar entry name ${JSON.stringify(String(entry.name))} is not a safe relative path`,
      );
    }
    const size = directory ? 0 : entry.size;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new UsageError(`tar entry ${normalized}: size must be a non-negative integer`);
    }
    const name = directory ? `${normalized}/` : normalized;
    const mtime = entry.mtime ?? 0;
    const mode = entry.mode ?? (directory ? 0o755 : 0o644);
    const split = splitUstarName(name);
    const pax: Record<string, string> = {};
    if (split === undefined) pax.path = name;
    if (size > maxOctalSize) pax.size = String(size);
    if (Object.keys(pax).length > 0) {
      const records = encodePaxRecords(pax);
      yield encodeHeader({
        name: paxHeaderName(normalized),
        mode: 0o644,
        size: records.length,
        mtime,
        typeflag: "x",
      });
      yield* withPadding(records);
    }
    yield encodeHeader({
      name: split?.name ?? asciiTail(name, 100),
      prefix: split?.prefix ?? "",
      mode,
      size: size > maxOctalSize ? 0 : size,
      mtime,
      typeflag: directory ? "5" : "0",
    });
    if (!directory) yield* content(entry.content, size, normalized);
  }
  yield endOfArchive;
}

async function* content(
  source: ByteStream | Uint8Array | undefined,
  size: number,
  name: string,
): AsyncGenerator<Uint8Array, void, undefined> {
  let written = 0;
  if (source instanceof Uint8Array) {
    if (source.length !== size) throw new SizeMismatchError(size, source.length, `tar entry ${name}`);
    if (size > 0) yield source;
    written = size;
  } else if (source !== undefined) {
    for await (const chunk of source) {
      written += chunk.length;
      // Checked before yielding: the archive never holds more bytes than its header announced.
      if (written > size) throw new SizeMismatchError(size, written, `tar entry ${name}`);
      if (chunk.length > 0) yield chunk;
    }
  }
  if (written !== size) throw new SizeMismatchError(size, written, `tar entry ${name}`);
  const remainder = size % blockSize;
  if (remainder !== 0) yield padding.subarray(0, blockSize - remainder);
}

function* withPadding(bytes: Uint8Array): Generator<Uint8Array, void, undefined> {
  yield bytes;
  const remainder = bytes.length % blockSize;
  if (remainder !== 0) yield padding.subarray(0, blockSize - remainder);
}

/** Splits a name into ustar `prefix` (≤ 155 bytes) and `name` (≤ 100 bytes), or `undefined` if impossible. */
function splitUstarName(name: string): { name: string; prefix: string } | undefined {
  if (!/^[\x20-\x7e]*$/.test(name)) return undefined;
  if (name.length <= 100) return { name, prefix: "" };
  for (let slash = name.indexOf("/"); slash !== -1; slash = name.indexOf("/", slash + 1)) {
    const prefix = name.slice(0, slash);
    const rest = name.slice(slash + 1);
    if (prefix.length <= 155 && rest.length > 0 && rest.length <= 100) return { name: rest, prefix };
  }
  return undefined;
}

/** A name for the pax header entry itself: readers without pax support extract it as a plain file. */
function paxHeaderName(name: string): string {
  return `PaxHeaders/${asciiTail(name.slice(name.lastIndexOf("/") + 1), 80)}`;
}

function asciiTail(name: string, limit: number): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_");
  return byteLength(ascii) <= limit ? ascii : ascii.slice(ascii.length - limit);
}
