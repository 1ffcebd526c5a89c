import { readFileSync } from "node:fs";
import type { ImageIndex } from "@stevedore/core";
import { parseManifest } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { locationOf } from "./location-of.js";
import { platformsOf } from "./platforms-of.js";

function fixtureIndex(name: string): ImageIndex {
  const parsed = parseManifest(
    new Uint8Array(readFileSync(new URL(`__fixtures__/${name}`, import.meta.url))),
  );
  if (parsed.kind !== "index") throw new Error(`${name} is not an index`);
  return parsed.manifest;
}

describe("platformsOf", () => {
  it("lists the platforms of a BuildKit index without its unknown/unknown entries", () => {
    expect(platformsOf(fixtureIndex("oci-index-with-unknown-platform-builder-refs.json"))).toEqual([
      "linux/amd64",
      "linux/arm64",
    ]);
  });

  it("lists variants and Windows versions of Docker Hub's hello-world list", () => {
    const platforms = platformsOf(fixtureIndex("docker-manifest-list.json"));
    expect(platforms).toContain("linux/arm/v7");
    expect(platforms).toContain("linux/arm64/v8");
    expect(platforms.some((platform) => platform.startsWith("windows/amd64:10.0."))).toBe(true);
    expect(new Set(platforms).size).toBe(platforms.length);
  });

  it("is empty for an index without platforms", () => {
    expect(platformsOf({ schemaVersion: 2, manifests: [] })).toEqual([]);
  });
});

describe("locationOf", () => {
  it("reads registry and repository strings, and nothing else", () => {
    expect(locationOf({ registry: "r.test", repository: "team/app", other: 1 })).toEqual({
      registry: "r.test",
      repository: "team/app",
    });
    expect(locationOf({ registry: "r.test" })).toBeUndefined();
    expect(locationOf({ registry: "", repository: "a" })).toBeUndefined();
    expect(locationOf(null)).toBeUndefined();
    expect(locationOf("r.test/a")).toBeUndefined();
  });
});
