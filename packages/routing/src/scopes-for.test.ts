import type { Scope } from "@stevedore/core";
import { InvalidReferenceError, UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import type { RouteName } from "./routes.js";
import { routeNames } from "./routes.js";
import { scopeFor, scopesFor } from "./scopes-for.js";

const digest = `sha256:${"0".repeat(64)}`;
const pull = (name: string): Scope => ({ type: "repository", name, actions: ["pull"] });
const push = (name: string): Scope => ({ type: "repository", name, actions: ["pull", "push"] });
const del = (name: string): Scope => ({ type: "repository", name, actions: ["delete"] });

describe("scopesFor (spec/PROTOCOL.md §11.4)", () => {
  it.each<[RouteName, Scope[]]>([
    ["ping", []],
    ["catalog", [{ type: "registry", name: "catalog", actions: ["*"] }]],
    ["manifest-get", [pull("team/app")]],
    ["manifest-head", [pull("team/app")]],
    ["blob-get", [pull("team/app")]],
    ["blob-head", [pull("team/app")]],
    ["tags-list", [pull("team/app")]],
    ["referrers", [pull("team/app")]],
    ["manifest-put", [push("team/app")]],
    ["upload-start", [push("team/app")]],
    ["upload-single", [push("team/app")]],
    ["upload-chunk", [push("team/app")]],
    ["upload-complete", [push("team/app")]],
    ["upload-status", [push("team/app")]],
    ["upload-cancel", [push("team/app")]],
    ["manifest-delete", [del("team/app")]],
    ["blob-delete", [del("team/app")]],
    ["upload-mount", [push("team/app"), pull("team/base")]],
  ])("%s needs %j", (route, scopes) => {
    expect(scopesFor(route, { name: "team/app", from: "team/base", mount: digest })).toEqual(scopes);
  });

  it("covers every route of the table", () => {
    for (const route of routeNames) {
      expect(() => scopesFor(route, { name: "a" })).not.toThrow();
    }
  });

  it("asks nothing more for a mount without a source, or from the same repository", () => {
    expect(scopesFor("upload-mount", { name: "a", mount: digest })).toEqual([push("a")]);
    expect(scopesFor("upload-mount", { name: "a", mount: digest, from: "a" })).toEqual([push("a")]);
  });

  it("needs a valid repository name for repository routes only", () => {
    expect(() => scopesFor("manifest-get", {})).toThrow(UsageError);
    expect(() => scopesFor("manifest-get", { name: "UPPER" })).toThrow(InvalidReferenceError);
    expect(() => scopesFor("upload-mount", { name: "a", from: "../etc" })).toThrow(InvalidReferenceError);
    expect(scopesFor("ping", {})).toEqual([]);
    expect(scopesFor("catalog")).toHaveLength(1);
  });

  it("refuses unknown routes", () => {
    expect(() => scopesFor("manifest-post" as RouteName, { name: "a" })).toThrow(UsageError);
  });

  it("scopeFor gives the main scope", () => {
    expect(scopeFor("ping", {})).toBeUndefined();
    expect(scopeFor("upload-mount", { name: "a", from: "b", mount: digest })).toEqual(push("a"));
    expect(scopeFor("blob-delete", { name: "a", digest })).toEqual(del("a"));
  });
});
