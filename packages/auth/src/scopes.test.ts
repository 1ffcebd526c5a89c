import type { Scope } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatScope } from "./format-scope.js";
import { parseScope, parseScopeList } from "./parse-scope.js";
import { mergeScopes } from "./token/merge-scopes.js";

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

describe("mergeScopes", () => {
  it("unions actions per resource, sorted and deduplicated", () => {
    expect(
      mergeScopes(
        [
          { type: "repository", name: "b", actions: ["pull"] },
          { type: "repository", name: "a", actions: ["push", "pull", "push"] },
        ],
        [{ type: "repository", name: "a", actions: ["pull", "delete"] }],
      ),
    ).toEqual([
      { type: "repository", name: "a", actions: ["delete", "pull", "push"] },
      { type: "repository", name: "b", actions: ["pull"] },
    ]);
  });

  it("drops resources without actions and keeps catalog scopes", () => {
    expect(
      mergeScopes([
        { type: "repository", name: "a", actions: [] },
        { type: "registry", name: "catalog", actions: ["*"] },
      ]),
    ).toEqual([{ type: "registry", name: "catalog", actions: ["*"] }]);
  });

  it("does not depend on the order of its input", () => {
    const scope = fc.record({
      type: fc.constantFrom("repository", "registry"),
      name: fc.constantFrom("a", "b", "c/d"),
      actions: fc.array(fc.constantFrom("pull", "push", "delete", "*")),
    });
    fc.assert(
      fc.property(fc.array(scope), (scopes) => {
        expect(mergeScopes([...scopes].reverse())).toEqual(mergeScopes(scopes));
        expect(mergeScopes(mergeScopes(scopes))).toEqual(mergeScopes(scopes));
      }),
    );
  });
});
