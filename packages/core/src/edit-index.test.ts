import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestOf } from "./digest-of.js";
import { buildIndex, editIndex } from "./edit-index.js";
import { ManifestError, UsageError } from "./errors.js";

const entry = (architecture: string) => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest: digestOf(architecture),
  size: 100,
  platform: { architecture, os: "linux" },
});

// A hand-formatted index, as another tool might write it: unusual spacing, key order and an unknown field.
const formatted = `{
  "schemaVersion" : 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {"platform": {"os": "linux", "architecture": "amd64"}, "size": 100, "digest": "${digestOf("amd64")}", "mediaType": "application/vnd.oci.image.manifest.v1+json", "x-extra": [1, {"y": "]"}]},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "${digestOf("arm64")}", "size": 100, "platform": {"architecture": "arm64", "os": "linux"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "${digestOf("s390x")}", "size": 100, "platform": {"architecture": "s390x", "os": "linux"}}
  ],
  "annotations": {"note": "kept \\" as is"}
}
`;

describe("buildIndex", () => {
  it("builds a compact OCI index", () => {
    const { manifest, bytes, descriptor } = buildIndex({
      manifests: [entry("amd64")],
      annotations: { a: "b" },
    });
    expect(new TextDecoder().decode(bytes)).toBe(JSON.stringify(manifest));
    expect(descriptor.mediaType).toBe("application/vnd.oci.image.index.v1+json");
    expect(() => buildIndex({ manifests: [{} as never] })).toThrow(UsageError);
  });
});

describe("editIndex", () => {
  it("removes an entry and keeps every other byte of the document", () => {
    const edited = editIndex(new TextEncoder().encode(formatted), {
      remove: (descriptor) => descriptor.platform?.architecture === "arm64",
    });
    const text = new TextDecoder().decode(edited.bytes);
    const lines = formatted.split("\n");
    expect(text).toBe([...lines.slice(0, 5), ...lines.slice(6)].join("\n"));
    expect(edited.removed.map((descriptor) => descriptor.platform?.architecture)).toEqual(["arm64"]);
    expect(edited.manifest.manifests.map((descriptor) => descriptor.platform?.architecture)).toEqual([
      "amd64",
      "s390x",
    ]);
  });

  it("appends an entry after the others, which stay byte-identical", () => {
    const { bytes } = buildIndex({ manifests: [entry("amd64"), entry("arm64")] });
    const edited = editIndex(bytes, { add: [entry("riscv64")] });
    const text = new TextDecoder().decode(edited.bytes);
    expect(text).toBe(
      JSON.stringify({
        ...JSON.parse(new TextDecoder().decode(bytes)),
        manifests: [entry("amd64"), entry("arm64"), entry("riscv64")],
      }),
    );
  });

  it("empties and refills an index", () => {
    const { bytes } = buildIndex({ manifests: [entry("amd64")] });
    const empty = editIndex(bytes, { remove: () => true });
    expect(empty.manifest.manifests).toEqual([]);
    expect(editIndex(empty.bytes, { add: [entry("arm64")] }).manifest.manifests).toEqual([entry("arm64")]);
  });

  it("keeps any index's other entries whatever is removed (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("amd64", "arm64", "s390x", "ppc64le"), { maxLength: 6 }),
        fc.integer({ min: 0, max: 5 }),
        (architectures, drop) => {
          const { bytes } = buildIndex({ manifests: architectures.map(entry) });
          const edited = editIndex(bytes, { remove: (_, position) => position === drop });
          const expected = architectures.filter((_, position) => position !== drop).map(entry);
          expect(new TextDecoder().decode(edited.bytes)).toBe(
            JSON.stringify({
              schemaVersion: 2,
              mediaType: "application/vnd.oci.image.index.v1+json",
              manifests: expected,
            }),
          );
        },
      ),
    );
  });

  it("refuses an image manifest", () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: entry("x"),
      layers: [],
    });
    expect(() => editIndex(new TextEncoder().encode(manifest), {})).toThrow(ManifestError);
  });
});
