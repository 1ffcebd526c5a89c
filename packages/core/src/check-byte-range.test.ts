import { describe, expect, it } from "vitest";
import { checkByteRange } from "./check-byte-range.js";
import { UsageError } from "./errors.js";

const blob = { digest: "sha256:aa", size: 10 };

describe("checkByteRange", () => {
  it.each([
    [0, 10, 10],
    [3, 3, 3],
    [4, undefined, 10],
    [10, undefined, 10],
  ])("accepts %d-%s and returns the end %d", (start, end, stop) => {
    expect(checkByteRange(blob, start, end)).toBe(stop);
  });

  it.each([
    [-1, 5],
    [6, 5],
    [0, 11],
    [11, undefined],
    [1.5, 5],
    [0, Number.NaN],
  ])("refuses %d-%s with a UsageError naming the blob", (start, end) => {
    expect(() => checkByteRange(blob, start, end)).toThrow(UsageError);
    expect(() => checkByteRange(blob, start, end)).toThrow(/is not within the 10 bytes of sha256:aa/);
  });
});
