import { StevedoreError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDestinationReference } from "./check-arguments.js";

describe("parseDestinationReference", () => {
  it.each([
    [undefined, {}],
    ["v1.2", { tag: "v1.2" }],
    ["_latest-1", { tag: "_latest-1" }],
    [`sha256:${"a".repeat(64)}`, { digest: `sha256:${"a".repeat(64)}` }],
  ])("%s → %o", (input, expected) => {
    expect(parseDestinationReference(input)).toEqual(expected);
  });

  it.each(["", "-v1", "a/b", "x".repeat(129), "sha256:short", "v1@sha256", 42, null, { toString: [] }])(
    "rejects %s",
    (input) => {
      expect(() => parseDestinationReference(input)).toThrow(StevedoreError);
    },
  );

  it("gives a tag, a digest or a typed error for any input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything()), (input) => {
        try {
          const parsed = parseDestinationReference(input);
          expect(parsed.tag ?? parsed.digest ?? input).toBe(input);
        } catch (error) {
          expect(StevedoreError.isInstance(error)).toBe(true);
        }
      }),
    );
  });
});
