import { describe, expect, it } from "vitest";
import { Annotation } from "./annotations.js";
import { buildArtifactManifest, emptyDescriptor } from "./build-artifact-manifest.js";
import { digestOf } from "./digest-of.js";
import { UsageError } from "./errors.js";

const layer = {
  mediaType: "application/spdx+json",
  digest: digestOf("sbom"),
  size: 4,
  annotations: { [Annotation.Title]: "sbom.json" },
};

describe("buildArtifactManifest", () => {
  it("builds the devcontainers CLI's Feature manifest byte for byte", () => {
    // devcontainers/cli src/spec-configuration/containerCollectionsOCIPush.ts documents this manifest
    // (the go Feature) and its digest 9726054859c1…; the same descriptors must give the same bytes.
    const built = buildArtifactManifest({
      config: {
        mediaType: "application/vnd.devcontainers",
        digest: "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        size: 0,
      },
      layers: [
        {
          mediaType: "application/vnd.devcontainers.layer.v1+tar",
          digest: "sha256:b2006e7647191f7b47222ae48df049c6e21a4c5a04acfad0c4ef614d819de4c5",
          size: 15872,
          annotations: { [Annotation.Title]: "go.tgz" },
        },
      ],
    });
    expect(built.descriptor.digest).toBe(
      "sha256:9726054859c13377c4c3c3c73d15065de59d0c25d61d5652576c0125f2ea8ed3",
    );
  });

  it("uses the empty config and oras's unknown artifact type by default", () => {
    const { manifest, bytes, descriptor } = buildArtifactManifest({ layers: [layer] });
    expect(manifest.config).toEqual(emptyDescriptor);
    expect(manifest.artifactType).toBe("application/vnd.unknown.artifact.v1");
    expect(Buffer.from(emptyDescriptor.data as string, "base64").toString()).toBe("{}");
    expect(digestOf("{}")).toBe(emptyDescriptor.digest);
    expect(descriptor).toEqual({
      mediaType: manifest.mediaType,
      digest: digestOf(bytes),
      size: bytes.length,
    });
  });

  it("names the subject by media type, digest and size, with annotations last", () => {
    const subject = {
      mediaType: "application/vnd.oci.image.index.v1+json",
      digest: digestOf("x"),
      size: 1,
      annotations: { a: "b" },
    };
    const { bytes } = buildArtifactManifest({
      artifactType: "application/spdx+json",
      layers: [layer],
      subject,
      annotations: { k: "v" },
    });
    const text = new TextDecoder().decode(bytes);
    expect(Object.keys(JSON.parse(text))).toEqual([
      "schemaVersion",
      "mediaType",
      "artifactType",
      "config",
      "layers",
      "subject",
      "annotations",
    ]);
    expect(JSON.parse(text).subject).toEqual({
      mediaType: subject.mediaType,
      digest: subject.digest,
      size: 1,
    });
  });

  it.each([
    [{ layers: [{ digest: "sha256:x", size: 1 }] }, "layer 1 is not a descriptor"],
    [{ layers: [], artifactType: "" }, "an artifact type cannot be empty"],
    [{ layers: [], annotations: { k: 1 } }, 'annotation "k" must be a string'],
    [{ layers: "x" }, "needs layers"],
  ])("rejects bad input with a UsageError: %j", (input, message) => {
    expect(() => buildArtifactManifest(input as never)).toThrow(UsageError);
    expect(() => buildArtifactManifest(input as never)).toThrow(message);
  });
});
