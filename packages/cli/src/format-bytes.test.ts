import { describe, expect, it } from "vitest";
import { formatBytes } from "./format-bytes.js";
import { shortDigest } from "./short-digest.js";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [1024 * 1024 - 1, "1.0 MiB"],
    [12_897_485, "12.3 MiB"],
    [5 * 1024 ** 3, "5.0 GiB"],
    [3 * 1024 ** 5, "3072.0 TiB"],
    [-1, "? B"],
    [Number.NaN, "? B"],
  ])("%d → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe("shortDigest", () => {
  it.each([
    [`sha256:${"ab".repeat(32)}`, `sha256:${"ab".repeat(6)}…`],
    [`sha512:${"c".repeat(128)}`, `sha512:${"c".repeat(12)}…`],
    ["sha256:abc", "sha256:abc"],
    ["nocolon", "nocolon"],
  ])("%s", (digest, short) => {
    expect(shortDigest(digest)).toBe(short);
  });
});
