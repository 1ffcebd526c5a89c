import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeScopes } from "./token/merge-scopes.js";

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
