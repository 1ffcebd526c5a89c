import { UsageError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkStream } from "./chunk-stream.js";
import { concat, drain, fromChunks } from "./test-support/byte-streams.js";

/** Cuts `bytes` at the given positions (sorted, deduplicated by the caller's arbitrary). */
function cutAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const positions = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let previous = 0;
  for (const position of [...positions, bytes.length]) {
    chunks.push(bytes.subarray(previous, position));
    previous = position;
  }
  return chunks;
}

describe("chunkStream", () => {
  it("preserves the bytes and yields exact-size chunks except a non-empty last one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.integer({ min: 1, max: 700 }),
        async (bytes, cuts, chunkSize) => {
          const { chunks, failed } = await drain(chunkStream(fromChunks(cutAt(bytes, cuts)), chunkSize));
          expect(failed).toBe(false);
          expect(concat(chunks)).toEqual(bytes);
          expect(chunks).toHaveLength(Math.ceil(bytes.length / chunkSize));
          for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBe(chunkSize);
          const last = chunks.at(-1);
          if (last !== undefined) expect(last.length).toBeGreaterThan(0);
        },
      ),
    );
  });

  it("passes chunks that already line up as views of the input, without copying", async () => {
    const input = new Uint8Array(300).map((_, index) => index % 251);
    const { chunks } = await drain(chunkStream(fromChunks([input]), 100));
    expect(chunks).toHaveLength(3);
    for (const chunk of chunks) expect(chunk.buffer).toBe(input.buffer);
  });

  it("hands out a fresh buffer for every assembled chunk, so a consumer may keep them", async () => {
    const input = [
      new Uint8Array([1, 2]),
      new Uint8Array([3, 4]),
      new Uint8Array([5, 6]),
      new Uint8Array([7]),
    ];
    const { chunks } = await drain(chunkStream(fromChunks(input), 3));
    expect(chunks).toEqual([new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6]), new Uint8Array([7])]);
    expect(chunks[0]!.buffer).not.toBe(chunks[1]!.buffer);
  });

  it("yields nothing for an empty source", async () => {
    expect((await drain(chunkStream(fromChunks([new Uint8Array(0)]), 8))).chunks).toEqual([]);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects the chunk size %d with UsageError", (size) => {
    expect(() => chunkStream(fromChunks([]), size)).toThrow(UsageError);
  });
});
