import { randomBytes } from "node:crypto";
import {
  DigestMismatchError,
  InvalidDigestError,
  NetworkError,
  SizeMismatchError,
  UsageError,
} from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concat, digestOf, drain, endlessSource, fromChunks, split } from "../test-support/byte-streams.js";
import { createVerifier } from "./create-verifier.js";
import { verifyContent } from "./verify-content.js";

const content = new Uint8Array(randomBytes(10 * 1024));
const expected = { digest: digestOf(content), size: content.length };

describe("verifyContent", () => {
  it.each(["sha256", "sha512"] as const)("passes exact %s content through unchanged", async (algorithm) => {
    const result = await drain(
      verifyContent(fromChunks(split(content, 1000)), {
        digest: digestOf(content, algorithm),
        size: content.length,
      }),
    );
    expect(result.failed).toBe(false);
    expect(concat(result.chunks)).toEqual(content);
  });

  it("verifies empty content", async () => {
    const empty = new Uint8Array(0);
    const result = await drain(verifyContent(fromChunks([empty]), { digest: digestOf(empty), size: 0 }));
    expect(result).toEqual({ chunks: [], error: undefined, failed: false });
  });

  it("fails a short source with SizeMismatchError after yielding what arrived", async () => {
    const result = await drain(verifyContent(fromChunks(split(content.subarray(0, 9000), 1000)), expected));
    expect(result.error).toBeInstanceOf(SizeMismatchError);
    expect(result.error).toMatchObject({ expected: content.length, actual: 9000 });
    expect(concat(result.chunks)).toEqual(content.subarray(0, 9000));
  });

  it("fails at the moment the size is exceeded, even from a source that never ends", async () => {
    const endless = endlessSource(1024);
    const zeros = new Uint8Array(10 * 1024);
    const result = await drain(
      verifyContent(endless.source, { digest: digestOf(zeros), size: zeros.length }),
    );
    expect(result.error).toBeInstanceOf(SizeMismatchError);
    expect(result.error).toMatchObject({ expected: 10 * 1024, actual: 11 * 1024 });
    // Chunk 10 completed the size and was held back; chunk 11 failed; nothing more was asked for.
    expect(endless.produced).toBe(11);
    expect(result.chunks).toHaveLength(9);
    expect(endless.closed).toBe(true);
  });

  it("fails trailing bytes after the full size without ever yielding the completing chunk", async () => {
    const chunks = [...split(content, 1000), new Uint8Array([1])];
    const result = await drain(verifyContent(fromChunks(chunks), expected));
    expect(result.error).toBeInstanceOf(SizeMismatchError);
    expect(concat(result.chunks)).toEqual(content.subarray(0, 10_000));
  });

  it("fails a corrupt last byte with DigestMismatchError before the last chunk is seen", async () => {
    const corrupt = content.slice();
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1]! + 1) % 256;
    const result = await drain(
      verifyContent(fromChunks(split(corrupt, 1000)), expected, { where: "layer x" }),
    );
    expect(result.error).toBeInstanceOf(DigestMismatchError);
    expect(result.error).toMatchObject({ expected: expected.digest, actual: digestOf(corrupt) });
    expect((result.error as Error).message).toContain("layer x");
    expect(concat(result.chunks)).toEqual(corrupt.subarray(0, 10_000));
  });

  it("checks sha512 digests too", async () => {
    const wrong = { digest: digestOf(randomBytes(8), "sha512"), size: content.length };
    const result = await drain(verifyContent(fromChunks([content]), wrong));
    expect(result.error).toBeInstanceOf(DigestMismatchError);
    expect(result.chunks).toEqual([]);
  });

  it.each([
    ["md5:d41d8cd98f00b204e9800998ecf8427e", "cannot verify algorithm md5 (supported: sha256, sha512)"],
    [`blake3:${"a".repeat(64)}`, "cannot verify algorithm blake3"],
    ["sha256:abc", "sha256 needs 64 hex characters"],
    [`sha256:${"A".repeat(64)}`, "lower-case"],
    ["sha256", "missing ':'"],
    ["", "empty"],
  ])("rejects the digest %j before reading anything", (digest, reason) => {
    let read = false;
    const source = {
      async *[Symbol.asyncIterator]() {
        read = true;
        yield content;
      },
    };
    expect(() => verifyContent(source, { digest, size: 1 })).toThrow(InvalidDigestError);
    expect(() => verifyContent(source, { digest, size: 1 })).toThrow(reason);
    expect(read).toBe(false);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("rejects the size %d with UsageError", (size) => {
    expect(() => verifyContent(fromChunks([]), { digest: expected.digest, size })).toThrow(UsageError);
  });

  it("rejects a stream of strings with UsageError", async () => {
    const strings = (async function* () {
      yield "text";
    })() as unknown as AsyncIterable<Uint8Array>;
    const result = await drain(verifyContent(strings, expected));
    expect(result.error).toBeInstanceOf(UsageError);
  });

  it("closes the source when the consumer stops early", async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield* split(content, 1000);
      } finally {
        closed = true;
      }
    }
    for await (const _chunk of verifyContent(source(), expected)) break;
    expect(closed).toBe(true);
  });

  it("accepts content whose connection fails after the last byte arrived", async () => {
    async function* cutAfterEnd(): AsyncGenerator<Uint8Array> {
      yield* split(content, 4096);
      throw new NetworkError("connection reset");
    }
    const result = await drain(verifyContent(cutAfterEnd(), expected));
    expect(result.failed).toBe(false);
    expect(concat(result.chunks)).toEqual(content);
  });

  it("resumes a cut download with the same verifier and one hash over the whole blob", async () => {
    const verifier = createVerifier(expected);
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield content.subarray(0, 3000);
      yield content.subarray(3000, 4100);
      throw new NetworkError("connection reset");
    }
    const first = await drain(verifyContent(cut(), verifier));
    expect(first.error).toBeInstanceOf(NetworkError);
    expect(verifier.bytes).toBe(4100);
    // What a `Range: bytes=4100-` request would return.
    const second = await drain(
      verifyContent(fromChunks(split(content.subarray(verifier.bytes), 777)), verifier),
    );
    expect(second.failed).toBe(false);
    expect(concat([...first.chunks, ...second.chunks])).toEqual(content);
  });

  it("fails a resumed download whose second part is wrong", async () => {
    const verifier = createVerifier(expected);
    await drain(verifyContent(fromChunks([content.subarray(0, 5000)]), verifier));
    const wrongRest = new Uint8Array(randomBytes(content.length - 5000));
    const second = await drain(verifyContent(fromChunks([wrongRest]), verifier));
    expect(second.error).toBeInstanceOf(DigestMismatchError);
    expect(second.chunks).toEqual([]);
  });

  it("passes any chunking of any content, and fails any single corrupted byte", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 2000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.nat(),
        async (bytes, chunkSize, position) => {
          const want = { digest: digestOf(bytes), size: bytes.length };
          const good = await drain(verifyContent(fromChunks(split(bytes, chunkSize)), want));
          expect(good.failed).toBe(false);
          expect(concat(good.chunks)).toEqual(bytes);

          const corrupt = bytes.slice();
          const index = position % bytes.length;
          corrupt[index] = (corrupt[index]! + 1) % 256;
          const bad = await drain(verifyContent(fromChunks(split(corrupt, chunkSize)), want));
          expect(bad.error).toBeInstanceOf(DigestMismatchError);
          expect(concat(bad.chunks).length).toBeLessThan(bytes.length);
        },
      ),
    );
  });
});

describe("createVerifier", () => {
  it("counts bytes, refuses excess without counting it, and repeats its outcome", () => {
    const verifier = createVerifier(expected);
    verifier.update(content.subarray(0, 4000));
    expect(verifier.bytes).toBe(4000);
    expect(verifier.remaining).toBe(content.length - 4000);
    expect(() => verifier.update(new Uint8Array(content.length))).toThrow(SizeMismatchError);
    expect(verifier.bytes).toBe(4000);
    verifier.update(content.subarray(4000));
    expect(verifier.finish()).toBe(expected.digest);
    expect(verifier.finish()).toBe(expected.digest);
    expect(() => verifier.update(new Uint8Array(0))).toThrow(UsageError);
  });

  it("reports short content from finish() but still accepts the rest (resume after a clean short end)", () => {
    const verifier = createVerifier(expected);
    verifier.update(content.subarray(0, 10));
    expect(() => verifier.finish()).toThrow(SizeMismatchError);
    verifier.update(content.subarray(10));
    expect(verifier.finish()).toBe(expected.digest);
  });

  it("keeps reporting a digest mismatch", () => {
    const verifier = createVerifier(expected);
    verifier.update(new Uint8Array(content.length));
    expect(() => verifier.finish()).toThrow(DigestMismatchError);
    expect(() => verifier.finish()).toThrow(DigestMismatchError);
    expect(() => verifier.update(new Uint8Array(0))).toThrow(UsageError);
  });
});
