import { UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { parseCatalogScope } from "./parse-registry.js";

describe("parseCatalogScope", () => {
  it.each([
    ["localhost:5000", undefined],
    ["docker://localhost:5000", undefined],
    ["localhost:5000/team", "team"],
    ["localhost:5000/team/app/", "team/app"],
  ])("reads %s as localhost:5000 with prefix %s", (input, prefix) => {
    expect(parseCatalogScope(input)).toEqual({
      name: "localhost:5000",
      host: "localhost:5000",
      ...(prefix && { prefix }),
    });
  });

  // A prefix is a repository path: a tag or digest would list nothing (exit 0) rather than say why.
  it.each([
    "localhost:5000/team:v1",
    "localhost:5000/team/app:latest",
    `localhost:5000/team@sha256:${"a".repeat(64)}`,
    "localhost:5000/Team",
  ])("refuses %s as a usage error naming the prefix", (input) => {
    expect(() => parseCatalogScope(input)).toThrow(UsageError);
    expect(() => parseCatalogScope(input)).toThrow(/invalid repository prefix .*expected path components/);
  });
});
