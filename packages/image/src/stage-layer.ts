import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { ByteStream } from "@stevedore/core";
import { AbortError, createHasher, localIoError } from "@stevedore/core";
import { type Compression, compress, decompress } from "@stevedore/tar";

/** A layer written to a temp file, with both of its digests. */
export interface StagedLayer {
  /** Digest and size of the blob as stored (compressed). */
  digest: string;
  size: number;
  /** Digest of the uncompressed tar: the config's `rootfs.diff_ids` entry. */
  diffId: string;
  compression: Compression;
  /** The temp file holding the blob. */
  path: string;
  /** Removes the temp file. */
  remove(): Promise<void>;
}

/** Options of {@link stageLayer}. */
export interface StageLayerOptions {
  compression: Compression;
  level?: number;
  /** Where the temp file goes; the system's temp folder by default. */
  temporaryDirectory?: string;
  signal?: AbortSignal;
  where?: string;
}

/**
 * Streams a layer tar (compressed or not; the compression is told from its bytes) through the chosen
 * compression into a temp file, hashing the tar and the blob as they pass: constant memory whatever the
 * layer size, and a blob a registry upload can replay from any offset.
 */
export async function stageLayer(source: ByteStream, options: StageLayerOptions): Promise<StagedLayer> {
  const diffHasher = createHasher();
  const blobHasher = createHasher();
  const path = join(options.temporaryDirectory ?? tmpdir(), `stevedore-layer-${randomUUID()}.tmp`);
  async function* tap(
    stream: ByteStream,
    hasher: ReturnType<typeof createHasher>,
  ): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream) {
      hasher.update(chunk);
      yield chunk;
    }
  }
  const plain = tap(decompress(source, { where: options.where ?? "layer" }), diffHasher);
  const level = options.level === undefined ? {} : { level: options.level };
  try {
    await pipeline(
      tap(compress(plain, options.compression, level), blobHasher),
      createWriteStream(path, { flags: "wx" }),
      options.signal === undefined ? {} : { signal: options.signal },
    );
  } catch (error) {
    await rm(path, { force: true });
    if (options.signal?.aborted) throw new AbortError(undefined, { cause: options.signal.reason });
    throw localIoError("write", path, error);
  }
  return {
    digest: blobHasher.digest(),
    size: blobHasher.bytes,
    diffId: diffHasher.digest(),
    compression: options.compression,
    path,
    remove: () => rm(path, { force: true }),
  };
}
