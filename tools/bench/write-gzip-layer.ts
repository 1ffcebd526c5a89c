import { createHash, randomFillSync } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { tarHeader } from "../../packages/testing/src/index.ts";

/** What {@link writeGzipLayer} wrote: the blob's digest and size, and the digest of the tar inside. */
export interface GzipLayer {
  digest: string;
  size: number;
  /** sha256 of the uncompressed tar: the image config's `rootfs.diff_ids` entry. */
  diffId: string;
}

const chunkSize = 1024 * 1024;
const block = 512;

/**
 * Writes one image layer into `blobsDirectory` (the layout's `blobs/sha256`): a tar holding one file of
 * `payloadSize` random bytes, gzip-compressed at level 0. Random bytes do not compress and level 0 costs
 * almost nothing, yet the blob is a real gzip stream, so skopeo keeps it as it is (with
 * `--preserve-digests`) instead of compressing it again (TOOLCHAIN.md of the shared docs, skopeo).
 */
export async function writeGzipLayer(
  blobsDirectory: string,
  fileName: string,
  payloadSize: number,
): Promise<GzipLayer> {
  const temporary = join(blobsDirectory, `.layer-${process.pid}-${fileName}`);
  const tarHash = createHash("sha256");
  const blobHash = createHash("sha256");
  let size = 0;
  async function* tar(): AsyncGenerator<Buffer> {
    const header = tarHeader(fileName, payloadSize);
    tarHash.update(header);
    yield header;
    for (let written = 0; written < payloadSize; written += chunkSize) {
      const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(chunkSize, payloadSize - written)));
      tarHash.update(chunk);
      yield chunk;
    }
    // Pad the file to whole blocks, then the two zero blocks that end an archive.
    const trailer = Buffer.alloc(((block - (payloadSize % block)) % block) + 2 * block);
    tarHash.update(trailer);
    yield trailer;
  }
  async function* count(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      blobHash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }
  await pipeline(tar, createGzip({ level: 0 }), count, createWriteStream(temporary));
  const hex = blobHash.digest("hex");
  await rename(temporary, join(blobsDirectory, hex));
  return { digest: `sha256:${hex}`, size, diffId: `sha256:${tarHash.digest("hex")}` };
}
