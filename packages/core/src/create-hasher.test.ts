import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createHasher, digestOf, InvalidDigestError, isDigest, UsageError } from "./index.js";

describe("createHasher", () => {
  it("hashes chunks as one stream and counts bytes", () => {
    const hasher = createHasher();
    hasher.update(new TextEncoder().encode("hello "));
    hasher.update(new TextEncoder().encode("world"));
    expect(hasher.bytes).toBe(11);
    expect(hasher.digest()).toBe(`sha256:${createHash("sha256").update("hello world").digest("hex")}`);
  });

  it("returns the empty-content digest for no input", () => {
    expect(createHasher().digest()).toBe(
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("computes sha512 digests that parse", () => {
    const digest = createHasher("sha512").digest();
    expect(digest).toMatch(/^sha512:[a-f0-9]{128}$/);
    expect(isDigest(digest)).toBe(true);
  });

  it("returns the same digest when asked twice and refuses later updates", () => {
    const hasher = createHasher();
    hasher.update(new Uint8Array([1, 2, 3]));
    const first = hasher.digest();
    expect(hasher.digest()).toBe(first);
    expect(() => hasher.update(new Uint8Array([4]))).toThrow(UsageError);
    expect(hasher.bytes).toBe(3);
  });

  it.each(["md5", "sha1", "blake3", "SHA256", ""])("rejects the unsupported algorithm %j", (algorithm) => {
    expect(() => createHasher(algorithm)).toThrow(InvalidDigestError);
    expect(() => createHasher(algorithm)).toThrow(/unsupported digest algorithm/);
  });

  it("gives the same digest however the bytes are split", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(2000), (bytes, cut) => {
        const hasher = createHasher();
        const at = Math.min(cut, bytes.length);
        hasher.update(bytes.subarray(0, at));
        hasher.update(bytes.subarray(at));
        expect(hasher.digest()).toBe(digestOf(bytes));
        expect(hasher.bytes).toBe(bytes.length);
      }),
      { numRuns: 50 },
    );
  });
});

describe("digestOf", () => {
  it("hashes strings as UTF-8", () => {
    expect(digestOf("{}")).toBe("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    expect(digestOf("é")).toBe(digestOf(new Uint8Array([0xc3, 0xa9])));
  });

  it("uses the algorithm it is given", () => {
    expect(digestOf("", "sha512")).toBe(`sha512:${createHash("sha512").digest("hex")}`);
    expect(() => digestOf("", "md5")).toThrow(InvalidDigestError);
  });
});
