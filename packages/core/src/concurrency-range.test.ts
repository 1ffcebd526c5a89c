import { describe, expect, it } from "vitest";
import { checkConcurrency, concurrencyRange } from "./concurrency-range.js";
import { UsageError } from "./errors.js";

describe("checkConcurrency", () => {
  it("accepts whole numbers within the range", () => {
    expect(checkConcurrency(concurrencyRange.min)).toBe(1);
    expect(checkConcurrency(concurrencyRange.max)).toBe(256);
  });

  it.each([0, -1, 257, 1.5, Number.NaN, "8", undefined])("refuses %s with a one-line UsageError", (value) => {
    expect(() => checkConcurrency(value, "largeConcurrency")).toThrow(UsageError);
    expect(() => checkConcurrency(value, "largeConcurrency")).toThrow(
      /^largeConcurrency must be a whole number from 1 to 256, got [^\n]+$/,
    );
  });
});
