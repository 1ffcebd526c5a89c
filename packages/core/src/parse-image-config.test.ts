import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ImageManifest } from "./index.js";
import {
  checkContainerImage,
  hasImageConfig,
  ManifestError,
  MediaType,
  parseImageConfig,
  UsageError,
} from "./index.js";
import { fixture } from "./test-support/fixtures.js";

const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
const diffId = `sha256:${"c".repeat(64)}`;
const minimal = { architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [diffId] } };

describe("parseImageConfig", () => {
  it("reads a Docker image config whose Labels are null", () => {
    const config = parseImageConfig(fixture("docker-image-config.json"));
    expect(config.architecture).toBe("amd64");
    expect(config.os).toBe("linux");
    expect(config.created).toBe("2021-09-23T23:47:57.442225064Z");
    // Labels and Entrypoint are null there; empty strings are kept as written.
    expect(config.config).toStrictEqual({
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Cmd: ["/hello"],
      User: "",
      WorkingDir: "",
    });
    expect(config.rootfs).toStrictEqual({
      type: "layers",
      diff_ids: ["sha256:e07ee1baac5fae6a26f30cabfe54a36d3402f96afda318fe0a96cec4ca393359"],
    });
  });

  it("reads BuildKit and minimal OCI configs", () => {
    const buildkit = parseImageConfig(fixture("oci-image-config-buildkit.json"));
    expect(buildkit).toMatchObject({ architecture: "arm64", os: "linux", created: "2023-05-02T16:49:27Z" });
    expect(buildkit.rootfs.diff_ids).toHaveLength(1);
    const small = parseImageConfig(fixture("oci-image-config-minimal.json"));
    expect(small.config).toStrictEqual({
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    });
    expect(small.variant).toBeUndefined();
  });

  it("reads the platform fields, how a container runs, and nothing else", () => {
    const config = parseImageConfig(
      json({
        ...minimal,
        architecture: "arm",
        variant: "v7",
        os: "windows",
        "os.version": "10.0.20348.1249",
        "os.features": ["win32k"],
        config: {
          Labels: { "org.opencontainers.image.source": "https://example.com/repo" },
          Cmd: ["/app"],
          Entrypoint: ["/bin/sh", "-c"],
          Env: ["A=1"],
          User: "app",
          WorkingDir: "/srv",
          ExposedPorts: { "80/tcp": {} },
          Volumes: { "/data": {} },
          StopSignal: "SIGTERM",
        },
        history: [{ created_by: "x" }],
      }),
    );
    expect(config).toStrictEqual({
      architecture: "arm",
      os: "windows",
      variant: "v7",
      "os.version": "10.0.20348.1249",
      "os.features": ["win32k"],
      config: {
        Labels: { "org.opencontainers.image.source": "https://example.com/repo" },
        Env: ["A=1"],
        Entrypoint: ["/bin/sh", "-c"],
        Cmd: ["/app"],
        User: "app",
        WorkingDir: "/srv",
        ExposedPorts: { "80/tcp": {} },
      },
      rootfs: minimal.rootfs,
    });
  });

  it.each<[string, Uint8Array, string]>([
    ["junk", encoder.encode("not json"), "image config is not valid UTF-8 JSON"],
    ["not UTF-8", new Uint8Array([0x7b, 0xc3, 0x7d]), "image config is not valid UTF-8 JSON"],
    ["an array", json([minimal]), "image config must be a JSON object, got an array"],
    [
      "no architecture",
      json({ ...minimal, architecture: undefined }),
      "image config is invalid: architecture is missing",
    ],
    ["os as a number", json({ ...minimal, os: 1 }), "os must be a string, got 1"],
    ["no rootfs", json({ ...minimal, rootfs: undefined }), "rootfs is missing"],
    ["diff_ids not a list", json({ ...minimal, rootfs: { type: "layers" } }), "rootfs.diff_ids is missing"],
    [
      "a bad diff_id",
      json({ ...minimal, rootfs: { type: "layers", diff_ids: ["sha256:x"] } }),
      "rootfs.diff_ids[0] is not a valid digest",
    ],
    [
      "a diff_id number",
      json({ ...minimal, rootfs: { type: "layers", diff_ids: [1] } }),
      "rootfs.diff_ids[0] must be a digest string",
    ],
    ["config as a list", json({ ...minimal, config: [] }), "config must be an object, got an array"],
    [
      "a label that is a number",
      json({ ...minimal, config: { Labels: { a: 1 } } }),
      'config.Labels."a" must be a string',
    ],
    ["created as a number", json({ ...minimal, created: 0 }), "created must be a string, got 0"],
    [
      "Cmd as a string",
      json({ ...minimal, config: { Cmd: "/app" } }),
      "config.Cmd must be an array of strings",
    ],
    ["a number in Env", json({ ...minimal, config: { Env: [1] } }), "config.Env[0] must be a string"],
    ["User as a number", json({ ...minimal, config: { User: 0 } }), "config.User must be a string, got 0"],
    [
      "ExposedPorts as a list",
      json({ ...minimal, config: { ExposedPorts: ["80/tcp"] } }),
      "config.ExposedPorts must be an object",
    ],
  ])("rejects %s", (_, bytes, message) => {
    expect(() => parseImageConfig(bytes)).toThrow(ManifestError);
    expect(() => parseImageConfig(bytes)).toThrow(message);
  });

  it("asks for bytes", () => {
    expect(() => parseImageConfig({} as Uint8Array)).toThrow(UsageError);
  });

  it("gives an ImageConfig or a ManifestError for any bytes, never anything else", () => {
    const jsonish = fc.json().map((text) => encoder.encode(text));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 100 }), jsonish), (bytes) => {
        try {
          expect(typeof parseImageConfig(bytes).os).toBe("string");
        } catch (error) {
          if (!ManifestError.isInstance(error)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("hasImageConfig", () => {
  const manifest = (mediaType: string): ImageManifest => ({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType, digest: `sha256:${"a".repeat(64)}`, size: 2 },
    layers: [],
  });

  it("tells an image's config (OCI or Docker, parameters ignored) from an artifact's", () => {
    expect(hasImageConfig(manifest(MediaType.OciConfig))).toBe(true);
    expect(hasImageConfig(manifest(`${MediaType.DockerConfig}; charset=utf-8`))).toBe(true);
    expect(hasImageConfig(manifest("application/vnd.cncf.helm.config.v1+json"))).toBe(false);
    expect(hasImageConfig(manifest(MediaType.OciEmpty))).toBe(false);
  });
});

describe("checkContainerImage", () => {
  const manifest = (mediaType: string, artifactType?: string): ImageManifest => ({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    ...(artifactType === undefined ? {} : { artifactType }),
    config: { mediaType, digest: `sha256:${"a".repeat(64)}`, size: 2 },
    layers: [],
  });

  it("lets an image through and names an artifact by its artifact type, else its config's type", () => {
    expect(() => checkContainerImage(manifest(MediaType.OciConfig), "image x", "no")).not.toThrow();
    const helm = "application/vnd.cncf.helm.config.v1+json";
    expect(() => checkContainerImage(manifest(helm), "image x", "it has none; do y")).toThrow(
      new UsageError(`image x is not a container image (artifact type ${helm}): it has none; do y`),
    );
    const notes = manifest(MediaType.OciEmpty, "application/vnd.example.notes");
    expect(() => checkContainerImage(notes, "image x", "do y")).toThrow(
      /^image x is not a container image \(artifact type application\/vnd\.example\.notes\): do y$/,
    );
  });
});
