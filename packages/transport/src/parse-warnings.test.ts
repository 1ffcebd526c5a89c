import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseWarnings } from "./parse-warnings.js";

describe("parseWarnings", () => {
  it.each([
    ['299 - "deprecated registry"', ["deprecated registry"]],
    ['299 - "one", 299 - "two"', ["one", "two"]],
    [
      ['299 - "one"', '299 registry.example "two" "Wed, 21 Oct 2015 07:28:00 GMT"'],
      ["one", "two"],
    ],
    ['299 - "say \\"hi\\""', ['say "hi"']],
    ['299 - "line\\\nbreak"', ["line break"]],
    ["not a warning", []],
    ['299 - ""', []],
    ['299 - "unterminated', []],
  ] as const)("reads %j", (value, expected) => {
    expect(parseWarnings(value as string | string[])).toEqual(expected);
  });

  it("reads at most 4096 characters of warnings", () => {
    const many = Array.from({ length: 400 }, (_, index) => `299 - "warning number ${index}"`).join(", ");
    const texts = parseWarnings(many);
    expect(texts.length).toBeGreaterThan(50);
    expect(texts.length).toBeLessThan(400);
    expect(texts.join("").length).toBeLessThan(4096);
  });

  it("gives printable texts for any header value", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.string())), (value) => {
        for (const text of parseWarnings(value)) expect(text).not.toMatch(/[\x00-\x1f]/);
      }),
    );
  });
});
