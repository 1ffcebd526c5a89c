import { describe, expect, it } from "vitest";
import {
  type Descriptor,
  formatPlatform,
  type ImageIndex,
  MediaType,
  NotFoundError,
  type ParsedManifest,
  parseManifest,
  parsePlatform,
  selectManifests,
  UsageError,
} from "./index.js";
import { fixture } from "./test-support/fixtures.js";

function index(name: string): ImageIndex {
  const parsed: ParsedManifest = parseManifest(fixture(name));
  if (parsed.kind !== "index") throw new Error(`${name} is not an index`);
  return parsed.manifest;
}

const platforms = (descriptors: Descriptor[]): string[] =>
  descriptors.map((d) => (d.platform === undefined ? "-" : formatPlatform(d.platform)));

const select = (name: string, ...wanted: string[]): string[] =>
  platforms(selectManifests(index(name), wanted.map(parsePlatform)));

/** A BuildKit-style index: two images, each with an attestation manifest (`spec/PROTOCOL.md` §12.1). */
function buildkitIndex(): ImageIndex {
  const entry = (
    n: number,
    platform: Descriptor["platform"],
    annotations?: Record<string, string>,
  ): Descriptor => {
    const descriptor: Descriptor = {
      mediaType: MediaType.OciManifest,
      digest: `sha256:${String(n).repeat(64)}`,
      size: 500 + n,
      platform,
    };
    if (annotations !== undefined) descriptor.annotations = annotations;
    return descriptor;
  };
  const attestation = (of: number): Record<string, string> => ({
    "vnd.docker.reference.type": "attestation-manifest",
    "vnd.docker.reference.digest": `sha256:${String(of).repeat(64)}`,
  });
  return {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [
      entry(1, { os: "linux", architecture: "amd64" }),
      entry(2, { os: "linux", architecture: "arm64" }),
      entry(3, { os: "unknown", architecture: "unknown" }, attestation(1)),
      // Some tools give attestations a real platform; the annotation alone must exclude them.
      entry(4, { os: "linux", architecture: "arm64" }, attestation(2)),
    ],
  };
}

describe("selectManifests", () => {
  it.each([
    [["linux/amd64"], ["linux/amd64"]],
    [["linux/arm64"], ["linux/arm64/v8"]],
    [["linux/arm64/v8"], ["linux/arm64/v8"]],
    [["linux/aarch64"], ["linux/arm64/v8"]],
    [["linux/arm"], ["linux/arm/v7"]],
    [["linux/arm/v6"], ["linux/arm/v5"]],
    [["linux/386"], ["linux/386"]],
    [["linux/x86_64"], ["linux/amd64"]],
    [["windows/amd64"], ["windows/amd64:10.0.20348.1249"]],
    [["windows/amd64:10.0.17763.1234"], ["windows/amd64:10.0.17763.3650"]],
    [
      ["linux/s390x", "linux/amd64", "linux/arm64"],
      ["linux/s390x", "linux/amd64", "linux/arm64/v8"],
    ],
  ])("Docker Hub hello-world list, wanting %j, gives %j", (wanted, expected) => {
    expect(select("docker-manifest-list.json", ...wanted)).toStrictEqual(expected);
  });

  it("falls back to the nearest lower arm variant the list has", () => {
    expect(select("docker-manifest-list-arm-variants.json", "linux/arm/v7")).toStrictEqual(["linux/arm/v6"]);
    expect(select("docker-manifest-list-arm-variants.json", "linux/arm64")).toStrictEqual(["linux/arm64/v8"]);
  });

  it("takes the first entry when several match, and lists each entry once", () => {
    const list = index("docker-manifest-list.json");
    const twice = { ...list, manifests: [...list.manifests, ...list.manifests] };
    const selected = selectManifests(twice, [parsePlatform("linux/amd64"), parsePlatform("linux/x86_64")]);
    expect(selected).toHaveLength(1);
    expect(selected[0]).toBe(twice.manifests[0]);
  });

  it("prefers an exact platform over a compatible lower one listed first", () => {
    const list: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        {
          mediaType: MediaType.OciManifest,
          digest: `sha256:${"1".repeat(64)}`,
          size: 1,
          platform: { os: "linux", architecture: "386" },
        },
        {
          mediaType: MediaType.OciManifest,
          digest: `sha256:${"2".repeat(64)}`,
          size: 1,
          platform: { os: "linux", architecture: "amd64" },
        },
      ],
    };
    expect(platforms(selectManifests(list, [parsePlatform("linux/amd64")]))).toStrictEqual(["linux/amd64"]);
    const only386 = { ...list, manifests: list.manifests.slice(0, 1) };
    expect(platforms(selectManifests(only386, [parsePlatform("linux/amd64")]))).toStrictEqual(["linux/386"]);
    expect(() => selectManifests(only386, [parsePlatform("linux/amd64")], { strict: true })).toThrow(
      NotFoundError,
    );
  });

  it("never selects attestation manifests or unknown/unknown entries", () => {
    const buildkit = buildkitIndex();
    expect(selectManifests(buildkit, "all")).toStrictEqual(buildkit.manifests.slice(0, 2));
    expect(selectManifests(buildkit, [parsePlatform("linux/arm64")])).toStrictEqual([buildkit.manifests[1]]);
    expect(() => selectManifests(buildkit, [parsePlatform("unknown/unknown")])).toThrow(NotFoundError);
    const builderRefs = index("oci-index-with-unknown-platform-builder-refs.json");
    expect(builderRefs.manifests).toHaveLength(4);
    expect(platforms(selectManifests(builderRefs, "all"))).toStrictEqual(["linux/amd64", "linux/arm64"]);
  });

  it('returns entries without a platform for "all"', () => {
    const artifacts = index("oci-index-with-artifacttype.json");
    expect(selectManifests(artifacts, "all")).toStrictEqual(artifacts.manifests);
  });

  it("names the wanted and the available platforms when nothing matches", () => {
    let caught: unknown;
    try {
      selectManifests(index("oci-image-index.json"), [
        parsePlatform("linux/amd64"),
        parsePlatform("linux/s390x"),
      ]);
    } catch (error) {
      caught = error;
    }
    expect(NotFoundError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toBe(
      "no manifest for platform linux/s390x in the index; available: linux/amd64, linux/arm64, linux/arm/v7",
    );
    expect(() =>
      selectManifests(index("oci-index-with-artifacttype.json"), [parsePlatform("linux/amd64")]),
    ).toThrow("available: none (no entry names a platform)");
  });

  it("needs at least one platform", () => {
    expect(() => selectManifests(index("oci-image-index.json"), [])).toThrow(UsageError);
  });
});
