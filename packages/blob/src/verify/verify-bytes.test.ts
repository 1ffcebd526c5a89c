import { DigestMismatchError, digestOf, InvalidDigestError, SizeMismatchError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { verifyBytes } from "./verify-bytes.js";

const bytes = new TextEncoder().encode('{"schemaVersion":2}');
const expected = { digest: digestOf(bytes), size: bytes.length };

describe("verifyBytes", () => {
  it("returns the digest of bytes that match", () => {
    expect(verifyBytes(bytes, expected)).toBe(expected.digest);
    const sha512 = { digest: digestOf(bytes, "sha512"), size: bytes.length };
    expect(verifyBytes(bytes, sha512)).toBe(sha512.digest);
  });

  it("refuses a wrong size before the digest, naming where", () => {
    for (const size of [bytes.length - 1, bytes.length + 1]) {
      expect(() => verifyBytes(bytes, { ...expected, size }, { where: "manifest x" })).toThrow(
        SizeMismatchError,
      );
      expect(() => verifyBytes(bytes, { ...expected, size }, { where: "manifest x" })).toThrow(/manifest x/);
    }
  });

  it("refuses other bytes of the same size with a DigestMismatchError", () => {
    const other = new TextEncoder().encode('{"schemaVersion":3}');
    expect(() => verifyBytes(other, expected)).toThrow(DigestMismatchError);
  });

  it("refuses a digest it cannot compute", () => {
    expect(() => verifyBytes(bytes, { digest: `sha384:${"a".repeat(96)}`, size: bytes.length })).toThrow(
      InvalidDigestError,
    );
  });
});
