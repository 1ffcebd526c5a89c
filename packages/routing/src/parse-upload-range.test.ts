import { InvalidHeaderError, StevedoreError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseUploadRange } from "./parse-upload-range.js";

describe("parseUploadRange (spec/PROTOCOL.md §4.1)", () => {
  it.each<[string | string[], number]>([
    ["0-0", 0],
    ["0-1", 2],
    ["0-1048575", 1048576],
    ["bytes=0-99", 100],
    ["BYTES=0-99", 100],
    [" 0-9 ", 10],
    [["0-4"], 5],
    ["0-999999999999999", 1_000_000_000_000_000],
  ])("%j → next offset %d", (value, offset) => {
    expect(parseUploadRange(value)).toBe(offset);
  });

  it.each<[string | string[] | undefined]>([
    [undefined],
    [""],
    ["0"],
    ["-5"],
    ["0-"],
    ["1-5"],
    ["0--1"],
    ["0-1.5"],
    ["bytes 0-5"],
    ["bytes=0-5/10"],
    ["0-5,0-6"],
    ["0-1e3"],
    ["0-1000000000000000"],
    [["0-1", "0-2"]],
    [[]],
  ])("refuses %j", (value) => {
    expect(() => parseUploadRange(value)).toThrow(InvalidHeaderError);
  });

  it("gives back N + 1 for any 0-N", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999_999_999 }), fc.boolean(), (end, prefix) => {
        expect(parseUploadRange(`${prefix ? "bytes=" : ""}0-${end}`)).toBe(end + 1);
      }),
    );
  });

  it("gives a non-negative integer or InvalidHeaderError for any input", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "binary" }), fc.stringMatching(/^(bytes=)?\d{0,17}-?\d{0,17}$/)),
        (value) => {
          try {
            expect(Number.isSafeInteger(parseUploadRange(value))).toBe(true);
          } catch (error) {
            expect(StevedoreError.isInstance(error) && error.code).toBe("STEVEDORE_INVALID_HEADER");
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
