import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { DigestMismatchError, SizeMismatchError } from "@stevedore/core";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { countProgress } from "../count-progress.js";
import { writeVerifiedFile } from "../files/write-verified-file.js";
import { createMemoryTarget } from "../memory/create-memory-target.js";
import { targetSource } from "../sources/target-source.js";
import { digestOf, expectBytes, fromChunks, split } from "../test-support/byte-streams.js";
import { createVerifier } from "./create-verifier.js";
import { isVerifiedFor, markVerified } from "./is-verified-for.js";
import { verifyContent } from "./verify-content.js";

const bytes = new Uint8Array(randomBytes(100_000));
const expected = { digest: digestOf(bytes), size: bytes.length };
const layer = { mediaType: "application/octet-stream", ...expected };

const directory = useTemporaryDirectory("stevedore-verified-", beforeEach, afterEach);

/** Chunks marked as verified for `expected` whatever they hold: what a sink that trusts the mark accepts. */
function marked(chunks: Uint8Array[]): AsyncGenerator<Uint8Array, void, undefined> {
  const stream = fromChunks(chunks);
  markVerified(stream, expected);
  return stream;
}

describe("isVerifiedFor", () => {
  it("holds for verifyContent's stream, only for the same digest and size", () => {
    const stream = verifyContent(fromChunks([bytes]), expected);
    expect(isVerifiedFor(stream, expected)).toBe(true);
    expect(isVerifiedFor(stream, { ...expected, size: expected.size + 1 })).toBe(false);
    expect(isVerifiedFor(stream, { digest: digestOf(new Uint8Array(1)), size: expected.size })).toBe(false);
    expect(isVerifiedFor(fromChunks([bytes]), expected)).toBe(false);
  });

  it("does not hold for a resumed download, which carries only the tail", async () => {
    const verifier = createVerifier(expected);
    verifier.update(bytes.subarray(0, 10));
    expect(isVerifiedFor(verifyContent(fromChunks([bytes.subarray(10)]), verifier), expected)).toBe(false);
  });

  it("passes through countProgress once the first chunk has come", async () => {
    const counted = countProgress(verifyContent(fromChunks(split(bytes, 4096)), expected), () => undefined);
    await counted.next();
    expect(isVerifiedFor(counted, expected)).toBe(true);
    const plain = countProgress(fromChunks([bytes]), () => undefined);
    await plain.next();
    expect(isVerifiedFor(plain, expected)).toBe(false);
  });

  it("passes through targetSource at offset 0, not at a later offset", async () => {
    const target = createMemoryTarget();
    await target.push(layer, bytes);
    const whole = targetSource(target, layer)(0)[Symbol.asyncIterator]();
    await whole.next();
    expect(isVerifiedFor(whole as AsyncGenerator<Uint8Array>, expected)).toBe(true);
    const tail = targetSource(target, layer)(5)[Symbol.asyncIterator]();
    await tail.next();
    expect(isVerifiedFor(tail as AsyncGenerator<Uint8Array>, expected)).toBe(false);
  });
});

describe("writeVerifiedFile with a stream verified upstream", () => {
  it("counts instead of hashing: the mark alone vouches for the digest", async () => {
    // Same size, other bytes: accepted only because the mark says an upstream verifier checked them.
    const other = new Uint8Array(randomBytes(bytes.length));
    const path = join(directory.path, "layer");
    await writeVerifiedFile(path, marked(split(other, 8192)), expected);
    expectBytes(await readFile(path), other);
  });

  it("still fails on a short stream and leaves nothing behind", async () => {
    const path = join(directory.path, "layer");
    await expect(writeVerifiedFile(path, marked([bytes.subarray(1)]), expected)).rejects.toBeInstanceOf(
      SizeMismatchError,
    );
    expect(await readdir(directory.path)).toEqual([]);
  });

  it("still fails on a long stream and leaves nothing behind", async () => {
    const path = join(directory.path, "layer");
    await expect(
      writeVerifiedFile(path, marked([bytes, new Uint8Array(1)]), expected),
    ).rejects.toBeInstanceOf(SizeMismatchError);
    expect(await readdir(directory.path)).toEqual([]);
  });

  it("renames nothing into place when the upstream verifier finds bad bytes", async () => {
    const corrupt = bytes.slice();
    corrupt[500] = (corrupt[500]! + 1) % 256;
    const path = join(directory.path, "layer");
    const upstream = countProgress(
      verifyContent(fromChunks(split(corrupt, 8192)), expected),
      () => undefined,
    );
    await expect(writeVerifiedFile(path, upstream, expected)).rejects.toBeInstanceOf(DigestMismatchError);
    expect(await readdir(directory.path)).toEqual([]);
  });

  it("hashes a stream marked for other content", async () => {
    const other = new Uint8Array(randomBytes(bytes.length));
    const stream = fromChunks([other]);
    markVerified(stream, { digest: digestOf(other, "sha512"), size: other.length });
    await expect(writeVerifiedFile(join(directory.path, "layer"), stream, expected)).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
  });
});
