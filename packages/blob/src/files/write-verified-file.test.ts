import { randomBytes } from "node:crypto";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AbortError, DigestMismatchError, LocalIoError, SizeMismatchError } from "@stevedore/core";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { digestOf, expectBytes, fromChunks, split } from "../test-support/byte-streams.js";
import { writeVerifiedFile } from "./write-verified-file.js";

const bytes = new Uint8Array(randomBytes(200_000));
const expected = { digest: digestOf(bytes), size: bytes.length };
const directory = useTemporaryDirectory("stevedore-blob-", beforeEach, afterEach);

describe("writeVerifiedFile", () => {
  it("writes verified content, creating parent directories, and leaves no temp file", async () => {
    const path = join(directory.path, "blobs", "sha256", "layer");
    await writeVerifiedFile(path, fromChunks(split(bytes, 16_384)), expected);
    expectBytes(await readFile(path), bytes);
    expect(await readdir(join(directory.path, "blobs", "sha256"))).toEqual(["layer"]);
  });

  it("writes the same file whatever the chunking: tiny, uneven, empty and larger than a write batch", async () => {
    const large = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    const sizes = [1, 7, 0, 4096, 65_536, 1_048_577, 3];
    const chunks: Uint8Array[] = [];
    for (let position = 0, i = 0; position < large.length; i++) {
      const size = sizes[i % sizes.length]!;
      chunks.push(large.subarray(position, position + size));
      position += size;
    }
    const path = join(directory.path, "layer");
    await writeVerifiedFile(path, fromChunks(chunks), { digest: digestOf(large), size: large.length });
    expectBytes(await readFile(path), large);
    // More than 1024 one-byte chunks: more than one vectored write can take.
    const small = bytes.subarray(0, 5000);
    await writeVerifiedFile(path, fromChunks(split(small, 1)), {
      digest: digestOf(small),
      size: small.length,
    });
    expectBytes(await readFile(path), small);
  });

  it("writes several files at once, each intact (batches shrink while more files are written)", async () => {
    const contents = Array.from({ length: 6 }, () => new Uint8Array(randomBytes(1024 * 1024 + 4099)));
    await Promise.all(
      contents.map((content, index) =>
        writeVerifiedFile(
          join(directory.path, `layer-${index}`),
          fromChunks(split(content, 65_536 - index)),
          {
            digest: digestOf(content),
            size: content.length,
          },
        ),
      ),
    );
    for (const [index, content] of contents.entries()) {
      expectBytes(await readFile(join(directory.path, `layer-${index}`)), content);
    }
  });

  it("replaces an existing file only with verified content", async () => {
    const path = join(directory.path, "layer");
    await writeFile(path, "old");
    await writeVerifiedFile(path, fromChunks([bytes]), expected);
    expectBytes(await readFile(path), bytes);
  });

  it("leaves no file and no temp file when the digest is wrong", async () => {
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1]! + 1) % 256;
    const path = join(directory.path, "layer");
    await expect(
      writeVerifiedFile(path, fromChunks(split(corrupt, 16_384)), expected),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    expect(await readdir(directory.path)).toEqual([]);
  });

  it("leaves an existing file untouched when the content is too long", async () => {
    const path = join(directory.path, "layer");
    await writeFile(path, "old");
    const long = fromChunks([bytes, new Uint8Array(1)]);
    await expect(writeVerifiedFile(path, long, expected)).rejects.toBeInstanceOf(SizeMismatchError);
    expect(await readdir(directory.path)).toEqual(["layer"]);
    expect(await readFile(path, "utf8")).toBe("old");
  });

  it("removes the temp file when aborted mid-write, while the source is waiting", async () => {
    const controller = new AbortController();
    const path = join(directory.path, "layer");
    const seen: string[][] = [];
    async function* stalled(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 50_000);
      // The first chunk is on disk in the temp file; now the "network" stalls and the user aborts.
      seen.push(await readdir(directory.path));
      controller.abort(new Error("user cancelled"));
      await new Promise(() => undefined);
    }
    const failure = writeVerifiedFile(path, stalled(), expected, { signal: controller.signal });
    await expect(failure).rejects.toBeInstanceOf(AbortError);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual([
      expect.stringMatching(new RegExp(`^\\.layer\\.[0-9a-f]{8}-${process.pid}-[0-9a-f]{12}\\.tmp$`)),
    ]);
    expect(await readdir(directory.path)).toEqual([]);
  });

  it("creates nothing when the signal is already aborted", async () => {
    const path = join(directory.path, "sub", "layer");
    const failure = writeVerifiedFile(path, fromChunks([bytes]), expected, { signal: AbortSignal.abort() });
    await expect(failure).rejects.toBeInstanceOf(AbortError);
    expect(await readdir(directory.path)).toEqual([]);
  });

  it("passes on the source's own error and cleans up", async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 1000);
      throw new Error("socket hang up");
    }
    await expect(writeVerifiedFile(join(directory.path, "layer"), broken(), expected)).rejects.toThrow(
      "socket hang up",
    );
    expect(await readdir(directory.path)).toEqual([]);
  });

  it("cleans up after a source that fails while an earlier batch is still being written", async () => {
    const large = new Uint8Array(randomBytes(3 * 1024 * 1024));
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield* split(large, 65_536);
      throw new Error("socket hang up");
    }
    const path = join(directory.path, "layer");
    await writeFile(path, "old");
    const failure = writeVerifiedFile(path, broken(), { digest: digestOf(large), size: large.length + 1 });
    await expect(failure).rejects.toThrow("socket hang up");
    expect(await readdir(directory.path)).toEqual(["layer"]);
    expect(await readFile(path, "utf8")).toBe("old");
  });

  it("reports a parent that is a file as LocalIoError naming it, and leaves it alone", async () => {
    await writeFile(join(directory.path, "file"), "not a directory");
    const path = join(directory.path, "file", "sub", "layer");
    const failure = writeVerifiedFile(path, fromChunks([bytes]), expected);
    await expect(failure).rejects.toBeInstanceOf(LocalIoError);
    await expect(failure).rejects.toThrow(
      `cannot create directory ${join(directory.path, "file")}: not a directory (ENOTDIR)`,
    );
    expect(await readdir(directory.path)).toEqual(["file"]);
    expect(await readFile(join(directory.path, "file"), "utf8")).toBe("not a directory");
  });

  it("applies the requested file mode", async () => {
    const path = join(directory.path, "layer");
    await writeVerifiedFile(path, fromChunks([bytes]), expected, { mode: 0o600 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});
