import { describe, expect, it } from "vitest";
import { parseWhiteout, whiteoutPath } from "./whiteout.js";

describe("whiteouts", () => {
  it.each([
    ["etc/.wh.motd", { kind: "delete", path: "etc/motd" }],
    [".wh.top", { kind: "delete", path: "top" }],
    ["var/cache/.wh..wh..opq", { kind: "opaque", directory: "var/cache" }],
    [".wh..wh..opq", { kind: "opaque", directory: "" }],
    ["etc/motd", undefined],
    ["etc/.wh.", undefined],
    ["etc/x.wh.y", undefined],
  ])("%j means %j", (path, expected) => {
    expect(parseWhiteout(path)).toEqual(expected);
  });

  it("writes the names it reads", () => {
    expect(whiteoutPath("etc/motd")).toBe("etc/.wh.motd");
    expect(whiteoutPath("top")).toBe(".wh.top");
    expect(whiteoutPath("var/cache", { opaque: true })).toBe("var/cache/.wh..wh..opq");
    expect(parseWhiteout(whiteoutPath("a/b/c"))).toEqual({ kind: "delete", path: "a/b/c" });
  });
});
