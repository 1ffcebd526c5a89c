import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import { createMemoryTarget, readAll } from "@stevedore/blob";
import {
  AbortError,
  type Descriptor,
  DigestMismatchError,
  LocalFormatError,
  MediaType,
  NotFoundError,
  UsageError,
} from "@stevedore/core";
import {
  encodeTarHeader,
  indexTar,
  memorySource,
  type TarWriterEntry,
  tarBlockSize,
  writeTar,
} from "@stevedore/tar";
import { temporaryDirectories } from "@stevedore/testing";
import { afterEach, describe, expect, it } from "vitest";
import {
  createTargetContractFixture,
  describeTargetContract,
  pushFixture,
} from "../../../blob/src/test-support/target-contract.js";
import { createOciLayout } from "../oci-layout/create-oci-layout.js";
import { openDockerArchive } from "./open-docker-archive.js";
import { writeDockerArchive } from "./write-docker-archive.js";

const temporaryDirectory = temporaryDirectories("stevedore-archive-", afterEach);

const encoder = new TextEncoder();
const fixture = createTargetContractFixture();

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function hex(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1);
}

async function memoryWithFixture(): Promise<ReturnType<typeof createMemoryTarget>> {
  const memory = createMemoryTarget();
  await pushFixture(memory, fixture);
  return memory;
}

describeTargetContract(
  "docker save archive (read side, written by writeDockerArchive)",
  async () => {
    const directory = await mkdtemp(join(tmpdir(), "stevedore-archive-contract-"));
    const memory = await memoryWithFixture();
    const file = join(directory, "image.tar");
    await writeDockerArchive(file, [
      { source: memory, descriptor: fixture.manifest.descriptor, repoTags: ["contract/app:v1"] },
      { source: memory, descriptor: fixture.artifact.descriptor },
    ]);
    return {
      target: (await openDockerArchive(file)) as never,
      cleanup: () => rm(directory, { recursive: true, force: true }),
    };
  },
  { readOnly: true, capabilities: { tags: true } },
);

/** One raw tar entry, for archives our writer refuses to produce (links, unsafe names). */
function rawEntry(name: string, typeflag: string, content = new Uint8Array(), linkName = ""): Uint8Array {
  const header = encodeTarHeader({ name, mode: 0o644, size: content.length, mtime: 0, typeflag, linkName });
  const padded = new Uint8Array(Math.ceil(content.length / tarBlockSize) * tarBlockSize);
  padded.set(content);
  return Buffer.concat([header, padded]);
}

async function tarBytes(entries: TarWriterEntry[], extra: Uint8Array[] = []): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [...extra];
  for await (const chunk of writeTar(entries)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function saveTo(bytes: Uint8Array): Promise<string> {
  const file = join(await temporaryDirectory(), "archive.tar");
  await writeFile(file, bytes);
  return file;
}

function json(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function entry(name: string, bytes: Uint8Array): TarWriterEntry {
  return { name, size: bytes.length, content: bytes };
}

/** A pre-25 `docker save` archive: two images sharing a layer, the repeat stored as a symlink. */
function legacyImages(): {
  layerA: Uint8Array;
  layerB: Uint8Array;
  config: Uint8Array;
  config2: Uint8Array;
  entries: TarWriterEntry[];
  links: Uint8Array[];
} {
  const layerA = new Uint8Array(3000).fill(0x61); // an "uncompressed tar" (no magic)
  const layerB = new Uint8Array(gzipSync(new Uint8Array(2000).fill(0x62), { level: 0 }));
  const config = json({
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [sha256(layerA), "sha256:bb"] },
  });
  const config2 = json({
    architecture: "arm64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [sha256(layerA)] },
  });
  const manifest = json([
    {
      Config: `${hex(sha256(config))}.json`,
      RepoTags: ["busybox:latest", "example.com/team/tool:1.0"],
      Layers: ["aaaa/layer.tar", "bbbb/layer.tar"],
    },
    { Config: `${hex(sha256(config2))}.json`, RepoTags: null, Layers: ["cccc/layer.tar"] },
  ]);
  return {
    layerA,
    layerB,
    config,
    config2,
    entries: [
      entry("manifest.json", manifest),
      entry(`${hex(sha256(config))}.json`, config),
      entry(`${hex(sha256(config2))}.json`, config2),
      { name: "aaaa", type: "directory", size: 0 },
      entry("aaaa/VERSION", encoder.encode("1.0")),
      entry("aaaa/layer.tar", layerA),
      entry("bbbb/layer.tar", layerB),
      entry("repositories", json({ busybox: { latest: "bbbb" } })),
    ],
    links: [rawEntry("cccc/layer.tar", "2", undefined, "../aaaa/layer.tar")],
  };
}

async function legacyArchive(): Promise<string> {
  const images = legacyImages();
  const tar = await tarBytes(images.entries);
  // Put the symlink entry before the end-of-archive blocks.
  return saveTo(Buffer.concat([tar.subarray(0, tar.length - 1024), ...images.links, new Uint8Array(1024)]));
}

describe("openDockerArchive on a Docker < 25 archive", () => {
  it("synthesises a Docker schema 2 manifest with exact, stable bytes", async () => {
    const file = await legacyArchive();
    const { layerA, layerB, config } = legacyImages();
    const archive = await openDockerArchive(file);
    const descriptor = await archive.resolve("busybox:latest");
    const expected =
      `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",` +
      `"config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":${config.length},"digest":"${sha256(config)}"},` +
      `"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar","size":3000,"digest":"${sha256(layerA)}"},` +
      `{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":${layerB.length},"digest":"${sha256(layerB)}"}]}`;
    expect(descriptor).toEqual({
      mediaType: MediaType.DockerManifest,
      digest: sha256(encoder.encode(expected)),
      size: expected.length,
    });
    expect(new TextDecoder().decode(await readAll(await archive.fetch(descriptor)))).toBe(expected);
    const again = await openDockerArchive(file);
    expect(await again.resolve("@0")).toEqual(descriptor);
    expect(await again.fetch(descriptor).then(readAll)).toEqual(encoder.encode(expected));
  });

  it("finds images by normalised name, position and digest, and lists names", async () => {
    const archive = await openDockerArchive(await legacyArchive());
    const first = await archive.resolve("busybox:latest");
    for (const reference of [
      "busybox",
      "docker.io/library/busybox:latest",
      "example.com/team/tool:1.0",
      "@0",
      first.digest,
    ]) {
      expect(await archive.resolve(reference)).toEqual(first);
    }
    const second = await archive.resolve("@1");
    expect(second.digest).not.toBe(first.digest);
    expect(archive.images).toEqual([
      { repoTags: ["busybox:latest", "example.com/team/tool:1.0"] },
      { repoTags: [] },
    ]);
    const tags: string[] = [];
    for await (const tag of archive.tags()) tags.push(tag);
    expect(tags).toEqual(["busybox:latest", "example.com/team/tool:1.0"]);
    await expect(archive.resolve("")).rejects.toBeInstanceOf(UsageError);
    await expect(archive.resolve("busybox:other")).rejects.toBeInstanceOf(NotFoundError);
    await expect(archive.resolve("@2")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("reads a layer stored as a symlink to another image's layer", async () => {
    const archive = await openDockerArchive(await legacyArchive());
    const { layerA, config2 } = legacyImages();
    const descriptor = await archive.resolve("@1");
    const manifest = JSON.parse(new TextDecoder().decode(await readAll(await archive.fetch(descriptor))));
    expect(manifest.config.digest).toBe(sha256(config2));
    expect(manifest.layers[0].digest).toBe(sha256(layerA));
    expect(await readAll(await archive.fetch(manifest.layers[0]))).toEqual(layerA);
  });

  it("answers exists() and fetch() for layer digests before any resolve", async () => {
    const archive = await openDockerArchive(await legacyArchive());
    const { layerB } = legacyImages();
    const layer: Descriptor = {
      mediaType: MediaType.DockerLayerGzip,
      digest: sha256(layerB),
      size: layerB.length,
    };
    expect(await archive.exists(layer)).toBe(true);
    expect(await archive.exists({ ...layer, size: 1 })).toBe(false);
    expect(await readAll(await archive.fetch(layer))).toEqual(layerB);
    expect(await archive.exists(fixture.missing.descriptor)).toBe(false);
  });
});

/** A Docker ≥ 25 archive: OCI layout with the real manifest, plus manifest.json into blobs/. */
function modernArchive(): { entries: TarWriterEntry[]; manifest: Descriptor; layer: Uint8Array } {
  const layer = new Uint8Array(5000).fill(0x6c);
  const config = json({
    architecture: "arm64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [sha256(layer)] },
  });
  const manifestBytes = json({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: sha256(config), size: config.length },
    layers: [{ mediaType: MediaType.OciLayer, digest: sha256(layer), size: layer.length }],
  });
  const manifest = {
    mediaType: MediaType.OciManifest,
    digest: sha256(manifestBytes),
    size: manifestBytes.length,
  };
  return {
    layer,
    manifest,
    entries: [
      entry("blobs/sha256/" + hex(sha256(config)), config),
      entry("blobs/sha256/" + hex(sha256(layer)), layer),
      entry("blobs/sha256/" + hex(manifest.digest), manifestBytes),
      entry(
        "index.json",
        json({
          schemaVersion: 2,
          mediaType: MediaType.OciIndex,
          manifests: [
            {
              ...manifest,
              annotations: {
                "io.containerd.image.name": "docker.io/library/nginx:latest",
                "org.opencontainers.image.ref.name": "latest",
              },
            },
          ],
        }),
      ),
      entry(
        "manifest.json",
        json([
          {
            Config: `blobs/sha256/${hex(sha256(config))}`,
            RepoTags: ["nginx:latest"],
            Layers: [`blobs/sha256/${hex(sha256(layer))}`],
            LayerSources: {
              [sha256(layer)]: { mediaType: MediaType.OciLayer, size: layer.length, digest: sha256(layer) },
            },
          },
        ]),
      ),
      entry("oci-layout", encoder.encode('{"imageLayoutVersion":"1.0.0"}')),
      entry("repositories", json({ nginx: { latest: hex(sha256(layer)) } })),
    ],
  };
}

describe("openDockerArchive on a Docker ≥ 25 archive", () => {
  it("resolves names to the real OCI manifest the archive holds", async () => {
    const { entries, manifest } = modernArchive();
    const archive = await openDockerArchive(await saveTo(await tarBytes(entries)));
    for (const reference of [
      "nginx:latest",
      "nginx",
      "latest",
      "docker.io/library/nginx:latest",
      "@0",
      "",
      manifest.digest,
    ]) {
      expect(await archive.resolve(reference)).toEqual(manifest);
    }
  });

  it("fails the fetch of a blob whose bytes do not match its name", async () => {
    const { entries, layer } = modernArchive();
    const tampered = entries.map((item) =>
      item.name === `blobs/sha256/${hex(sha256(layer))}`
        ? entry(item.name, new Uint8Array(5000).fill(0x6d))
        : item,
    );
    const archive = await openDockerArchive(await saveTo(await tarBytes(tampered)));
    const descriptor = { mediaType: MediaType.OciLayer, digest: sha256(layer), size: layer.length };
    expect(await archive.exists(descriptor)).toBe(true);
    await expect(readAll(await archive.fetch(descriptor))).rejects.toBeInstanceOf(DigestMismatchError);
  });

  it("reads a plain OCI layout tar without manifest.json", async () => {
    const { entries, manifest } = modernArchive();
    const archive = await openDockerArchive(
      await saveTo(await tarBytes(entries.filter((item) => item.name !== "manifest.json"))),
    );
    expect(await archive.resolve("latest")).toEqual(manifest);
    expect(archive.images).toEqual([{ repoTags: ["latest"] }]);
  });
});

describe("openDockerArchive on hostile or broken archives", () => {
  const refuse = async (bytes: Uint8Array, message: RegExp): Promise<void> => {
    const error = await openDockerArchive(await saveTo(bytes)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LocalFormatError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  };

  it.each(["../evil", "/etc/passwd", "a/../../evil", "ok/../../../x"])(
    "refuses an entry named %j",
    async (name) => {
      const { entries } = modernArchive();
      await refuse(await tarBytes(entries, [rawEntry(name, "0", encoder.encode("x"))]), /has an unsafe path/);
    },
  );

  it("refuses a layer that is a link pointing outside the archive", async () => {
    const { entries } = legacyImages();
    for (const [type, target] of [
      ["2", "../../etc/passwd"],
      ["2", "/etc/passwd"],
      ["1", "../outside"],
    ] as const) {
      const tar = await tarBytes(entries.filter((item) => item.name !== "aaaa/layer.tar"));
      const bytes = Buffer.concat([
        tar.subarray(0, tar.length - 1024),
        rawEntry("aaaa/layer.tar", type, undefined, target),
        new Uint8Array(1024),
      ]);
      await refuse(bytes, /aaaa\/layer.tar, a link that points outside the archive/);
    }
  });

  it("refuses a symlink loop", async () => {
    const { entries } = legacyImages();
    const tar = await tarBytes(entries.filter((item) => item.name !== "aaaa/layer.tar"));
    const bytes = Buffer.concat([
      tar.subarray(0, tar.length - 1024),
      rawEntry("aaaa/layer.tar", "2", undefined, "layer.tar"),
      new Uint8Array(1024),
    ]);
    await refuse(bytes, /link chain that is too long or loops/);
  });

  it.each([
    ["not JSON", encoder.encode("{"), /manifest.json: not valid JSON/],
    ["an object", json({}), /manifest.json: expected a JSON array/],
    ["no Config", json([{ Layers: [] }]), /manifest.json: \[0\].Config must be a non-empty string/],
    [
      "bad RepoTags",
      json([{ Config: "c.json", RepoTags: [1] }]),
      /RepoTags must be an array of strings or null/,
    ],
    ["bad Layers", json([{ Config: "c.json", Layers: "x" }]), /Layers must be an array of paths/],
    [
      "an escaping Config",
      json([{ Config: "../c.json", Layers: [] }]),
      /Config names an unsafe path "..\/c.json"/,
    ],
    [
      "an absolute layer",
      json([{ Config: "c.json", Layers: ["/etc/passwd"] }]),
      /Layers\[0\] names an unsafe path/,
    ],
    [
      "a missing layer",
      json([{ Config: "c.json", Layers: ["gone/layer.tar"] }]),
      /Layers\[0\] names gone\/layer.tar, which is missing/,
    ],
    [
      "a missing config",
      json([{ Config: "gone.json", Layers: [] }]),
      /Config names gone.json, which is missing/,
    ],
  ])("refuses a manifest.json that is %s", async (_, manifest, message) => {
    await refuse(await tarBytes([entry("manifest.json", manifest), entry("c.json", json({}))]), message);
  });

  it("refuses a config that is not a JSON object, naming it", async () => {
    await refuse(
      await tarBytes([
        entry("manifest.json", json([{ Config: "c.json", Layers: [] }])),
        entry("c.json", encoder.encode("[1]")),
      ]),
      /c.json: expected a JSON object/,
    );
  });

  it("refuses an archive without manifest.json or index.json, a truncated one, and a non-archive", async () => {
    await refuse(
      await tarBytes([entry("hello.txt", encoder.encode("hi"))]),
      /manifest.json and index.json are missing/,
    );
    const tar = await tarBytes(legacyImages().entries);
    const layerOffset = (await indexTar(memorySource(tar))).find(
      (item) => item.name === "aaaa/layer.tar",
    )!.offset;
    await refuse(tar.subarray(0, layerOffset + 100), /truncated tar entry "aaaa\/layer.tar"/);
    await refuse(tar.subarray(0, layerOffset - 200), /truncated tar header/);
    await refuse(encoder.encode("PK\u0003\u0004 this is a zip".repeat(40)), /not a tar archive/);
    await expect(openDockerArchive(join(await temporaryDirectory(), "missing.tar"))).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe("writeDockerArchive", () => {
  it("round-trips an OCI layout through an archive: same manifest, config and layers", async () => {
    const memory = await memoryWithFixture();
    const directory = await temporaryDirectory();
    const file = join(directory, "out.tar");
    await writeDockerArchive(file, [
      { source: memory, descriptor: fixture.manifest.descriptor, repoTags: ["team/app:1.0"] },
    ]);
    const archive = await openDockerArchive(file);
    expect(await archive.resolve("team/app:1.0")).toEqual(fixture.manifest.descriptor);
    expect(await archive.resolve("docker.io/team/app:1.0")).toEqual(fixture.manifest.descriptor);
    for (const item of [fixture.manifest, fixture.config, fixture.layer]) {
      expect(await readAll(await archive.fetch(item.descriptor))).toEqual(item.bytes);
    }
    expect(await readdir(directory)).toEqual(["out.tar"]);
  });

  it("writes the same bytes to a stream as to a file, with the documents docker load reads", async () => {
    const memory = await memoryWithFixture();
    const file = join(await temporaryDirectory(), "out.tar");
    await writeDockerArchive(file, [
      { source: memory, descriptor: fixture.manifest.descriptor, repoTags: ["nginx"] },
    ]);
    const sink = new PassThrough();
    const collected = readAll(sink);
    await writeDockerArchive(sink, [
      { source: memory, descriptor: fixture.manifest.descriptor, repoTags: ["nginx"] },
    ]);
    const streamed = await collected;
    expect(new Uint8Array(await readFile(file))).toEqual(streamed);
    const text = new TextDecoder("latin1").decode(streamed);
    expect(text).toContain(
      `[{"Config":"blobs/sha256/${hex(fixture.config.descriptor.digest)}","RepoTags":["nginx:latest"],"Layers":["blobs/sha256/${hex(fixture.layer.descriptor.digest)}"]}]`,
    );
    expect(text).toContain(
      '"io.containerd.image.name":"docker.io/library/nginx:latest","org.opencontainers.image.ref.name":"latest"',
    );
  });

  it("writes each shared blob once and takes images from an OCI layout", async () => {
    const path = join(await temporaryDirectory(), "layout");
    const layout = createOciLayout(path, { create: true });
    await pushFixture(layout, fixture);
    const file = join(await temporaryDirectory(), "two.tar");
    await writeDockerArchive(file, [
      { source: layout, descriptor: fixture.manifest.descriptor, repoTags: ["a:1"] },
      { source: layout, descriptor: fixture.manifest.descriptor, repoTags: ["b:2"] },
    ]);
    const bytes = new Uint8Array(await readFile(file));
    const occurrences =
      Buffer.from(bytes)
        .toString("latin1")
        .split(`blobs/sha256/${hex(fixture.layer.descriptor.digest)}\0`).length - 1;
    expect(occurrences).toBe(1);
    const archive = await openDockerArchive(file);
    expect(await archive.resolve("a:1")).toEqual(fixture.manifest.descriptor);
    expect(await archive.resolve("b:2")).toEqual(fixture.manifest.descriptor);
  });

  it("refuses an index, a digest in a name, and leaves no file when a blob is missing or the signal aborts", async () => {
    const memory = await memoryWithFixture();
    const directory = await temporaryDirectory();
    const file = join(directory, "out.tar");
    const index = { mediaType: MediaType.OciIndex, digest: fixture.manifest.descriptor.digest, size: 1 };
    await expect(writeDockerArchive(file, [{ source: memory, descriptor: index }])).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(
      writeDockerArchive(file, [
        {
          source: memory,
          descriptor: fixture.manifest.descriptor,
          repoTags: [`a@${fixture.layer.descriptor.digest}`],
        },
      ]),
    ).rejects.toThrow(/cannot hold a digest/);

    const partial = createMemoryTarget();
    for (const item of [fixture.config, fixture.manifest]) await partial.push(item.descriptor, item.bytes);
    await expect(
      writeDockerArchive(file, [{ source: partial, descriptor: fixture.manifest.descriptor }]),
    ).rejects.toBeInstanceOf(NotFoundError);
    const controller = new AbortController();
    controller.abort();
    await expect(
      writeDockerArchive(file, [{ source: memory, descriptor: fixture.manifest.descriptor }], {
        signal: controller.signal,
      }),
    ).rejects.toBeInstanceOf(AbortError);
    expect(await readdir(directory)).toEqual([]);
  });
});
