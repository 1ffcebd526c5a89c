import { UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { createBlobLocations } from "./create-blob-locations.js";

const a = { registry: "r.test", repository: "a" };
const b = { registry: "r.test", repository: "b" };
const c = { registry: "other.test", repository: "a" };

describe("createBlobLocations", () => {
  it("lists repositories most recently seen first, without duplicates", () => {
    const locations = createBlobLocations();
    locations.add("sha256:1", a);
    locations.add("sha256:1", b);
    locations.add("sha256:1", c);
    locations.add("sha256:1", a);
    expect(locations.get("sha256:1")).toEqual([a, c, b]);
    expect(locations.get("sha256:2")).toEqual([]);
  });

  it("forgets the least recently seen digests and repositories past its limits", () => {
    const locations = createBlobLocations({ maxDigests: 2, maxRepositories: 2 });
    locations.add("sha256:1", a);
    locations.add("sha256:2", a);
    locations.add("sha256:1", b); // 1 is now the most recent digest
    locations.add("sha256:3", a);
    expect(locations.get("sha256:2")).toEqual([]);
    expect(locations.get("sha256:1")).toEqual([b, a]);
    locations.add("sha256:1", c);
    expect(locations.get("sha256:1")).toEqual([c, b]);
  });

  it("hands out copies", () => {
    const locations = createBlobLocations();
    locations.add("sha256:1", a);
    const [first] = locations.get("sha256:1");
    if (first !== undefined) first.repository = "changed";
    expect(locations.get("sha256:1")).toEqual([a]);
  });

  it("rejects limits that are not positive integers", () => {
    expect(() => createBlobLocations({ maxDigests: 0 })).toThrow(UsageError);
    expect(() => createBlobLocations({ maxRepositories: 1.5 })).toThrow(UsageError);
  });
});
