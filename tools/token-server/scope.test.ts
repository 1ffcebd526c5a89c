import { describe, expect, it } from "vitest";
import { parseScope, splitScopes } from "./scope.ts";

describe("parseScope", () => {
  it.each([
    ["repository:team/app:pull", { type: "repository", name: "team/app", actions: ["pull"] }],
    ["repository:team/app:pull,push", { type: "repository", name: "team/app", actions: ["pull", "push"] }],
    [
      "repository:team/app:push,pull,push",
      { type: "repository", name: "team/app", actions: ["push", "pull"] },
    ],
    [
      "repository:localhost:5000/team/app:pull",
      { type: "repository", name: "localhost:5000/team/app", actions: ["pull"] },
    ],
    ["repository(plugin):team/app:pull", { type: "repository", name: "team/app", actions: ["pull"] }],
    ["registry:catalog:*", { type: "registry", name: "catalog", actions: ["*"] }],
  ])("parses %s", (text, expected) => {
    expect(parseScope(text)).toEqual(expected);
  });

  it.each([
    "",
    "repository",
    "repository:team/app",
    "repository:team/app:",
    ":team/app:pull",
    "repository::pull",
    "Repository:team/app:pull",
    "repository:team/app:PULL",
    "repository:team/app:pu*ll",
  ])("rejects %j", (text) => {
    expect(parseScope(text)).toBeUndefined();
  });
});

describe("splitScopes", () => {
  it("splits space-joined scopes and drops empty ones", () => {
    expect(splitScopes(["repository:a:pull repository:b:push", "", "registry:catalog:*"])).toEqual([
      "repository:a:pull",
      "repository:b:push",
      "registry:catalog:*",
    ]);
  });
});
