import type { ByteStream } from "@stevedore/core";
import { LocalFormatError, UsageError } from "@stevedore/core";
import { createByteReader } from "./byte-reader.js";
import {
  addRecords,
  contentSize,
  entryHeader,
  maxMetadataSize,
  type PendingRecords,
  type TarEntryHeader,
} from "./tar-entry-header.js";
import { blockSize, decodeHeader, isZeroBlock } from "./tar-header.js";

/** One entry met by {@link readTar}: its header, and its content as a stream. */
export interface TarStreamEntry extends TarEntryHeader {
  /**
   * The entry's content (empty for everything but files), as views into the archive's own chunks. Read it
   * before asking for the next entry, or not at all: what is left unread is skipped.
   */
  content: ByteStream;
}

/** Options of {@link readTar}. */
export interface ReadTarOptions {
  /** Names the archive in error messages (a layer digest, a file path). */
  where?: string;
}

/**
 * Reads a tar archive from a stream, one entry at a time, without holding more than a header and the
 * chunk in hand: a layer of any size passes through in constant memory. Understands what `indexTar`
 * does (ustar, pax, GNU long names). A corrupt header, a malformed pax record or an archive cut short
 * fails the iteration with `LocalFormatError`. Names are as stored: check them with
 * `normalizeArchivePath` before using one as a path.
 *
 * @example
 * ```ts
 * for await (const entry of readTar(createReadStream("layer.tar"))) {
 *   if (entry.name === "etc/os-release") for await (const chunk of entry.content) process.stdout.write(chunk);
 * }
 * ```
 */
export async function* readTar(
  source: ByteStream,
  options: ReadTarOptions = {},
): AsyncGenerator<TarStreamEntry, void, undefined> {
  const where = options.where ?? "tar archive";
  const reader = createByteReader(source);
  let pending: PendingRecords = {};
  let position = 0;
  try {
    while (true) {
      const block = await reader.readExactly(blockSize);
      if (block === undefined) return;
      if (block.length < blockSize)
        throw new LocalFormatError(`${where}: truncated tar header at offset ${position}`);
      if (isZeroBlock(block)) {
        // What follows the end marker (more zero blocks, a writer's record padding) is read and dropped.
        await reader.drain();
        return;
      }
      const header = decodeHeader(block, where, position);
      const size = contentSize(header, pending);
      const padded = Math.ceil(size / blockSize) * blockSize;
      position += blockSize;
      if (header.typeflag === "x" || header.typeflag === "L" || header.typeflag === "K") {
        if (size > maxMetadataSize)
          throw new LocalFormatError(`${where}: extended header of ${size} bytes is too large`);
        const data = await reader.readExactly(padded);
        if (data === undefined || data.length < padded)
          throw new LocalFormatError(`${where}: truncated extended header at offset ${position}`);
        pending = addRecords(header.typeflag, data.subarray(0, size), pending, where);
        position += padded;
        continue;
      }
      if (header.typeflag === "g") {
        await skip(reader, padded, where, header.name, position);
        position += padded;
        continue;
      }
      const entry = entryHeader(header, pending, size);
      pending = {};
      let remaining = size;
      let active = true;
      const content = async function* (): AsyncGenerator<Uint8Array, void, undefined> {
        while (remaining > 0) {
          if (!active) throw new UsageError(`${where}: content of ${entry.name} read after the next entry`);
          const chunk = await reader.readSome(remaining);
          if (chunk === undefined) throw truncated(where, entry.name, position);
          remaining -= chunk.length;
          yield chunk;
        }
      };
      yield { ...entry, content: content() };
      active = false;
      await skip(reader, remaining + (padded - size), where, entry.name, position);
      position += padded;
    }
  } finally {
    await reader.close();
  }
}

async function skip(
  reader: ReturnType<typeof createByteReader>,
  length: number,
  where: string,
  name: string,
  position: number,
): Promise<void> {
  if (!(await reader.skip(length))) throw truncated(where, name, position);
}

function truncated(where: string, name: string, position: number): LocalFormatError {
  return new LocalFormatError(`${where}: truncated tar entry ${JSON.stringify(name)} at offset ${position}`);
}
