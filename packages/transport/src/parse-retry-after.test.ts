import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "./parse-retry-after.js";

const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");

describe("parseRetryAfter", () => {
  it.each([
    ["2", 2000],
    [" 120 ", 120_000],
    ["0", 0],
    ["Wed, 21 Oct 2015 07:28:30 GMT", 30_000],
    ["Wednesday, 21-Oct-15 07:29:00 GMT", 60_000],
    ["Wed, 21 Oct 2015 07:27:00 GMT", 0],
    [["5", "9"], 5000],
  ] as const)("reads %j", (value, expected) => {
    expect(parseRetryAfter(value as string | string[], now)).toBe(expected);
  });

  it.each([
    undefined,
    "",
    "-1",
    "1.5",
    "9".repeat(400),
    "soon",
    "2015-10-21T07:28:30Z",
    "Mon, 99 Foo 2015 99:99:99 GMT",
    [],
  ])("ignores %j", (value) => {
    expect(parseRetryAfter(value as string | undefined, now)).toBeUndefined();
  });

  it("gives a non-negative number or undefined for any string", () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const result = parseRetryAfter(value, now);
        expect(result === undefined || (Number.isSafeInteger(result) && result >= 0)).toBe(true);
      }),
    );
  });
});
