import { LocalFormatError } from "@stevedore/core";
import { blockSize, decodeHeader, isZeroBlock, parsePaxRecords } from "./tar-header.js";

/** Bytes that can be read at any position: a file on disk, or bytes in memory. */
export interface RandomAccessSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes at `position`; fewer only at the end of the source. */
  read(position: number, length: number): Promise<Uint8Array>;
}

/** What an entry of a tar archive is. Devices, FIFOs and GNU sparse files are `"other"`. */
export type TarEntryType = "file" | "directory" | "symlink" | "hardlink" | "other";

/** One entry of an indexed tar archive: where its content lies, not the content itself. */
export interface TarEntry {
  /** The path as stored (after pax `path` / GNU long-name records), not yet checked for safety. */
  name: string;
  type: TarEntryType;
  /** Content length in bytes (0 for links and directories). */
  size: number;
  /** Position of the first content byte in the archive. */
  offset: number;
  /** Target of a symbolic or hard link. */
  linkName?: string;
  mode: number;
  mtime: number;
}

/** Options of {@link indexTar}. */
export interface IndexTarOptions {
  /** Names the archive in error messages (a file path). */
  where?: string;
  /** Refuse archives with more entries than this (default 1 000 000), so an index cannot fill memory. */
  maxEntries?: number;
}

const metadataTypes = new Set(["x", "g", "L", "K"]);
// As Go's archive/tar does: these carry no content whatever their size field says.
const headerOnlyTypes = new Set(["1", "2", "3", "4", "5", "6"]);

// pax and GNU long-name records are tiny in practice; a bigger one is an attack on memory.
const maxMetadataSize = 1024 * 1024;

/**
 * Lists the entries of a tar archive by reading its headers only, skipping over content, so an archive of
 * many gigabytes is indexed with a few reads. Understands ustar, pax extended headers (`path`, `linkpath`,
 * `size`; global headers are skipped) and GNU long names (`L`, `K`). A corrupt header, a malformed pax
 * record, or content cut short by the end of the source throws `LocalFormatError`; the archive may end with
 * the two zero blocks or simply at a block boundary, as GNU tar and Go's archive/tar accept.
 *
 * @example
 * ```ts
 * const entries = await indexTar(memorySource(bytes));
 * const manifest = entries.find((entry) => entry.name === "manifest.json");
 * ```
 */
export async function indexTar(
  source: RandomAccessSource,
  options: IndexTarOptions = {},
): Promise<TarEntry[]> {
  const where = options.where ?? "tar archive";
  const maxEntries = options.maxEntries ?? 1_000_000;
  const entries: TarEntry[] = [];
  let pending: { path?: string; linkPath?: string; size?: number } = {};
  let position = 0;
  while (position < source.size) {
    if (position + blockSize > source.size) {
      throw new LocalFormatError(`${where}: truncated tar header at offset ${position}`);
    }
    const block = await source.read(position, blockSize);
    if (block.length < blockSize)
      throw new LocalFormatError(`${where}: truncated tar header at offset ${position}`);
    if (isZeroBlock(block)) break;
    const header = decodeHeader(block, where, position);
    const size = metadataTypes.has(header.typeflag)
      ? header.size
      : headerOnlyTypes.has(header.typeflag)
        ? 0
        : (pending.size ?? header.size);
    const offset = position + blockSize;
    if (offset + size > source.size) {
      throw new LocalFormatError(
        `${where}: truncated tar entry ${JSON.stringify(header.name)} at offset ${position}`,
      );
    }
    position = offset + Math.ceil(size / blockSize) * blockSize;
    switch (header.typeflag) {
      case "x":
      case "L":
      case "K": {
        const data = await readMetadata(source, offset, size, where);
        if (header.typeflag === "x") {
          const records = parsePaxRecords(data, where);
          const paxSize = records.get("size");
          if (paxSize !== undefined && !/^[0-9]{1,16}$/.test(paxSize)) {
            throw new LocalFormatError(`${where}: invalid pax size record`);
          }
          pending = {
            ...pending,
            ...(records.has("path") ? { path: records.get("path") } : {}),
            ...(records.has("linkpath") ? { linkPath: records.get("linkpath") } : {}),
            ...(paxSize === undefined ? {} : { size: Number(paxSize) }),
          };
        } else {
          const end = data.indexOf(0);
          const value = new TextDecoder().decode(end === -1 ? data : data.subarray(0, end));
          pending = header.typeflag === "L" ? { ...pending, path: value } : { ...pending, linkPath: value };
        }
        continue;
      }
      case "g":
        continue;
    }
    if (entries.length >= maxEntries) {
      throw new LocalFormatError(`${where}: more than ${maxEntries} entries`);
    }
    const type = entryType(header.typeflag);
    const name = pending.path ?? (header.prefix === "" ? header.name : `${header.prefix}/${header.name}`);
    const linkName = pending.linkPath ?? header.linkName;
    entries.push({
      name,
      type,
      size: type === "file" ? size : 0,
      offset,
      ...(type === "symlink" || type === "hardlink" ? { linkName } : {}),
      mode: header.mode,
      mtime: header.mtime,
    });
    pending = {};
  }
  return entries;
}

function entryType(typeflag: string): TarEntryType {
  switch (typeflag) {
    case "0":
    case "7":
      return "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
      return "directory";
    default:
      return "other";
  }
}

async function readMetadata(
  source: RandomAccessSource,
  offset: number,
  size: number,
  where: string,
): Promise<Uint8Array> {
  if (size > maxMetadataSize)
    throw new LocalFormatError(`${where}: extended header of ${size} bytes is too large`);
  const data = await source.read(offset, size);
  if (data.length < size)
    throw new LocalFormatError(`${where}: truncated extended header at offset ${offset}`);
  return data;
}
