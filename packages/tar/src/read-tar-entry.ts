import { LocalFormatError } from "@stevedore/core";
import type { RandomAccessSource, TarEntry } from "./index-tar.js";

const chunkSize = 1024 * 1024;

/**
 * Streams the content of one entry found by `indexTar`, in chunks of up to 1 MiB read at its offset. A
 * source that has become shorter than the entry (the file was truncated after indexing) fails the stream
 * with `LocalFormatError`.
 *
 * @example
 * ```ts
 * for await (const chunk of readTarEntry(file, entry)) process.stdout.write(chunk);
 * ```
 */
export async function* readTarEntry(
  source: RandomAccessSource,
  entry: Pick<TarEntry, "name" | "offset" | "size">,
): AsyncGenerator<Uint8Array, void, undefined> {
  let position = entry.offset;
  const end = entry.offset + entry.size;
  while (position < end) {
    const chunk = await source.read(position, Math.min(chunkSize, end - position));
    if (chunk.length === 0) {
      throw new LocalFormatError(`tar entry ${JSON.stringify(entry.name)} is truncated`);
    }
    position += chunk.length;
    yield chunk;
  }
}
