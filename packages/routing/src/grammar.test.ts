import { InvalidDigestError, InvalidReferenceError, UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import {
  checkDigest,
  checkMediaType,
  checkPageSize,
  checkReference,
  checkRepositoryName,
  checkSessionId,
  checkTag,
  isDigestSyntax,
  isRepositoryName,
  isSessionId,
  isTag,
} from "./grammar.js";

const sha256 = `sha256:${"a".repeat(64)}`;

describe("repository names (spec/PROTOCOL.md §2)", () => {
  it.each([
    "alpine",
    "library/alpine",
    "a/b/c/d",
    "my-app",
    "my--app",
    "my_app",
    "my__app",
    "my.app",
    "0/1",
    "team/manifests/blobs",
  ])("accepts %j", (name) => {
    expect(checkRepositoryName(name)).toBe(name);
  });

  it.each([
    "",
    "Alpine",
    "a//b",
    "/a",
    "a/",
    "a___b",
    "-a",
    "a-",
    "a..b",
    "a._b",
    "_catalog",
    "a b",
    "a:b",
    "a/../b",
    "ä",
  ])("refuses %j", (name) => {
    expect(() => checkRepositoryName(name)).toThrow(InvalidReferenceError);
  });

  it("refuses non-strings with a typed error", () => {
    expect(() => checkRepositoryName(undefined)).toThrow(InvalidReferenceError);
    expect(() => checkRepositoryName(7)).toThrow(InvalidReferenceError);
  });
});

describe("tags", () => {
  it.each(["latest", "v1.2.3", "_", "A_b-c.d", "1", "a".repeat(128)])("accepts %j", (tag) => {
    expect(checkTag(tag)).toBe(tag);
  });
  it.each(["", ".hidden", "-x", "a".repeat(129), "a/b", "a:b", "a b", "tag\n"])("refuses %j", (tag) => {
    expect(() => checkTag(tag)).toThrow(InvalidReferenceError);
  });
});

describe("digests", () => {
  it.each([
    sha256,
    `sha512:${"0".repeat(128)}`,
    `blake3:${"f".repeat(64)}`,
    "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
    "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
    "a.b_c-d:=_-",
  ])("accepts %j", (digest) => {
    expect(checkDigest(digest)).toBe(digest);
  });
  it.each([
    "",
    "sha256",
    "sha256:",
    ":abc",
    `sha256:${"a".repeat(63)}`,
    `sha256:${"A".repeat(64)}`,
    `sha512:${"a".repeat(64)}`,
    `blake3:${"a".repeat(65)}`,
    `SHA256:${"a".repeat(64)}`,
    "sha256:abc/def",
    "sha256::abc",
    "a..b:abc",
  ])("refuses %j", (digest) => {
    expect(() => checkDigest(digest)).toThrow(InvalidDigestError);
  });
  it("does not trip over algorithm names that are Object properties", () => {
    expect(checkDigest("constructor:abc")).toBe("constructor:abc");
    expect(() => checkDigest("__proto__:abc")).toThrow(InvalidDigestError);
  });
});

describe("predicates", () => {
  it("answer false for anything that is not a string", () => {
    for (const value of [undefined, null, 1, {}, ["a"]]) {
      expect(isRepositoryName(value)).toBe(false);
      expect(isTag(value)).toBe(false);
      expect(isDigestSyntax(value)).toBe(false);
      expect(isSessionId(value)).toBe(false);
    }
  });
});

describe("references", () => {
  it("reads a value with ':' as a digest and anything else as a tag", () => {
    expect(checkReference(sha256)).toBe(sha256);
    expect(checkReference("v1")).toBe("v1");
    expect(() => checkReference("sha256:short")).toThrow(InvalidDigestError);
    expect(() => checkReference(".v1")).toThrow(InvalidReferenceError);
  });
});

describe("other values", () => {
  it("checks page sizes", () => {
    expect(checkPageSize(0)).toBe(0);
    expect(checkPageSize(100)).toBe(100);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "10"]) {
      expect(() => checkPageSize(bad)).toThrow(UsageError);
    }
  });
  it("checks media types", () => {
    expect(checkMediaType("application/vnd.oci.image.manifest.v1+json", "x")).toBeTruthy();
    for (const bad of ["", "text", "text/", "/plain", "text/plain; charset=utf-8", "a/b/c"]) {
      expect(() => checkMediaType(bad, "artifactType")).toThrow(UsageError);
    }
  });
  it("checks upload session ids", () => {
    expect(checkSessionId("0b1c2d3e-aaaa-bbbb-cccc-0123456789ab")).toBeTruthy();
    expect(checkSessionId("YWJj=")).toBeTruthy();
    for (const bad of ["", ".", "..", "a/b", "a:b", "a b"]) {
      expect(() => checkSessionId(bad)).toThrow(UsageError);
    }
  });
});
