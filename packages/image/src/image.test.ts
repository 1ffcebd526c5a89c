import { chmod, mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createMemoryTarget, readAll } from "@stevedore/blob";
import type { Descriptor, Platform, Target } from "@stevedore/core";
import { descriptorOf, LocalFormatError, MediaType, NotFoundError, UsageError } from "@stevedore/core";
import { decompress, readTar } from "@stevedore/tar";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendLayers } from "./append-layers.js";
import { exportFilesystem } from "./export-filesystem.js";
import { flattenImage } from "./flatten-image.js";
import { mutateImage } from "./mutate-image.js";
import { readImageFile } from "./read-image-file.js";
import { recompressImage } from "./recompress-image.js";
import { selectImage } from "./select-image.js";
import { collect, directory, file, pushImage, pushIndex } from "./test-support/build-image.js";

const encoder = new TextEncoder();
const amd64: Platform = { os: "linux", architecture: "amd64" };
const arm64: Platform = { os: "linux", architecture: "arm64", variant: "v8" };

const root = useTemporaryDirectory("stevedore-image-", beforeAll, afterAll);

// biome-ignore lint/suspicious/noExplicitAny: tests walk documents of known shape
type Json = Record<string, any>;

async function json(target: Target, descriptor: Descriptor): Promise<Json> {
  return JSON.parse(new TextDecoder().decode(await readAll(await target.fetch(descriptor))));
}

async function twoPlatforms(target: Target): Promise<Descriptor> {
  const base = [[directory("etc"), file("etc/os-release", "ID=test\n")]];
  return pushIndex(target, [
    { descriptor: await pushImage(target, base, amd64), platform: amd64 },
    { descriptor: await pushImage(target, base, arm64), platform: arm64 },
  ]);
}

async function treeOf(stream: AsyncIterable<Uint8Array>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const entry of readTar(decompress(stream))) {
    const text = new TextDecoder().decode(await collect(entry.content));
    out[entry.name] =
      entry.type === "file"
        ? `${text} ${entry.mode.toString(8)}`
        : entry.type === "symlink"
          ? `-> ${entry.linkName}`
          : entry.type;
  }
  return out;
}

async function appDirectory(name: string, time: Date): Promise<string> {
  const path = join(root.path, name);
  await mkdir(join(path, "bin"), { recursive: true });
  await writeFile(join(path, "bin", "run"), "#!/bin/sh\n");
  await chmod(join(path, "bin", "run"), 0o755);
  await writeFile(join(path, "config.json"), "{}");
  for (const item of ["bin/run", "config.json", "bin", ""]) await utimes(join(path, item), time, time);
  return path;
}

describe("appendLayers", () => {
  it("adds one layer to every platform of an index, with diff_ids and history, reproducibly", async () => {
    const digests: string[] = [];
    for (const [name, time] of [
      ["one", new Date(1e12)],
      ["two", new Date(1.6e12)],
    ] as const) {
      const target = createMemoryTarget();
      const index = await twoPlatforms(target);
      const path = await appDirectory(name, time);
      const result = await appendLayers(target, index, { layers: [{ path, destination: "/app" }] });
      digests.push(result.descriptor.digest);
      expect(result.images).toHaveLength(2);
      for (const image of result.images) {
        const manifest = await json(target, image.descriptor);
        expect(manifest.layers).toHaveLength(2);
        expect(manifest.layers[1].mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
        const config = await json(target, manifest.config);
        expect(config.rootfs.diff_ids).toHaveLength(2);
        expect(config.history.at(-1)).toEqual({
          created: "1970-01-01T00:00:00Z",
          created_by: "stevedore append",
        });
        expect(config.config.Labels).toEqual({ keep: "yes", drop: "me" });
        const { manifest: edited } = await selectImage(target, image.descriptor);
        const tree = await treeOf(exportFilesystem(target, edited));
        expect(tree).toMatchObject({
          "app/bin/run": "#!/bin/sh\n 755",
          "app/config.json": "{} 644",
          "etc/os-release": "ID=test\n 644",
        });
      }
    }
    expect(digests[0]).toBe(digests[1]);
  });

  it("takes a tar file as a layer as it is, and a file to a destination", async () => {
    const target = createMemoryTarget();
    const image = await pushImage(target, [[file("a", "a")]]);
    const tar = join(root.path, "extra.tar");
    const { writeTar } = await import("@stevedore/tar");
    await writeFile(tar, await collect(writeTar([file("from-tar.txt", "t")])));
    const single = join(root.path, "tool");
    await writeFile(single, "bin");
    const result = await appendLayers(target, image, {
      layers: [{ path: tar }, { path: single, destination: "/usr/local/bin/" }],
      compression: "zstd",
    });
    const { manifest } = await selectImage(target, result.descriptor);
    expect(manifest.layers.map((layer) => layer.mediaType)).toEqual([
      "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.v1.tar+zstd",
      "application/vnd.oci.image.layer.v1.tar+zstd",
    ]);
    expect(Object.keys(await treeOf(exportFilesystem(target, manifest)))).toEqual([
      "usr/",
      "usr/local/",
      "usr/local/bin/",
      "usr/local/bin/tool",
      "from-tar.txt",
      "a",
    ]);
  });

  it("edits only the platforms asked for and refuses bad input", async () => {
    const target = createMemoryTarget();
    const index = await twoPlatforms(target);
    const before = await json(target, index);
    const path = await appDirectory("only", new Date());
    const result = await appendLayers(target, index, { layers: [{ path }], platforms: [arm64] });
    const after = await json(target, result.descriptor);
    expect(after.manifests[0]).toEqual(before.manifests[0]);
    expect(after.manifests[1].digest).not.toBe(before.manifests[1].digest);
    await expect(appendLayers(target, index, { layers: [] })).rejects.toThrow(UsageError);
    const single = await pushImage(target, [[file("a", "a")]], amd64);
    await expect(appendLayers(target, single, { layers: [{ path }], platforms: [arm64] })).rejects.toThrow(
      /single-platform image for linux\/amd64, not linux\/arm64/,
    );
    await expect(
      appendLayers(target, index, { layers: [{ path: join(root.path, "absent") }] }),
    ).rejects.toThrow(NotFoundError);
  });
});

describe("appendLayers with hostile layer files", () => {
  it("refuses a tar with an entry that climbs out, and a .tar.gz that holds no tar", async () => {
    const target = createMemoryTarget();
    const image = await pushImage(target, [[file("a", "a")]]);
    const { encodeTarHeader } = await import("@stevedore/tar");
    const evil = join(root.path, "evil.tar");
    await writeFile(
      evil,
      Buffer.concat([
        encodeTarHeader({ name: "../../etc/cron.d/x", mode: 0o644, size: 0, mtime: 0, typeflag: "0" }),
        Buffer.alloc(1024),
      ]),
    );
    await expect(appendLayers(target, image, { layers: [{ path: evil }] })).rejects.toThrow(
      /evil\.tar: entry "\.\.\/\.\.\/etc\/cron\.d\/x" has an unsafe path/,
    );
    const notTar = join(root.path, "notes.tar.gz");
    const { gzipSync } = await import("node:zlib");
    await writeFile(notTar, gzipSync("just some text, no tar at all ".repeat(40)));
    await expect(appendLayers(target, image, { layers: [{ path: notTar }] })).rejects.toThrow(
      LocalFormatError,
    );
  });
});

describe("mutateImage", () => {
  it("changes the config and annotations of every platform and nothing else", async () => {
    const target = createMemoryTarget();
    const index = await twoPlatforms(target);
    const before = await json(target, index);
    const result = await mutateImage(
      target,
      index,
      {
        labels: { added: "1", drop: null },
        env: { NODE_ENV: "production" },
        entrypoint: ["/app/run"],
        user: "1000:1000",
        expose: ["8080"],
        annotations: { "org.example": "x" },
      },
      { indexAnnotations: { "org.opencontainers.image.version": "1.0" } },
    );
    const after = await json(target, result.descriptor);
    expect(after.annotations).toEqual({ "org.opencontainers.image.version": "1.0" });
    for (const [position, entry] of after.manifests.entries()) {
      const oldManifest = await json(target, before.manifests[position]);
      const manifest = await json(target, entry);
      expect(manifest.annotations).toEqual({ "org.example": "x" });
      expect(manifest.layers).toEqual(oldManifest.layers);
      const oldConfig = await json(target, oldManifest.config);
      const config = await json(target, manifest.config);
      expect(config.config).toEqual({
        ...oldConfig.config,
        Labels: { keep: "yes", added: "1" },
        Env: ["PATH=/usr/bin:/bin", "NODE_ENV=production"],
        Entrypoint: ["/app/run"],
        User: "1000:1000",
        ExposedPorts: { "8080/tcp": {} },
      });
      const { config: _a, ...restOld } = oldConfig;
      const { config: _b, ...rest } = config;
      expect(rest).toEqual(restOld);
    }
  });

  it("keeps the bytes when nothing changes, and refuses bad values", async () => {
    const target = createMemoryTarget();
    const image = await pushImage(target, [[file("a", "a")]]);
    expect((await mutateImage(target, image, { labels: { keep: "yes" } })).descriptor).toEqual(image);
    await expect(mutateImage(target, image, { expose: ["http"] })).rejects.toThrow(/port "http"/);
    await expect(mutateImage(target, image, { created: "yesterday" })).rejects.toThrow(/RFC 3339/);
    await expect(mutateImage(target, image, {}, { indexAnnotations: { a: "b" } })).rejects.toThrow(
      UsageError,
    );
  });
});

describe("selectImage", () => {
  it("refuses a single image for another platform than the one asked for, and takes its own", async () => {
    const target = createMemoryTarget();
    const single = await pushImage(target, [[file("a", "a")]], amd64);
    await expect(selectImage(target, single, { platform: arm64 })).rejects.toThrow(NotFoundError);
    await expect(selectImage(target, single, { platform: arm64 })).rejects.toThrow(
      /single-platform image for linux\/amd64, not linux\/arm64/,
    );
    expect((await selectImage(target, single, { platform: amd64 })).descriptor.digest).toBe(single.digest);
    expect((await selectImage(target, single)).descriptor.digest).toBe(single.digest);
  });
});

describe("merged file system", () => {
  /** A base with /etc, /data/{old,keep}, /bin → usr/bin; an upper layer deletes /etc/motd and replaces /data. */
  async function layered(target: Target): Promise<Descriptor> {
    return pushImage(target, [
      [
        directory("etc"),
        file("etc/motd", "hello"),
        file("etc/hostname", "base"),
        directory("data"),
        file("data/old", "old"),
        directory("data/sub"),
        file("data/sub/deep", "deep"),
        directory("usr"),
        directory("usr/bin"),
        file("usr/bin/tool", "tool", 0o755),
        { name: "bin", type: "symlink", size: 0, linkName: "usr/bin" },
        directory("gone"),
        file("gone/file", "x"),
      ],
      [
        file("etc/.wh.motd", ""),
        file("etc/hostname", "upper"),
        directory("data"),
        file("data/.wh..wh..opq", ""),
        file("data/new", "new"),
        file(".wh.gone", ""),
      ],
    ]);
  }

  it("export applies whiteouts and opaque directories, top layer first", async () => {
    const target = createMemoryTarget();
    const { manifest } = await selectImage(target, await layered(target));
    expect(await treeOf(exportFilesystem(target, manifest))).toEqual({
      "etc/hostname": "upper 644",
      "data/": "directory",
      "data/new": "new 644",
      "etc/": "directory",
      "usr/": "directory",
      "usr/bin/": "directory",
      "usr/bin/tool": "tool 755",
      bin: "-> usr/bin",
    });
  });

  it("readImageFile finds the top version, follows links, and says when a file is absent", async () => {
    const target = createMemoryTarget();
    const { manifest } = await selectImage(target, await layered(target));
    const read = async (path: string) => {
      const found = await readImageFile(target, manifest, path);
      return `${new TextDecoder().decode(await collect(found.content))} ${found.path}`;
    };
    expect(await read("/etc/hostname")).toBe("upper etc/hostname");
    expect(await read("/bin/tool")).toBe("tool usr/bin/tool");
    expect(await read("data/new")).toBe("new data/new");
    for (const absent of ["/etc/motd", "/data/old", "/data/sub/deep", "/gone/file", "/nothing"]) {
      await expect(readImageFile(target, manifest, absent)).rejects.toThrow(NotFoundError);
    }
    await expect(readImageFile(target, manifest, "/etc")).rejects.toThrow(/is a directory/);
    await expect(readImageFile(target, manifest, "../x")).rejects.toThrow(UsageError);
  });

  it("refuses an artifact (no image config) as having no file system, before reading a layer", async () => {
    const target = createMemoryTarget();
    const empty = encoder.encode("{}");
    const text = encoder.encode("hello\n");
    await target.push(descriptorOf(empty, MediaType.OciEmpty), empty);
    await target.push(descriptorOf(text, "text/plain"), text);
    const bytes = encoder.encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        artifactType: "application/vnd.example.notes",
        config: descriptorOf(empty, MediaType.OciEmpty),
        layers: [descriptorOf(text, "text/plain")],
      }),
    );
    const descriptor = descriptorOf(bytes, MediaType.OciManifest);
    await target.push(descriptor, bytes);
    const { manifest } = await selectImage(target, descriptor);
    const where = `image ${descriptor.digest}`;
    // One message whichever path refuses it: reading files (the merged layers) or an edit (the config).
    const message = new UsageError(
      `${where} is not a container image (artifact type application/vnd.example.notes): ` +
        "it has no file system to edit or read; pull the artifact's files instead",
    );
    await expect(readImageFile(target, manifest, "/a.txt", { where })).rejects.toThrow(message);
    await expect(collect(exportFilesystem(target, manifest, { where }))).rejects.toThrow(message);
    await expect(flattenImage(target, descriptor)).rejects.toThrow(message);
    await expect(mutateImage(target, descriptor, { labels: { a: "b" } })).rejects.toThrow(message);
    await expect(readImageFile(target, manifest, "/a.txt")).rejects.toThrow(/^the image is not a container/);
  });

  it("refuses a layer entry that climbs out", async () => {
    const target = createMemoryTarget();
    const { encodeTarHeader } = await import("@stevedore/tar");
    const evil = Buffer.concat([
      encodeTarHeader({ name: "../escape", mode: 0o644, size: 0, mtime: 0, typeflag: "0" }),
      Buffer.alloc(1024),
    ]);
    const { descriptorOf, MediaType } = await import("@stevedore/core");
    const layer = descriptorOf(evil, MediaType.OciLayer);
    await target.push(layer, evil);
    const image = await pushImage(target, [[file("a", "a")]]);
    const { manifest } = await selectImage(target, image);
    await expect(
      collect(exportFilesystem(target, { ...manifest, layers: [...manifest.layers, layer] })),
    ).rejects.toThrow(LocalFormatError);
  });

  it("flatten gives one layer with the merged tree and one history entry", async () => {
    const target = createMemoryTarget();
    const image = await layered(target);
    const { manifest: original } = await selectImage(target, image);
    const expected = await treeOf(exportFilesystem(target, original));
    const result = await flattenImage(target, image);
    const { manifest } = await selectImage(target, result.descriptor);
    expect(manifest.layers).toHaveLength(1);
    const config = await json(target, manifest.config);
    expect(config.rootfs.diff_ids).toHaveLength(1);
    expect(config.history).toEqual([{ created: "1970-01-01T00:00:00Z", created_by: "stevedore flatten" }]);
    expect(await treeOf(exportFilesystem(target, manifest))).toEqual(expected);
  });
});

describe("recompressImage", () => {
  it("stores plain tar layers as gzip in another target, configs and diff IDs unchanged", async () => {
    const source = createMemoryTarget();
    const destination = createMemoryTarget();
    const image = await pushImage(source, [[file("a", "a".repeat(5000))], [file("b", "b")]], amd64, "none");
    const { manifest: before } = await selectImage(source, image);
    const result = await recompressImage(source, image, destination, { compression: "gzip" });
    const { manifest: after } = await selectImage(destination, result.descriptor);
    expect(after.config).toEqual(before.config);
    expect(after.layers.map((layer) => layer.mediaType)).toEqual([
      "application/vnd.oci.image.layer.v1.tar+gzip",
      "application/vnd.oci.image.layer.v1.tar+gzip",
    ]);
    expect(after.layers[0]!.size).toBeLessThan(before.layers[0]!.size);
    expect(await treeOf(exportFilesystem(destination, after))).toEqual(
      await treeOf(exportFilesystem(source, before)),
    );
    expect(result.blobs).toEqual({ transferred: 3, skipped: 0 });
    const again = await recompressImage(source, image, destination, { compression: "gzip" });
    expect(again.descriptor).toEqual(result.descriptor);
    expect(again.blobs).toEqual({ transferred: 0, skipped: 3 });
  });
});
