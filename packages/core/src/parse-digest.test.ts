import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestAlgorithm, digestEncoded, InvalidDigestError, isDigest, parseDigest } from "./index.js";

const sha256 = `sha256:${"a".repeat(64)}`;
const sha512 = `sha512:${"0123456789abcdef".repeat(8)}`;

describe("parseDigest", () => {
  it.each([
    sha256,
    sha512,
    `blake3:${"b".repeat(64)}`,
    "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
    "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
    "a.b_c-d:E=_-",
  ])("accepts %s", (input) => {
    expect(parseDigest(input)).toBe(input);
    expect(isDigest(input)).toBe(true);
  });

  it.each([
    ["", "digest is empty"],
    ["sha256", "missing ':'"],
    [`:${"a".repeat(64)}`, "algorithm is empty"],
    [`SHA256:${"a".repeat(64)}`, 'algorithm "SHA256" must be lower-case'],
    ["sha 256:abc", "may contain only a-z"],
    ["sha256--x:abc", "may contain only a-z"],
    ["sha256:", "encoded part after ':' is empty"],
    [`sha256:${"A".repeat(64)}`, "sha256 hex must be lower-case"],
    [`sha256:${"g".repeat(64)}`, "may contain only hex characters"],
    [`sha256:${"a".repeat(63)}`, "sha256 needs 64 hex characters, got 63"],
    [`sha256:${"a".repeat(65)}`, "sha256 needs 64 hex characters, got 65"],
    [`sha512:${"a".repeat(64)}`, "sha512 needs 128 hex characters, got 64"],
    ["other:abc/def", "encoded part may contain only"],
    ["other:abc:def", "encoded part may contain only"],
  ])("rejects %j: %s", (input, reason) => {
    expect(isDigest(input)).toBe(false);
    let caught: unknown;
    try {
      parseDigest(input);
    } catch (error) {
      caught = error;
    }
    expect(InvalidDigestError.isInstance(caught)).toBe(true);
    expect((caught as InvalidDigestError).code).toBe("STEVEDORE_INVALID_DIGEST");
    expect((caught as Error).message).toContain(reason);
  });

  it("rejects values that are not strings with a typed error", () => {
    expect(() => parseDigest(42 as unknown as string)).toThrow(InvalidDigestError);
    expect(() => parseDigest(Object.create(null) as string)).toThrow(InvalidDigestError);
    expect(isDigest(undefined)).toBe(false);
    expect(isDigest({ toString: () => sha256 })).toBe(false);
  });

  it("splits into algorithm and encoded part", () => {
    expect(digestAlgorithm(parseDigest(sha512))).toBe("sha512");
    expect(digestEncoded(parseDigest(sha512))).toBe("0123456789abcdef".repeat(8));
    const other = parseDigest("sha256+b64u:LCa0a2j_xo");
    expect(digestAlgorithm(other)).toBe("sha256+b64u");
  });

  it("gives a Digest or an InvalidDigestError for any string, never anything else", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), digestLike()), (input) => {
        try {
          const digest = parseDigest(input);
          expect(isDigest(digest)).toBe(true);
          expect(`${digestAlgorithm(digest)}:${digestEncoded(digest)}`).toBe(input);
        } catch (error) {
          expect(InvalidDigestError.isInstance(error)).toBe(true);
          expect(isDigest(input)).toBe(false);
        }
      }),
    );
  });
});

function digestLike(): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom("sha256", "sha512", "blake3", "x", "SHA256", ""),
      fc.constantFrom(":", "", "::"),
      fc.stringMatching(/^[a-fA-F0-9=_-]{0,130}$/),
    )
    .map(([algorithm, separator, encoded]) => `${algorithm}${separator}${encoded}`);
}
