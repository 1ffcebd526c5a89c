import { randomBytes } from "node:crypto";
import type { ByteStream, Descriptor, ReadableTarget } from "@stevedore/core";
import { DigestMismatchError, UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { createMemoryTarget } from "../memory/create-memory-target.js";
import { concat, digestOf, drain, expectBytes, fromChunks, split } from "../test-support/byte-streams.js";
import { isVerifiedFor } from "../verify/is-verified-for.js";
import { verifyContent } from "../verify/verify-content.js";
import { prefetchTargetSource, targetSource } from "./target-source.js";

const bytes = new Uint8Array(randomBytes(50_000));
const descriptor: Descriptor = {
  mediaType: "application/octet-stream",
  digest: digestOf(bytes),
  size: bytes.length,
};

/** A target with `fetch` only (no `fetchRange`), serving `served` in 4 KiB chunks, counting fetches. */
function plainTarget(served: Uint8Array): ReadableTarget & { fetches: number } {
  const target = {
    fetches: 0,
    async resolve(): Promise<Descriptor> {
      return descriptor;
    },
    async fetch(wanted: Descriptor): Promise<ByteStream> {
      target.fetches += 1;
      return verifyContent(fromChunks(split(served, 4096)), wanted);
    },
    async exists(): Promise<boolean> {
      return true;
    },
  };
  return target;
}

describe("targetSource", () => {
  it.each([0, 1, 4095, 4096, 4097, 30_000, bytes.length])(
    "streams from offset %d of a target without ranges by dropping the prefix",
    async (offset) => {
      const target = plainTarget(bytes);
      const { chunks, failed } = await drain(targetSource(target, descriptor)(offset));
      expect(failed).toBe(false);
      expectBytes(concat(chunks), bytes.subarray(offset));
      expect(target.fetches).toBe(1);
    },
  );

  it("still verifies the whole blob when it drops a prefix", async () => {
    const corrupt = bytes.slice();
    corrupt[0] = (corrupt[0]! + 1) % 256;
    const { error } = await drain(targetSource(plainTarget(corrupt), descriptor)(10_000));
    expect(error).toBeInstanceOf(DigestMismatchError);
  });

  it.each([0, 1, 25_000, bytes.length])(
    "uses fetchRange from offset %d when the target has it",
    async (offset) => {
      const target = createMemoryTarget();
      await target.push(descriptor, bytes);
      const ranges: number[] = [];
      const fetchRange = target.fetchRange;
      target.fetchRange = (wanted, start, end, options) => {
        ranges.push(start);
        return fetchRange(wanted, start, end, options);
      };
      const { chunks } = await drain(targetSource(target, descriptor)(offset));
      expectBytes(concat(chunks), bytes.subarray(offset));
      // Offset 0 is a plain, verified fetch; the end needs no request at all.
      expect(ranges).toEqual(offset === 0 || offset === bytes.length ? [] : [offset]);
    },
  );

  it.each([-1, bytes.length + 1])("rejects the offset %d with UsageError", (offset) => {
    expect(() => targetSource(plainTarget(bytes), descriptor)(offset)).toThrow(UsageError);
  });
});

describe("prefetchTargetSource", () => {
  it("sends its fetch at once; offset 0 takes that fetch, verified, and a replay fetches anew", async () => {
    const target = plainTarget(bytes);
    const prefetched = prefetchTargetSource(target, descriptor);
    expect(target.fetches).toBe(1);

    const first = prefetched.source(0);
    expectBytes(concat((await drain(first)).chunks), bytes);
    expect(isVerifiedFor(first, descriptor)).toBe(true);
    expect(target.fetches).toBe(1);

    expectBytes(concat((await drain(prefetched.source(0))).chunks), bytes);
    expect(target.fetches).toBe(2);
    prefetched.release();
  });

  it("closes a fetch no one took when released, and a failed one stays quiet until it is read", async () => {
    let closed = false;
    const target: ReadableTarget = {
      ...plainTarget(bytes),
      async fetch(): Promise<ByteStream> {
        return (async function* () {
          try {
            yield bytes.subarray(0, 10);
            yield bytes.subarray(10);
          } finally {
            closed = true;
          }
        })();
      },
    };
    prefetchTargetSource(target, descriptor).release();
    await expect.poll(() => closed).toBe(true);

    const failing: ReadableTarget = {
      ...plainTarget(bytes),
      fetch: () => Promise.reject(new DigestMismatchError(descriptor.digest, "sha256:00", "blob")),
    };
    const unread = prefetchTargetSource(failing, descriptor);
    await new Promise((resolve) => setImmediate(resolve));
    const { error } = await drain(unread.source(0));
    expect(error).toBeInstanceOf(DigestMismatchError);
  });
});
