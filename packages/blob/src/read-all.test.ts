import { SizeMismatchError, UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { readAll } from "./read-all.js";
import { endlessSource, fromChunks } from "./test-support/byte-streams.js";

describe("readAll", () => {
  it("concatenates every chunk", async () => {
    const result = await readAll(
      fromChunks([new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])]),
    );
    expect(result).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("returns empty bytes for an empty stream", async () => {
    expect(await readAll(fromChunks([]))).toEqual(new Uint8Array(0));
  });

  it("accepts content exactly at the limit", async () => {
    expect(await readAll(fromChunks([new Uint8Array(5), new Uint8Array(5)]), 10)).toHaveLength(10);
  });

  it("stops reading the moment the limit is exceeded, even from a source that never ends", async () => {
    const endless = endlessSource(1000);
    const failure = readAll(endless.source, 4500);
    await expect(failure).rejects.toBeInstanceOf(SizeMismatchError);
    await expect(failure).rejects.toMatchObject({ expected: 4500, actual: 5000 });
    expect(endless.produced).toBe(5);
    expect(endless.closed).toBe(true);
  });

  it.each([-1, 2.5])("rejects the limit %d with UsageError", async (limit) => {
    await expect(readAll(fromChunks([]), limit)).rejects.toBeInstanceOf(UsageError);
  });
});
