/**
 * Interop with skopeo (`spec/PROTOCOL.md` §13; TOOLCHAIN.md "Real services for tests"): what stevedore
 * writes, skopeo reads byte for byte, and the other way round. No registry is involved.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { readAll } from "@stevedore/blob";
import { type Descriptor, MediaType } from "@stevedore/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveFormatOf } from "./archive-format.js";
import { openDockerArchive } from "./docker-archive/open-docker-archive.js";
import { writeDockerArchive } from "./docker-archive/write-docker-archive.js";
import { openOciArchive } from "./oci-archive/open-oci-archive.js";
import { writeOciArchive } from "./oci-archive/write-oci-archive.js";
import { createOciLayout } from "./oci-layout/create-oci-layout.js";

const run = promisify(execFile);
const encoder = new TextEncoder();

async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await run("skopeo", ["--insecure-policy", ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

function content(mediaType: string, bytes: Uint8Array): { descriptor: Descriptor; bytes: Uint8Array } {
  const digest = `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
  return { descriptor: { mediaType, digest, size: bytes.length }, bytes };
}

// Real gzip streams (level 0 over random bytes): skopeo would compress anything that does not look
// compressed, which would change the digests (TOOLCHAIN.md).
const uncompressed = [randomBytes(96 * 1024), randomBytes(160 * 1024)].map((bytes) => new Uint8Array(bytes));
const layers = uncompressed.map((bytes) =>
  content(MediaType.OciLayerGzip, new Uint8Array(gzipSync(bytes, { level: 0 }))),
);
const diffIds = uncompressed.map((bytes) => content("", bytes).descriptor.digest);
const config = content(
  MediaType.OciConfig,
  encoder.encode(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/bin/true"] },
      rootfs: { type: "layers", diff_ids: diffIds },
      history: [{ created_by: "stevedore interop a" }, { created_by: "stevedore interop b" }],
    }),
  ),
);
const manifest = content(
  MediaType.OciManifest,
  encoder.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: config.descriptor,
      layers: layers.map((layer) => layer.descriptor),
      annotations: { "org.opencontainers.image.title": "stevedore interop" },
    }),
  ),
);

let directory: string;
let source: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "stevedore-interop-"));
  source = join(directory, "stevedore-layout");
  const layout = createOciLayout(source, { create: true });
  for (const blob of [config, ...layers, manifest]) await layout.push(blob.descriptor, blob.bytes);
  await layout.tag(manifest.descriptor, "v1");
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function blobBytes(layoutPath: string, descriptor: Descriptor): Promise<Uint8Array> {
  const [algorithm, encoded] = descriptor.digest.split(":") as [string, string];
  return new Uint8Array(await readFile(join(layoutPath, "blobs", algorithm, encoded)));
}

async function manifestOf(
  target: { fetch(d: Descriptor): Promise<AsyncIterable<Uint8Array>> },
  descriptor: Descriptor,
) {
  return JSON.parse(new TextDecoder().decode(await readAll(await target.fetch(descriptor)))) as {
    mediaType: string;
    config: Descriptor;
    layers: Descriptor[];
  };
}

describe("skopeo and stevedore OCI layouts", () => {
  it("skopeo copies a layout stevedore wrote, keeping every byte; stevedore reads skopeo's copy", async () => {
    const copy = join(directory, "skopeo-layout");
    await skopeo("copy", "--preserve-digests", `oci:${source}:v1`, `oci:${copy}:v2`);
    for (const blob of [config, ...layers, manifest]) {
      expect(await blobBytes(copy, blob.descriptor)).toEqual(blob.bytes);
    }
    const layout = createOciLayout(copy);
    const resolved = await layout.resolve("v2");
    expect(resolved).toEqual(manifest.descriptor);
    for (const blob of [config, ...layers, manifest]) {
      expect(await readAll(await layout.fetch(blob.descriptor))).toEqual(blob.bytes);
    }
    const tags: string[] = [];
    for await (const tag of layout.tags()) tags.push(tag);
    expect(tags).toEqual(["v2"]);
  });

  it("skopeo inspects the stevedore layout and sees the config and layers", async () => {
    const inspected = JSON.parse(await skopeo("inspect", `oci:${source}:v1`)) as {
      Digest: string;
      Layers: string[];
    };
    expect(inspected.Digest).toBe(manifest.descriptor.digest);
    expect(inspected.Layers).toEqual(layers.map((layer) => layer.descriptor.digest));
  });

  it("stevedore tags into a layout skopeo wrote, and skopeo still reads both tags", async () => {
    const copy = join(directory, "skopeo-layout-2");
    await skopeo("copy", "--preserve-digests", `oci:${source}:v1`, `oci:${copy}:first`);
    await createOciLayout(copy).tag(manifest.descriptor, "second");
    for (const tag of ["first", "second"]) {
      const inspected = JSON.parse(await skopeo("inspect", `oci:${copy}:${tag}`)) as { Digest: string };
      expect(inspected.Digest).toBe(manifest.descriptor.digest);
    }
  });
});

describe("skopeo and stevedore docker archives", () => {
  it("skopeo reads a docker archive stevedore wrote: same config, same layer contents", async () => {
    const file = join(directory, "stevedore.tar");
    await writeDockerArchive(file, [
      {
        source: createOciLayout(source),
        descriptor: manifest.descriptor,
        repoTags: ["example.com/team/app:v1"],
      },
    ]);
    const inspected = JSON.parse(await skopeo("inspect", `docker-archive:${file}`)) as {
      RepoTags: string[];
      Layers: string[];
    };
    expect(inspected.Layers).toEqual(diffIds);

    const copy = join(directory, "from-archive");
    await skopeo("copy", `docker-archive:${file}`, `oci:${copy}:v1`);
    const layout = createOciLayout(copy);
    const copied = await manifestOf(layout, await layout.resolve("v1"));
    expect(copied.config.digest).toBe(config.descriptor.digest);
    expect(await readAll(await layout.fetch(copied.config))).toEqual(config.bytes);
    expect(copied.layers).toHaveLength(2);
    for (const [index, layer] of copied.layers.entries()) {
      const bytes = await readAll(await layout.fetch(layer));
      expect(new Uint8Array(gunzipSync(bytes))).toEqual(uncompressed[index]);
    }
  });

  it("stevedore reads a docker archive skopeo wrote and every digest verifies", async () => {
    const file = join(directory, "skopeo.tar");
    await skopeo("copy", `oci:${source}:v1`, `docker-archive:${file}:example.com/team/app:v1`);
    const archive = await openDockerArchive(file);
    expect(archive.images).toEqual([{ repoTags: ["example.com/team/app:v1"] }]);
    const descriptor = await archive.resolve("example.com/team/app:v1");
    expect(descriptor.mediaType).toBe(MediaType.DockerManifest);
    expect(await archive.resolve("")).toEqual(descriptor);
    const synthesised = await manifestOf(archive, descriptor);
    expect(synthesised.config.digest).toBe(config.descriptor.digest);
    expect(await readAll(await archive.fetch(synthesised.config))).toEqual(config.bytes);
    // skopeo stores layers uncompressed: their digests are the DiffIDs and the media type says tar.
    expect(synthesised.layers.map((layer) => [layer.mediaType, layer.digest])).toEqual(
      diffIds.map((digest) => ["application/vnd.docker.image.rootfs.diff.tar", digest]),
    );
    for (const [index, layer] of synthesised.layers.entries()) {
      expect(await readAll(await archive.fetch(layer))).toEqual(uncompressed[index]);
    }
    // The same archive gives the same digest every time it is opened.
    expect(await (await openDockerArchive(file)).resolve("@0")).toEqual(descriptor);
    expect((await readdir(directory)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});

describe("skopeo and stevedore OCI archives", () => {
  it("skopeo copies an OCI archive stevedore wrote, digests preserved", async () => {
    const file = join(directory, "stevedore-oci.tar");
    await writeOciArchive(file, async (layout) => {
      const from = createOciLayout(source);
      for (const blob of [config, ...layers, manifest]) {
        await layout.push(blob.descriptor, await readAll(await from.fetch(blob.descriptor)));
      }
      await layout.tag(manifest.descriptor, "v1");
    });
    const inspected = JSON.parse(await skopeo("inspect", `oci-archive:${file}:v1`)) as { Digest: string };
    expect(inspected.Digest).toBe(manifest.descriptor.digest);
    const copy = join(directory, "from-oci-archive");
    await skopeo("copy", "--preserve-digests", `oci-archive:${file}:v1`, `oci:${copy}:v1`);
    for (const blob of [config, ...layers, manifest]) {
      expect(await blobBytes(copy, blob.descriptor)).toEqual(blob.bytes);
    }
  });

  it("stevedore reads the OCI archive skopeo wrote, by tag and as its sole image", async () => {
    const file = join(directory, "skopeo-oci.tar");
    await skopeo("copy", "--preserve-digests", `oci:${source}:v1`, `oci-archive:${file}:release`);
    const archive = await openOciArchive(file);
    expect(await archive.resolve("release")).toEqual(manifest.descriptor);
    expect(await archive.resolve("")).toEqual(manifest.descriptor);
    for (const blob of [config, ...layers, manifest]) {
      expect(await readAll(await archive.fetch(blob.descriptor))).toEqual(blob.bytes);
    }
    expect(await archiveFormatOf(file)).toBe("oci-archive");
  });
});
