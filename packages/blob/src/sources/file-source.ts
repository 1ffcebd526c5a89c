import { createReadStream } from "node:fs";
import type { ByteStream, ReplayableSource } from "@stevedore/core";
import { errorCode, localIoError, NotFoundError } from "@stevedore/core";
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
 * cannot be read fails the stream with a `LocalIoError` naming the path and the reason (`NotFoundError` when
 * it does not exist).
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
    if (errorCode(error) === "ENOENT") {
      throw new NotFoundError(`${path} does not exist`, { cause: error });
    }
    throw localIoError("read", path, error);
  } finally {
    stream.destroy();
  }
}
