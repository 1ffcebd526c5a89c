import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  defaultManifestMaxBytes,
  descriptorOf,
  digestOf,
  type ImageIndex,
  type ImageManifest,
  ManifestError,
  MediaType,
  type ParsedManifest,
  parseManifest,
  UsageError,
} from "./index.js";
import { fixture, fixtureNames, recordedSha256 } from "./test-support/fixtures.js";

const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
const digestA = `sha256:${"a".repeat(64)}`;
const descriptor = { mediaType: "application/octet-stream", digest: digestA, size: 1 };
const image = {
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: descriptor,
  layers: [descriptor],
};

/** Fixture, the Content-Type a registry serves it with, and the kind it is. */
const manifestFixtures: [string, string, "image" | "index"][] = [
  ["oci-image-manifest.json", MediaType.OciManifest, "image"],
  ["oci-image-manifest-docker-v25.json", MediaType.OciManifest, "image"],
  ["oci-image-index.json", MediaType.OciIndex, "index"],
  ["docker-v2-manifest.json", MediaType.DockerManifest, "image"],
  ["docker-v2-manifest-foreign-layer-synthetic.json", MediaType.DockerManifest, "image"],
  ["docker-manifest-list.json", MediaType.DockerManifestList, "index"],
  ["docker-manifest-list-arm-variants.json", MediaType.DockerManifestList, "index"],
  ["oci-artifact-manifest-with-subject.json", MediaType.OciManifest, "image"],
  ["oci-artifact-manifest-sbom-oras-attach.json", MediaType.OciManifest, "image"],
  ["oci-index-with-artifacttype.json", MediaType.OciIndex, "index"],
  ["oci-index-with-subject.json", MediaType.OciIndex, "index"],
  ["oci-index-with-unknown-platform-builder-refs.json", MediaType.OciIndex, "index"],
  ["oci-manifest-without-mediatype.json", MediaType.OciManifest, "image"],
  ["oci-layout-index-containerd-export.json", MediaType.OciIndex, "index"],
  ["oci-layout-index-regclient.json", MediaType.OciIndex, "index"],
];

function image_(parsed: ParsedManifest): ImageManifest {
  if (parsed.kind !== "image") throw new Error(`expected an image manifest, got ${parsed.kind}`);
  return parsed.manifest;
}

function index_(parsed: ParsedManifest): ImageIndex {
  if (parsed.kind !== "index") throw new Error(`expected an index, got ${parsed.kind}`);
  return parsed.manifest;
}

function manifestError(run: () => unknown): ManifestError {
  try {
    run();
  } catch (error) {
    if (ManifestError.isInstance(error)) {
      expect(error.message).not.toContain("\n");
      expect(error.code).toBe("STEVEDORE_MANIFEST_INVALID");
      return error;
    }
    throw error;
  }
  throw new Error("expected a ManifestError");
}

describe("parseManifest on real manifests", () => {
  const recorded = recordedSha256();

  it("covers every manifest fixture", () => {
    const covered = new Set(manifestFixtures.map(([name]) => name));
    const manifests = fixtureNames().filter(
      (name) => !name.includes("config") && !name.startsWith("schema1"),
    );
    expect(manifests.filter((name) => !covered.has(name))).toStrictEqual([]);
  });

  it.each(manifestFixtures)("%s served as %s", (name, contentType, kind) => {
    const bytes = fixture(name);
    for (const served of [contentType, `${contentType}; charset=utf-8`, undefined, "application/json"]) {
      const parsed = parseManifest(bytes, served);
      expect(parsed.kind).toBe(kind);
      expect(parsed.mediaType).toBe(contentType);
      expect(parsed.bytes).toStrictEqual(bytes);
      expect(digestOf(parsed.bytes)).toBe(`sha256:${recorded.get(name)}`);
    }
  });

  it("reads an OCI image manifest", () => {
    const manifest = image_(parseManifest(fixture("oci-image-manifest.json"), MediaType.OciManifest));
    expect(manifest.mediaType).toBe(MediaType.OciManifest);
    expect(manifest.config).toStrictEqual({
      mediaType: MediaType.OciConfig,
      digest: "sha256:265cf623914b139bb063c377e702759275910c1013005615cb400323d00608c1",
      size: 1618,
    });
    expect(manifest.layers.map((layer) => layer.mediaType)).toStrictEqual(
      Array(3).fill(MediaType.OciLayerGzip),
    );
    expect(manifest.layers[0]?.size).toBe(106);
  });

  it("reads the platform of a config descriptor (Docker v25 save)", () => {
    const manifest = image_(parseManifest(fixture("oci-image-manifest-docker-v25.json")));
    expect(manifest.config.platform).toStrictEqual({ architecture: "arm64", os: "linux" });
  });

  it("reads an OCI index with platforms", () => {
    const index = index_(parseManifest(fixture("oci-image-index.json"), MediaType.OciIndex));
    expect(index.manifests.map((entry) => entry.platform)).toStrictEqual([
      { architecture: "amd64", os: "linux" },
      { architecture: "arm64", os: "linux" },
      { architecture: "arm", os: "linux", variant: "v7" },
    ]);
  });

  it("reads a Docker v2 manifest", () => {
    const parsed = parseManifest(fixture("docker-v2-manifest.json"), MediaType.DockerManifest);
    expect(parsed.mediaType).toBe(MediaType.DockerManifest);
    expect(image_(parsed).config.digest).toBe(
      "sha256:feb5d9fea6a5e9606aa995e879d862b825965ba48de054caab5ef356dc6b3412",
    );
  });

  it("reads a Docker manifest list with escaped slashes and Windows os.version", () => {
    const index = index_(parseManifest(fixture("docker-manifest-list.json"), MediaType.DockerManifestList));
    expect(index.manifests).toHaveLength(11);
    expect(index.manifests[0]?.mediaType).toBe(MediaType.DockerManifest);
    expect(
      index.manifests.filter((entry) => entry.platform?.os === "windows").map((e) => e.platform),
    ).toStrictEqual([
      { architecture: "amd64", os: "windows", "os.version": "10.0.20348.1249" },
      { architecture: "amd64", os: "windows", "os.version": "10.0.17763.3650" },
    ]);
  });

  it("reads an artifact with artifactType and subject", () => {
    const manifest = image_(parseManifest(fixture("oci-artifact-manifest-with-subject.json")));
    expect(manifest.artifactType).toBe("application/example.signature");
    expect(manifest.config.mediaType).toBe(MediaType.OciEmpty);
    expect(manifest.subject).toStrictEqual({
      mediaType: MediaType.OciIndex,
      digest: "sha256:dfae8f425735a5e3a72e40d6609e03079995511d48157c74d54801ff4430491e",
      size: 934,
    });
    const attached = image_(parseManifest(fixture("oci-artifact-manifest-sbom-oras-attach.json")));
    expect(attached.config.data).toBe("e30=");
    expect(attached.layers[0]?.annotations).toStrictEqual({ "org.opencontainers.image.title": "sbom" });
    expect(attached.annotations?.["org.opencontainers.image.created"]).toBeDefined();
  });

  it("reads an index that has a subject and one that has an artifactType", () => {
    expect(index_(parseManifest(fixture("oci-index-with-subject.json"))).subject?.mediaType).toBe(
      MediaType.OciIndex,
    );
    const artifacts = index_(parseManifest(fixture("oci-index-with-artifacttype.json")));
    expect(artifacts.artifactType).toBe("application/example.artifacts");
    expect(artifacts.manifests.map((entry) => entry.annotations?.type)).toStrictEqual(["sbom", "sig"]);
  });

  it("detects a manifest without mediaType by its shape, or by Content-Type", () => {
    const bytes = fixture("oci-manifest-without-mediatype.json");
    for (const served of [
      undefined,
      "",
      "application/json",
      "application/octet-stream",
      MediaType.OciManifest,
    ]) {
      const parsed = parseManifest(bytes, served);
      expect(parsed.kind).toBe("image");
      expect(parsed.mediaType).toBe(MediaType.OciManifest);
      expect(image_(parsed).mediaType).toBeUndefined();
    }
    expect(parseManifest(bytes, MediaType.DockerManifest).mediaType).toBe(MediaType.DockerManifest);
    expect(manifestError(() => parseManifest(bytes, MediaType.OciIndex)).message).toBe(
      "manifest is invalid: manifests is missing",
    );
  });

  it.each([
    ["schema1-signed.json", MediaType.DockerSchema1SignedManifest],
    ["schema1-unsigned.json", MediaType.DockerSchema1Manifest],
  ])("rejects schema 1 (%s) by Content-Type and by schemaVersion", (name, contentType) => {
    const bytes = fixture(name);
    for (const served of [contentType, undefined, "application/json", MediaType.OciManifest]) {
      const error = manifestError(() => parseManifest(bytes, served));
      expect(error.message).toMatch(/schema 1 .*not supported: re-push the image with a current client/);
    }
    // The Content-Type alone is enough, whatever the body.
    expect(manifestError(() => parseManifest(json(image), contentType)).message).toContain("schema 1");
  });

  it("rejects a 5 MiB manifest unless the limit is raised", () => {
    const layers = Array.from({ length: 25_000 }, (_, i) => ({
      mediaType: MediaType.OciLayerGzip,
      digest: `sha256:${i.toString(16).padStart(64, "0")}`,
      size: i,
      annotations: { "org.example.padding": "x".repeat(20) },
    }));
    const bytes = json({ ...image, layers });
    expect(bytes.byteLength).toBeGreaterThan(5 * 1024 * 1024);
    expect(bytes.byteLength).toBeLessThan(6 * 1024 * 1024);
    expect(defaultManifestMaxBytes).toBe(4 * 1024 * 1024);
    expect(manifestError(() => parseManifest(bytes, MediaType.OciManifest)).message).toBe(
      `manifest is ${bytes.byteLength} bytes, more than the limit of 4194304 bytes`,
    );
    const parsed = parseManifest(bytes, MediaType.OciManifest, { maxBytes: 8 * 1024 * 1024 });
    expect(image_(parsed).layers).toHaveLength(25_000);
  });

  it("keeps its own copy of the bytes", () => {
    const bytes = fixture("oci-image-manifest.json");
    const parsed = parseManifest(bytes);
    bytes[0] = 0x20;
    expect(parsed.bytes[0]).toBe("{".charCodeAt(0));
  });
});

describe("parseManifest on bad input", () => {
  const indexDocument = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [descriptor] };
  const withLayer = (layer: unknown): Uint8Array => json({ ...image, layers: [layer] });

  it.each<[string, Uint8Array, string | undefined, string]>([
    ["empty", new Uint8Array(), undefined, "manifest is empty"],
    ["not UTF-8", new Uint8Array([0x7b, 0xff, 0x7d]), undefined, "manifest is not valid UTF-8"],
    ["a byte order mark", new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), undefined, "byte order mark"],
    ["not JSON", encoder.encode("<html>502</html>"), undefined, "manifest is not valid JSON"],
    ["truncated JSON", encoder.encode('{"schemaVersion":2,'), undefined, "manifest is not valid JSON"],
    ["an array", json([image]), undefined, "manifest must be a JSON object, got an array"],
    ["null", encoder.encode("null"), undefined, "manifest must be a JSON object, got null"],
    [
      "no schemaVersion",
      json({ ...image, schemaVersion: undefined }),
      undefined,
      "manifest has no schemaVersion",
    ],
    ["schemaVersion 3", json({ ...image, schemaVersion: 3 }), undefined, "schemaVersion must be 2, got 3"],
    ["schemaVersion as text", json({ ...image, schemaVersion: "2" }), undefined, 'must be 2, got "2"'],
    [
      "a mediaType that contradicts the Content-Type",
      json(image),
      MediaType.DockerManifest,
      `manifest mediaType ${MediaType.OciManifest} does not match the Content-Type ${MediaType.DockerManifest}`,
    ],
    [
      "a mediaType that is a number",
      json({ ...image, mediaType: 5 }),
      undefined,
      "mediaType must be a string, got 5",
    ],
    [
      "an unknown mediaType",
      json({ ...image, mediaType: "application/vnd.oci.artifact.manifest.v1+json" }),
      undefined,
      'unsupported manifest media type "application/vnd.oci.artifact.manifest.v1+json"',
    ],
    [
      "an unknown Content-Type",
      json({ ...image, mediaType: undefined }),
      "text/html",
      "unsupported manifest media type",
    ],
    ["neither shape", json({ schemaVersion: 2 }), undefined, "unknown shape"],
    ["only layers", json({ schemaVersion: 2, layers: [] }), undefined, "unknown shape"],
    [
      "both shapes",
      json({ schemaVersion: 2, manifests: [], config: descriptor, layers: [] }),
      undefined,
      "has both manifests (an index) and config/layers",
    ],
    ["no config", json({ ...image, config: undefined }), undefined, "manifest is invalid: config is missing"],
    [
      "layers not a list",
      json({ ...image, layers: {} }),
      undefined,
      "layers must be an array, got an object",
    ],
    [
      "manifests null",
      json({ ...indexDocument, manifests: null }),
      undefined,
      "manifests must be an array, got null",
    ],
    ["a layer that is a string", withLayer("sha256:abc"), undefined, "layers[0] must be an object"],
    [
      "a layer without mediaType",
      withLayer({ ...descriptor, mediaType: undefined }),
      undefined,
      "layers[0].mediaType is missing",
    ],
    [
      "an empty mediaType",
      withLayer({ ...descriptor, mediaType: "" }),
      undefined,
      "layers[0].mediaType is empty",
    ],
    [
      "a bad digest",
      withLayer({ ...descriptor, digest: "sha256:abc" }),
      undefined,
      "layers[0].digest is not a valid digest: sha256 needs 64",
    ],
    [
      "a digest that is a number",
      withLayer({ ...descriptor, digest: 7 }),
      undefined,
      "layers[0].digest must be a string, got 7",
    ],
    [
      "a negative size",
      withLayer({ ...descriptor, size: -1 }),
      undefined,
      "layers[0].size must be a non-negative integer, got -1",
    ],
    ["a fractional size", withLayer({ ...descriptor, size: 1.5 }), undefined, "got 1.5"],
    ["a size as text", withLayer({ ...descriptor, size: "1" }), undefined, 'got "1"'],
    [
      "an unsafe size",
      withLayer({ ...descriptor, size: 2 ** 53 }),
      undefined,
      "must be a non-negative integer",
    ],
    ["no size", withLayer({ ...descriptor, size: undefined }), undefined, "layers[0].size is missing"],
    [
      "urls not a list",
      withLayer({ ...descriptor, urls: "https://x" }),
      undefined,
      "layers[0].urls must be an array of strings",
    ],
    [
      "a url that is a number",
      withLayer({ ...descriptor, urls: [1] }),
      undefined,
      "layers[0].urls[0] must be a string",
    ],
    [
      "annotations with a number",
      withLayer({ ...descriptor, annotations: { a: 1 } }),
      undefined,
      'layers[0].annotations."a" must be a string',
    ],
    [
      "data that is not base64",
      withLayer({ ...descriptor, data: "e30" }),
      undefined,
      "layers[0].data must be standard base64",
    ],
    [
      "artifactType that is a list",
      json({ ...image, artifactType: [] }),
      undefined,
      "artifactType must be a string",
    ],
    [
      "a subject without digest",
      json({ ...image, subject: { ...descriptor, digest: undefined } }),
      undefined,
      "subject.digest is missing",
    ],
    [
      "a platform without os",
      json({ ...indexDocument, manifests: [{ ...descriptor, platform: { architecture: "amd64" } }] }),
      undefined,
      "manifests[0].platform.os is missing",
    ],
    [
      "os.features that is not a list",
      json({
        ...indexDocument,
        manifests: [{ ...descriptor, platform: { architecture: "a", os: "b", "os.features": "x" } }],
      }),
      undefined,
      "manifests[0].platform.os.features must be an array of strings",
    ],
    [
      "a platform variant that is a number",
      json({
        ...indexDocument,
        manifests: [{ ...descriptor, platform: { architecture: "arm", os: "linux", variant: 7 } }],
      }),
      undefined,
      "manifests[0].platform.variant must be a string, got 7",
    ],
  ])("rejects %s", (_, bytes, contentType, message) => {
    expect(manifestError(() => parseManifest(bytes, contentType)).message).toContain(message);
  });

  it("treats null optional fields as absent, as Go tools write them", () => {
    const parsed = parseManifest(
      json({ ...image, annotations: null, subject: null, layers: [{ ...descriptor, urls: null }] }),
    );
    expect(image_(parsed).annotations).toBeUndefined();
    expect(image_(parsed).subject).toBeUndefined();
    expect(image_(parsed).layers[0]).toStrictEqual(descriptor);
  });

  it("accepts unknown media types inside descriptors and ignores unknown fields", () => {
    const layer = {
      ...descriptor,
      mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
      extra: true,
    };
    const parsed = parseManifest(json({ ...image, layers: [layer], somethingNew: {} }));
    expect(image_(parsed).layers[0]).toStrictEqual({ ...descriptor, mediaType: layer.mediaType });
    expect(parsed.manifest).not.toHaveProperty("somethingNew");
  });

  it("asks for bytes and a sane limit", () => {
    expect(() => parseManifest("{}" as unknown as Uint8Array)).toThrow(UsageError);
    expect(() => parseManifest(json(image), undefined, { maxBytes: 0 })).toThrow(UsageError);
  });

  it("gives a ParsedManifest or a ManifestError for any bytes, never anything else", () => {
    const names = manifestFixtures.map(([name]) => name).concat(["schema1-signed.json"]);
    const mutated = fc
      .tuple(
        fc.constantFrom(...names),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      )
      .map(([name, edits]) => {
        const bytes = fixture(name);
        for (const [position, value] of edits) bytes[position % bytes.length] = value;
        return bytes;
      });
    const jsonish = fc.json().map((text) => encoder.encode(text));
    const contentType = fc.option(
      fc.constantFrom(
        MediaType.OciManifest,
        MediaType.OciIndex,
        MediaType.DockerManifestList,
        "application/json",
        "x/y",
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), jsonish, mutated),
        contentType,
        (bytes, served) => {
          try {
            const parsed = parseManifest(bytes, served);
            expect(parsed.bytes).toStrictEqual(bytes);
          } catch (error) {
            if (!ManifestError.isInstance(error)) throw error;
            expect(error.message).not.toContain("\n");
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe("descriptorOf", () => {
  it("describes bytes by sha256 digest and size", () => {
    const bytes = fixture("oci-image-index.json");
    expect(descriptorOf(bytes, MediaType.OciIndex)).toStrictEqual({
      mediaType: MediaType.OciIndex,
      digest: "sha256:dfae8f425735a5e3a72e40d6609e03079995511d48157c74d54801ff4430491e",
      size: 934,
    });
    expect(descriptorOf(encoder.encode("{}"), MediaType.OciEmpty).digest).toBe(
      "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    );
  });

  it("needs a media type", () => {
    expect(() => descriptorOf(new Uint8Array(), "")).toThrow(UsageError);
  });
});
