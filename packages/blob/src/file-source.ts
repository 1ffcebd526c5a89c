import { createReadStream } from "node:fs";
import type { ByteStream, ReplayableSource } from "@stevedore/core";
import { LocalFormatError } from "@stevedore/core";
import { checkOffset } from "./check-offset.js";

/** Options of {@link fileSource}. */
export interface FileSourceOptions {
  /** Bytes per read. Large reads keep uploads fast; the default is 1 MiB. */
  highWaterMark?: number;
}

const defaultHighWaterMark = 1024 * 1024;

/**
 * A {@link ReplayableSource} over a file: each call opens the file and reads it from `offset` on, so a
 * chunked upload can resume from the offset the registry reports (`spec/PROTOCOL.md` §4.1). A file that
 * cannot be read fails the stream with `LocalFormatError` naming the path.
 *
 * @example
 * ```ts
 * await target.push(descriptor, fileSource("/tmp/layer.tar.gz"));
 * ```
 */
export function fileSource(path: string, options: FileSourceOptions = {}): ReplayableSource {
  const highWaterMark = options.highWaterMark ?? defaultHighWaterMark;
  return (offset: number): ByteStream => {
    checkOffset(offset);
    return read(path, offset, highWaterMark);
  };
}

async function* read(path: string, start: number, highWaterMark: number): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { start, highWaterMark });
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new LocalFormatError(`cannot read ${path}${typeof code === "string" ? `: ${code}` : ""}`, {
      cause: error,
    });
  } finally {
    stream.destroy();
  }
}
