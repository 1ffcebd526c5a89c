/**
 * Test images built without any stevedore code (Node's crypto, zlib and fs only), so a test never uses
 * the code it checks to prepare its data: a multi-platform index (linux/amd64 + linux/arm64, each with
 * an OCI config and two real gzip tar layers, plus a BuildKit-style attestation entry), written as an OCI
 * image layout or pushed to a registry with raw HTTP.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pushBlob, pushManifest, type RawTarget, sha256 } from "./raw-registry.ts";
import { tarWithFile } from "./tar-with-file.ts";
import { type TestHook, useTemporaryDirectory } from "./use-temporary-directory.ts";

/** A blob of a test image. */
export interface TestBlob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Uint8Array;
}

/** One platform's image of a {@link TestImage}. */
export interface TestChild {
  platform: { os: string; architecture: string; variant?: string };
  manifest: TestBlob;
  config: TestBlob;
  layers: TestBlob[];
}

/** A multi-platform image: every blob by digest, the index and its children. */
export interface TestImage {
  index: TestBlob;
  children: TestChild[];
  /** The attestation manifest the index lists for linux/amd64 (platform unknown/unknown). */
  attestation: TestBlob;
  blobs: Map<string, TestBlob>;
}

const ociIndex = "application/vnd.oci.image.index.v1+json";
const ociManifest = "application/vnd.oci.image.manifest.v1+json";
const ociConfig = "application/vnd.oci.image.config.v1+json";
const ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

function blob(mediaType: string, bytes: Uint8Array): TestBlob {
  return { mediaType, digest: sha256(bytes), size: bytes.length, bytes };
}

function json(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}

function descriptor(item: TestBlob, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { mediaType: item.mediaType, digest: item.digest, size: item.size, ...extra };
}

/** A real gzip layer (level 0 over random bytes: fast, and it looks compressed to every tool) and its diff ID. */
function layer(name: string, size: number): { blob: TestBlob; diffId: string } {
  const tar = tarWithFile(name, randomBytes(size));
  return { blob: blob(ociLayerGzip, gzipSync(tar, { level: 0 })), diffId: sha256(tar) };
}

/**
 * Builds a fresh random multi-platform image: an OCI index with linux/amd64 and linux/arm64 images (or the
 * `platforms` given, amd64 first) and an attestation manifest for the first.
 */
export function createTestImage(
  options: { layerSize?: number; label?: string; platforms?: TestChild["platform"][] } = {},
): TestImage {
  const blobs = new Map<string, TestBlob>();
  const keep = (item: TestBlob): TestBlob => {
    blobs.set(item.digest, item);
    return item;
  };
  const layerSize = options.layerSize ?? 2048;
  const platforms = options.platforms ?? [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64", variant: "v8" },
  ];
  const children = platforms.map((platform): TestChild => {
    const made = [layer("base.bin", layerSize), layer("app.bin", layerSize / 2)];
    const layers = made.map((item) => keep(item.blob));
    const config = keep(
      blob(
        ociConfig,
        json({
          created: "2024-05-01T12:00:00Z",
          ...platform,
          config: {
            Labels: {
              "org.example.platform": `${platform.os}/${platform.architecture}`,
              ...(options.label === undefined ? {} : { "org.example.label": options.label }),
            },
          },
          rootfs: { type: "layers", diff_ids: made.map((item) => item.diffId) },
        }),
      ),
    );
    const manifest = keep(
      blob(
        ociManifest,
        json({
          schemaVersion: 2,
          mediaType: ociManifest,
          config: descriptor(config),
          layers: layers.map((item) => descriptor(item)),
        }),
      ),
    );
    return { platform, manifest, config, layers };
  });
  const amd64 = children[0] as TestChild;
  const statement = keep(
    blob("application/vnd.in-toto+json", json({ _type: "https://in-toto.io/Statement/v0.1" })),
  );
  const emptyConfig = keep(blob("application/vnd.oci.image.config.v1+json", json({})));
  const attestation = keep(
    blob(
      ociManifest,
      json({
        schemaVersion: 2,
        mediaType: ociManifest,
        config: descriptor(emptyConfig),
        layers: [
          descriptor(statement, {
            annotations: { "in-toto.io/predicate-type": "https://spdx.dev/Document" },
          }),
        ],
      }),
    ),
  );
  const index = keep(
    blob(
      ociIndex,
      json({
        schemaVersion: 2,
        mediaType: ociIndex,
        manifests: [
          ...children.map((child) => descriptor(child.manifest, { platform: child.platform })),
          descriptor(attestation, {
            platform: { os: "unknown", architecture: "unknown" },
            annotations: {
              "vnd.docker.reference.type": "attestation-manifest",
              "vnd.docker.reference.digest": amd64.manifest.digest,
            },
          }),
        ],
        annotations: { "org.opencontainers.image.description": "stevedore client test image" },
      }),
    ),
  );
  return { index, children, attestation, blobs };
}

/** Writes `image` as an OCI image layout at `path`, its index tagged `tag`. */
export async function writeTestLayout(path: string, image: TestImage, tag: string): Promise<void> {
  await mkdir(join(path, "blobs", "sha256"), { recursive: true });
  await writeFile(join(path, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  for (const item of image.blobs.values()) {
    await writeFile(join(path, "blobs", "sha256", item.digest.slice("sha256:".length)), item.bytes);
  }
  const entry = descriptor(image.index, { annotations: { "org.opencontainers.image.ref.name": tag } });
  await writeFile(join(path, "index.json"), JSON.stringify({ schemaVersion: 2, manifests: [entry] }));
}

/** Every blob file of a layout, by digest, with its bytes. */
export async function readLayoutBlobs(path: string): Promise<Map<string, Uint8Array>> {
  const directory = join(path, "blobs", "sha256");
  const result = new Map<string, Uint8Array>();
  for (const name of await readdir(directory)) {
    if (!/^[0-9a-f]{64}$/.test(name)) continue;
    result.set(`sha256:${name}`, new Uint8Array(await readFile(join(directory, name))));
  }
  return result;
}

/** How many blobs of `image` are not manifests: its configs and layers, what a copy transfers as blobs. */
export function blobCount(image: TestImage): number {
  const manifests = new Set([
    image.index.digest,
    image.attestation.digest,
    ...image.children.map((child) => child.manifest.digest),
  ]);
  return [...image.blobs.keys()].filter((digest) => !manifests.has(digest)).length;
}

/**
 * Pushes `image` with raw HTTP (`POST` + `PUT ?digest=` per blob, `PUT` per manifest, children first) and
 * tags the index with each of `tags`.
 */
export async function seedTestImage(
  target: RawTarget,
  image: TestImage,
  tags: readonly string[],
): Promise<void> {
  const manifests = new Set([
    image.index.digest,
    image.attestation.digest,
    ...image.children.map((c) => c.manifest.digest),
  ]);
  for (const item of image.blobs.values()) {
    if (!manifests.has(item.digest)) await pushBlob(target, item.bytes, item.mediaType);
  }
  for (const child of image.children) {
    await pushManifest(target, child.manifest.digest, child.manifest.bytes, child.manifest.mediaType);
  }
  await pushManifest(target, image.attestation.digest, image.attestation.bytes, image.attestation.mediaType);
  await Promise.all(tags.map((tag) => pushManifest(target, tag, image.index.bytes, image.index.mediaType)));
}

/**
 * A fresh {@link createTestImage} written as an OCI layout (tagged `v1`) into a new folder under `directory`.
 *
 * @example
 * const { image, layout } = await freshTestLayout(directory.path);
 */
export async function freshTestLayout(
  directory: string,
  options?: Parameters<typeof createTestImage>[0],
): Promise<{ image: TestImage; layout: string }> {
  const image = createTestImage(options);
  const layout = join(directory, `layout-${randomUUID().slice(0, 8)}`);
  await writeTestLayout(layout, image, "v1");
  return { image, layout };
}

/** What {@link useTestLayout} made: its temp folder, the layout in it and the image the layout holds. */
export interface TestLayoutFixture {
  /** The temp folder, removed by the `after` hook. */
  workspace: string;
  /** `<workspace>/layout`, an OCI image layout with the image tagged `v1`. */
  layout: string;
  image: TestImage;
}

/**
 * A temp folder holding a fresh {@link createTestImage} as an OCI layout tagged `v1`, made by the `before`
 * hook and removed by the `after` hook (vitest's `beforeAll`/`afterAll` …); the fields are set once they run,
 * and with `beforeEach` every test gets a new image.
 *
 * @example
 * const local = useTestLayout("stevedore-cli-", { label: "cli" }, beforeAll, afterAll);
 * it("pushes", () => runCli(["push", `oci:${local.layout}:v1`, target]));
 */
export function useTestLayout(
  prefix: string,
  options: Parameters<typeof createTestImage>[0],
  before: TestHook,
  after: TestHook,
): TestLayoutFixture {
  const fixture: TestLayoutFixture = { workspace: "", layout: "", image: createTestImage(options) };
  const directory = useTemporaryDirectory(prefix, before, after);
  before(async () => {
    fixture.image = createTestImage(options);
    fixture.workspace = directory.path;
    fixture.layout = join(directory.path, "layout");
    await writeTestLayout(fixture.layout, fixture.image, "v1");
  });
  return fixture;
}
