import { pipeline, Readable } from "node:stream";
import type * as Zlib from "node:zlib";
import type { ByteStream } from "@stevedore/core";
import { errorCode, LocalFormatError, UsageError } from "@stevedore/core";
import { createByteReader } from "./byte-reader.js";

/** How a layer's bytes are compressed. */
export type Compression = "gzip" | "zstd" | "none";

/** Options of {@link compress}. */
export interface CompressOptions {
  /** gzip 1–9 (default 6, zlib's own default), zstd 1–19 (default 3, zstd's own default). */
  level?: number;
}

/** Output chunk size of the (de)compressors: fewer, larger chunks for layers of gigabytes. */
const chunkSize = 128 * 1024;

// node:zlib loads when a stream is first (de)compressed, not with this package: most commands that import it
// never compress, yet each paid for loading zlib (docs/decisions/0012-fixed-cost.md).
const zlib = (): typeof Zlib => process.getBuiltinModule("node:zlib");

// Node only gained zstd in 22.15 / 23.8; the names are looked up at run time so older Nodes load this file.
interface ZstdModule {
  createZstdCompress?: (options: object) => NodeJS.ReadWriteStream;
  createZstdDecompress?: (options: object) => NodeJS.ReadWriteStream;
  constants: Record<string, number>;
}
const zstd = (): ZstdModule => zlib() as unknown as ZstdModule;

/** True when the running Node compresses and decompresses zstd (`node:zlib`, Node ≥ 22.15). */
export function isZstdAvailable(): boolean {
  const { createZstdCompress, createZstdDecompress } = zstd();
  return typeof createZstdCompress === "function" && typeof createZstdDecompress === "function";
}

/**
 * The compression of a byte stream from its first bytes: gzip magic `1f 8b`, zstd magic `28 b5 2f fd`,
 * anything else is `"none"`.
 */
export function detectCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/**
 * Compresses a stream with gzip or zstd (`"none"` passes it through), streaming with backpressure. The
 * output depends only on the input, the algorithm, the level and the zlib/zstd built into Node: the gzip
 * header carries no time, no name and the "unknown" OS byte, so Linux, macOS and Windows agree. zstd on a
 * Node without it throws `UsageError`; a level out of range too.
 *
 * @example
 * ```ts
 * await pipeline(compress(packDirectory("./site"), "gzip"), createWriteStream("site.tar.gz"));
 * ```
 */
export function compress(
  source: ByteStream,
  algorithm: Compression,
  options: CompressOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  if (algorithm === "none") return passThrough(source);
  if (algorithm === "gzip") {
    const level = checkLevel(options.level ?? 6, 1, 9, "gzip");
    return fixGzipHeader(through(source, zlib().createGzip({ level, chunkSize })));
  }
  if (algorithm === "zstd") {
    const level = checkLevel(options.level ?? 3, 1, 19, "zstd");
    const create = requireZstd().createZstdCompress;
    const params = { [zstd().constants.ZSTD_c_compressionLevel as number]: level };
    return through(source, create({ params, chunkSize }));
  }
  throw new UsageError(`compression ${JSON.stringify(String(algorithm))} is not one of gzip, zstd, none`);
}

/**
 * Decompresses a stream whose compression is told by its first bytes (see {@link detectCompression}):
 * gzip and zstd are inflated, anything else passes through as it is. Corrupt compressed data fails the
 * stream with `LocalFormatError` naming `where`.
 *
 * @example
 * ```ts
 * for await (const entry of readTar(decompress(await target.fetch(layer)))) console.log(entry.name);
 * ```
 */
export async function* decompress(
  source: ByteStream,
  options: { where?: string } = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = createByteReader(source);
  const head = await reader.readExactly(4);
  if (head === undefined) return;
  const algorithm = detectCompression(head);
  const rest = async function* (): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      yield head;
      for (let chunk = await reader.readSome(Number.MAX_SAFE_INTEGER); chunk !== undefined; ) {
        yield chunk;
        chunk = await reader.readSome(Number.MAX_SAFE_INTEGER);
      }
    } finally {
      await reader.close();
    }
  };
  if (algorithm === "none") {
    yield* rest();
    return;
  }
  const inflater =
    algorithm === "gzip"
      ? zlib().createGunzip({ chunkSize })
      : requireZstd().createZstdDecompress({ chunkSize });
  try {
    yield* through(rest(), inflater);
  } catch (error) {
    // zlib's own failures carry Z_… (gzip) or ZSTD_error_… codes; a source's errors pass unchanged.
    const code = errorCode(error);
    if (typeof code === "string" && (code.startsWith("Z_") || code.startsWith("ZSTD_"))) {
      throw new LocalFormatError(
        `${options.where ?? "stream"}: corrupt ${algorithm} data (${(error as Error).message})`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function* passThrough(source: ByteStream): AsyncGenerator<Uint8Array, void, undefined> {
  yield* source;
}

async function* through(
  source: ByteStream,
  transform: NodeJS.ReadWriteStream,
): AsyncGenerator<Uint8Array, void, undefined> {
  // pipeline() hands errors of any stage to the last one, which the iteration below then throws.
  const output = pipeline(Readable.from(source, { objectMode: false }), transform, () => {});
  for await (const chunk of output as AsyncIterable<Buffer>) yield chunk;
}

async function* fixGzipHeader(source: ByteStream): AsyncGenerator<Uint8Array, void, undefined> {
  let first = true;
  for await (const chunk of source) {
    // RFC 1952: byte 9 is the OS that wrote the stream; zlib writes its build's (3 Unix, 10 Windows).
    if (first && chunk.length >= 10) {
      chunk[9] = 0xff;
      first = false;
    }
    yield chunk;
  }
}

function requireZstd(): Required<Pick<ZstdModule, "createZstdCompress" | "createZstdDecompress">> {
  if (!isZstdAvailable()) {
    throw new UsageError(
      `zstd needs Node 22.15 or later (this is ${process.version}); use gzip, or run a newer Node`,
    );
  }
  return zstd() as Required<ZstdModule>;
}

function checkLevel(level: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new UsageError(`${name} level must be an integer from ${min} to ${max}, not ${String(level)}`);
  }
  return level;
}
