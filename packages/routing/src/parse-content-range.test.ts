import { InvalidHeaderError, StevedoreError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ContentRange } from "./parse-content-range.js";
import { parseContentRange } from "./parse-content-range.js";

describe("parseContentRange (spec/PROTOCOL.md §3.1 end-2)", () => {
  it.each<[string | string[], ContentRange]>([
    ["bytes 0-1023/4096", { start: 0, end: 1023, size: 4096 }],
    ["bytes 4095-4095/4096", { start: 4095, end: 4095, size: 4096 }],
    ["bytes 1024-2047/*", { start: 1024, end: 2047 }],
    ["Bytes  7-8/9", { start: 7, end: 8, size: 9 }],
    [" bytes 0-0/1 ", { start: 0, end: 0, size: 1 }],
    [["bytes 1-2/3"], { start: 1, end: 2, size: 3 }],
  ])("%j → %j", (value, range) => {
    expect(parseContentRange(value)).toEqual(range);
  });

  it.each<[string | string[] | undefined]>([
    [undefined],
    [""],
    ["0-1023"],
    ["bytes 0-1023"],
    ["bytes */4096"],
    ["bytes=0-1023/4096"],
    ["bytes 5-4/10"],
    ["bytes 0-10/10"],
    ["bytes 0-1/0"],
    ["bytes -1-5/10"],
    ["bytes 0-5/10, bytes 6-7/10"],
    ["items 0-5/10"],
    ["bytes 0-5/1000000000000000"],
    [["bytes 0-1/2", "bytes 0-1/2"]],
  ])("refuses %j", (value) => {
    expect(() => parseContentRange(value)).toThrow(InvalidHeaderError);
  });

  it("reads back any valid range", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 40 }),
        fc.nat({ max: 2 ** 40 }),
        fc.option(fc.nat({ max: 2 ** 40 }), { nil: undefined }),
        (start, length, extra) => {
          const end = start + length;
          const size = extra === undefined ? undefined : end + 1 + extra;
          const header = `bytes ${start}-${end}/${size ?? "*"}`;
          expect(parseContentRange(header)).toEqual(
            size === undefined ? { start, end } : { start, end, size },
          );
        },
      ),
    );
  });

  it("gives a consistent range or InvalidHeaderError for any input", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary" }),
          fc.stringMatching(/^bytes \d{0,17}-\d{0,17}\/(\d{0,17}|\*)$/),
        ),
        (value) => {
          try {
            const { start, end, size } = parseContentRange(value);
            expect(start).toBeLessThanOrEqual(end);
            if (size !== undefined) expect(end).toBeLessThan(size);
          } catch (error) {
            expect(StevedoreError.isInstance(error) && error.code).toBe("STEVEDORE_INVALID_HEADER");
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
