import { describe, expect, it } from "vitest";
import { defaultPolicy } from "./default-policy.ts";

const repository = (name: string) => ({ type: "repository", name, actions: ["pull", "push"] });

describe("defaultPolicy", () => {
  it.each([
    ["alice", repository("team/app"), ["pull", "push", "delete"]],
    ["alice", repository("public/app"), ["pull", "push", "delete"]],
    ["alice", repository("other/app"), []],
    ["alice", { type: "registry", name: "catalog", actions: ["*"] }, ["*"]],
    ["reader", repository("team/app"), ["pull"]],
    ["reader", repository("public/app"), ["pull"]],
    ["reader", { type: "registry", name: "catalog", actions: ["*"] }, []],
    [undefined, repository("public/app"), ["pull"]],
    [undefined, repository("team/app"), []],
    ["mallory", repository("team/app"), []],
    ["alice", { type: "plugin", name: "team/app", actions: ["pull"] }, []],
  ] as const)("%s on %o may %o", (account, scope, allowed) => {
    expect(defaultPolicy(account, { ...scope, actions: [...scope.actions] })).toEqual(allowed);
  });
});
