import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Scope } from "./contracts.js";
import { UsageError } from "./errors.js";
import { formatScope, parseScope, parseScopeList } from "./scope.js";

describe("parseScope", () => {
  it.each<[string, Scope]>([
    ["repository:library/alpine:pull", { type: "repository", name: "library/alpine", actions: ["pull"] }],
    ["repository:team/app:pull,push", { type: "repository", name: "team/app", actions: ["pull", "push"] }],
    [
      "repository:localhost:5000/app:pull",
      { type: "repository", name: "localhost:5000/app", actions: ["pull"] },
    ],
    ["registry:catalog:*", { type: "registry", name: "catalog", actions: ["*"] }],
    ["repository(plugin):x:pull", { type: "repository(plugin)", name: "x", actions: ["pull"] }],
  ])("%s", (text, expected) => {
    expect(parseScope(text)).toEqual(expected);
    expect(formatScope(parseScope(text))).toBe(text);
  });

  it.each([
    "",
    "repository",
    "repository:app",
    "repository:app:",
    ":app:pull",
    "repository::pull",
    "a b:c:d",
  ])("rejects %j", (text) => {
    expect(() => parseScope(text)).toThrow(UsageError);
  });

  it("parses a space-separated list and skips junk", () => {
    expect(parseScopeList("repository:a:pull  junk repository:b:pull,push")).toEqual([
      { type: "repository", name: "a", actions: ["pull"] },
      { type: "repository", name: "b", actions: ["pull", "push"] },
    ]);
  });

  it("gives a scope or UsageError for any string", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const scope = parseScope(text);
          expect(scope.actions.length).toBeGreaterThan(0);
        } catch (error) {
          expect(UsageError.isInstance(error)).toBe(true);
        }
      }),
    );
  });
});
