import type { ByteStream } from "@stevedore/core";
import { SizeMismatchError, UsageError } from "@stevedore/core";
import { normalizeArchivePath } from "./archive-path.js";
import {
  blockSize,
  byteLength,
  encodePaxRecords,
  encodeTarHeader,
  maxOctalId,
  maxOctalSize,
} from "./tar-header.js";

/** What a {@link TarWriterEntry} is. */
export type TarWriterEntryType =
  | "file"
  | "directory"
  | "symlink"
  | "hardlink"
  | "character-device"
  | "block-device"
  | "fifo";

/** One entry for {@link writeTar}. */
export interface TarWriterEntry {
  /** Relative `/`-separated path inside the archive. Absolute paths and `..` are refused. */
  name: string;
  /** `"file"` by default. */
  type?: TarWriterEntryType;
  /** Content length in bytes; the content must have exactly this many (ignored for everything but files). */
  size: number;
  /** The bytes of a file. Streamed through without buffering. */
  content?: ByteStream | Uint8Array;
  /** Target of a symbolic link (any text but NUL), or the archive path a hard link names (a safe path). */
  linkName?: string;
  /** Permission bits (with setuid, setgid, sticky); 0o644 for files, 0o755 for directories by default. */
  mode?: number;
  /** Modification time in whole seconds since the epoch; 0 by default, so equal input gives equal archives. */
  mtime?: number;
  /** Owner ids; 0 by default. */
  uid?: number;
  gid?: number;
  /** Owner names; empty by default (readers then go by the ids). */
  uname?: string;
  gname?: string;
  /** Device numbers of a character or block device. */
  devMajor?: number;
  devMinor?: number;
}

const typeflags: Record<TarWriterEntryType, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  "character-device": "3",
  "block-device": "4",
  directory: "5",
  fifo: "6",
};

const endOfArchive = new Uint8Array(blockSize * 2);
const padding = new Uint8Array(blockSize);

/**
 * Writes a tar archive (POSIX ustar; a pax extended header carries names, link targets and owner names
 * that do not fit or are not ASCII, ids too big for octal, and sizes of 8 GiB and more) as a stream,
 * pulling each entry's content only when the consumer reads, so memory stays flat whatever the archive
 * size. The output is a function of the entries alone: the same entries give the same bytes. Content
 * that is longer or shorter than the declared `size` fails the stream with `SizeMismatchError`; a bad
 * name, link, size, id or time fails it with `UsageError`.
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
    const type = entry.type ?? "file";
    const typeflag = typeflags[type];
    const normalized = normalizeArchivePath(entry.name);
    if (normalized === undefined || typeflag === undefined) {
      throw new UsageError(
        typeflag === undefined
          ? `tar entry type ${JSON.stringify(String(type))} is not one of ${Object.keys(typeflags).join(", ")}`
          : `tar entry name ${JSON.stringify(String(entry.name))} is not a safe relative path`,
      );
    }
    const file = type === "file";
    const size = file ? entry.size : 0;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new UsageError(`tar entry ${normalized}: size must be a non-negative integer`);
    }
    const name = type === "directory" ? `${normalized}/` : normalized;
    const linkName = checkLinkName(type, entry.linkName, normalized);
    const mtime = checkNumber(entry.mtime ?? 0, maxOctalSize, "mtime", normalized);
    const mode = checkNumber(
      entry.mode ?? (type === "directory" ? 0o755 : 0o644),
      0o7777,
      "mode",
      normalized,
    );
    const uid = checkNumber(entry.uid ?? 0, Number.MAX_SAFE_INTEGER, "uid", normalized);
    const gid = checkNumber(entry.gid ?? 0, Number.MAX_SAFE_INTEGER, "gid", normalized);
    const devMajor = checkNumber(entry.devMajor ?? 0, maxOctalId, "devMajor", normalized);
    const devMinor = checkNumber(entry.devMinor ?? 0, maxOctalId, "devMinor", normalized);
    const split = splitUstarName(name);
    const pax: Record<string, string> = {};
    if (split === undefined) pax.path = name;
    if (!fitsField(linkName, 100)) pax.linkpath = linkName;
    if (size > maxOctalSize) pax.size = String(size);
    if (uid > maxOctalId) pax.uid = String(uid);
    if (gid > maxOctalId) pax.gid = String(gid);
    if (!fitsField(entry.uname ?? "", 32)) pax.uname = entry.uname ?? "";
    if (!fitsField(entry.gname ?? "", 32)) pax.gname = entry.gname ?? "";
    if (Object.keys(pax).length > 0) {
      const records = encodePaxRecords(pax);
      yield encodeTarHeader({
        name: paxHeaderName(normalized),
        mode: 0o644,
        size: records.length,
        mtime,
        typeflag: "x",
      });
      yield* withPadding(records);
    }
    yield encodeTarHeader({
      name: split?.name ?? asciiTail(name, 100),
      prefix: split?.prefix ?? "",
      mode,
      size: size > maxOctalSize ? 0 : size,
      mtime,
      typeflag,
      linkName: pax.linkpath === undefined ? linkName : asciiTail(linkName, 100),
      uid: uid > maxOctalId ? 0 : uid,
      gid: gid > maxOctalId ? 0 : gid,
      uname: pax.uname === undefined ? (entry.uname ?? "") : "",
      gname: pax.gname === undefined ? (entry.gname ?? "") : "",
      devMajor,
      devMinor,
    });
    if (file) yield* content(entry.content, size, normalized);
  }
  yield endOfArchive;
}

function checkLinkName(type: TarWriterEntryType, linkName: string | undefined, name: string): string {
  if (type === "hardlink") {
    const target = normalizeArchivePath(linkName ?? "");
    if (target === undefined) {
      throw new UsageError(`tar entry ${name}: a hard link must name a safe relative path in the archive`);
    }
    return target;
  }
  if (type !== "symlink") return "";
  if (typeof linkName !== "string" || linkName === "" || linkName.includes("\0")) {
    throw new UsageError(`tar entry ${name}: a symbolic link needs a target without NUL bytes`);
  }
  return linkName;
}

function checkNumber(value: number, max: number, field: string, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new UsageError(`tar entry ${name}: ${field} must be an integer from 0 to ${max}`);
  }
  return value;
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

function fitsField(value: string, limit: number): boolean {
  return /^[\x20-\x7e]*$/.test(value) && value.length <= limit;
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
