import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeArchivePath, resolveArchiveLink } from "./archive-path.js";

describe("normalizeArchivePath and resolveArchiveLink", () => {
  it.each([
    ["./blobs//sha256/ab", "blobs/sha256/ab"],
    ["manifest.json", "manifest.json"],
    ["dir/", "dir"],
    ["../etc/passwd", undefined],
    ["a/../b", undefined],
    ["/etc/passwd", undefined],
    ["\\windows", undefined],
    ["C:/x", undefined],
    ["a\0b", undefined],
    ["", undefined],
    ["./", undefined],
  ])("%j → %j", (input, expected) => {
    expect(normalizeArchivePath(input)).toBe(expected);
  });

  it.each([
    ["aaaa/layer.tar", "../bbbb/layer.tar", "bbbb/layer.tar"],
    ["a/b/link", "../../x", "x"],
    ["a/link", "../../x", undefined],
    ["link", "/etc/passwd", undefined],
    ["a/link", "./c", "a/c"],
  ])("a link at %j to %j resolves to %j", (link, target, expected) => {
    expect(resolveArchiveLink(link, target)).toBe(expected);
  });

  it("never returns a path that is absolute or climbs, for any input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (path, target) => {
        for (const result of [normalizeArchivePath(path), resolveArchiveLink("a/b", target)]) {
          if (result === undefined) continue;
          expect(result.startsWith("/")).toBe(false);
          expect(result.split("/")).not.toContain("..");
          expect(result.split("/")).not.toContain("");
        }
      }),
      { numRuns: 2000 },
    );
  });
});
