import { LocalFormatError } from "@stevedore/core";
import {
  addRecords,
  contentSize,
  entryHeader,
  maxMetadataSize,
  type PendingRecords,
  type TarEntryHeader,
} from "./tar-entry-header.js";
import { blockSize, decodeHeader, isZeroBlock } from "./tar-header.js";

/** Bytes that can be read at any position: a file on disk, or bytes in memory. */
export interface RandomAccessSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes at `position`; fewer only at the end of the source. */
  read(position: number, length: number): Promise<Uint8Array>;
}

/** One entry of an indexed tar archive: where its content lies, not the content itself. */
export interface TarEntry extends TarEntryHeader {
  /** Position of the first content byte in the archive. */
  offset: number;
}

/** Options of {@link indexTar}. */
export interface IndexTarOptions {
  /** Names the archive in error messages (a file path). */
  where?: string;
  /** Refuse archives with more entries than this (default 1 000 000), so an index cannot fill memory. */
  maxEntries?: number;
}

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
  let pending: PendingRecords = {};
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
    const size = contentSize(header, pending);
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
        pending = addRecords(header.typeflag, data, pending, where);
        continue;
      }
      case "g":
        continue;
    }
    if (entries.length >= maxEntries) {
      throw new LocalFormatError(`${where}: more than ${maxEntries} entries`);
    }
    entries.push({ ...entryHeader(header, pending, size), offset });
    pending = {};
  }
  return entries;
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
