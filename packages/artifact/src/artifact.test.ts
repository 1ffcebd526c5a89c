import { lstat, mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createMemoryTarget, readAll } from "@stevedore/blob";
import type { Descriptor } from "@stevedore/core";
import {
  Annotation,
  buildArtifactManifest,
  digestOf,
  ManifestError,
  MediaType,
  NotFoundError,
  UsageError,
} from "@stevedore/core";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { attach } from "./attach.js";
import { pullArtifact } from "./pull-artifact.js";
import { pushArtifact } from "./push-artifact.js";
import { referrersTree } from "./referrers-tree.js";

const work = useTemporaryDirectory("stevedore-artifact-", beforeEach, afterEach);

async function file(name: string, content: string): Promise<string> {
  const path = join(work.path, name);
  await writeFile(path, content);
  return path;
}

/** Pushes a manifest whose layers carry the given titles (bytes "x<n>"), as a hostile registry might. */
async function pushTitled(target: ReturnType<typeof createMemoryTarget>, titles: string[]): Promise<void> {
  const layers: Descriptor[] = [];
  for (const [index, title] of titles.entries()) {
    const bytes = new TextEncoder().encode(`x${index}`);
    const descriptor = { mediaType: "text/plain", digest: digestOf(bytes), size: bytes.length };
    await target.push(descriptor, bytes);
    layers.push({ ...descriptor, annotations: { [Annotation.Title]: title } });
  }
  await target.push(
    { mediaType: MediaType.OciEmpty, digest: digestOf("{}"), size: 2 },
    new TextEncoder().encode("{}"),
  );
  const built = buildArtifactManifest({ layers });
  await target.push(built.descriptor, built.bytes);
  await target.tag(built.descriptor, "hostile");
}

describe("pushArtifact and pullArtifact", () => {
  it("push files with titles and media types, pull them back into a directory", async () => {
    const target = createMemoryTarget({ repository: "team/files" });
    const readme = await file("readme.md", "# hello");
    const sbom = await file("sbom.json", '{"spdxVersion":"SPDX-2.3"}');
    const pushed = await pushArtifact(target, {
      files: [
        { path: readme, mediaType: "text/markdown" },
        { path: sbom, mediaType: "application/spdx+json" },
      ],
      artifactType: "application/vnd.example+type",
      annotations: { "org.example": "yes" },
      tags: ["v1", "latest"],
    });
    expect(
      pushed.manifest.layers.map((layer) => [layer.mediaType, layer.annotations?.[Annotation.Title]]),
    ).toEqual([
      ["text/markdown", "readme.md"],
      ["application/spdx+json", "sbom.json"],
    ]);
    expect(pushed.manifest.config.mediaType).toBe(MediaType.OciEmpty);
    expect((await target.resolve("latest")).digest).toBe(pushed.descriptor.digest);
    const stored = await readAll(await target.fetch(pushed.descriptor));
    expect(Buffer.from(stored).equals(Buffer.from(pushed.bytes))).toBe(true);

    const out = join(work.path, "out");
    const pulled = await pullArtifact(target, "v1", out);
    expect(pulled.files.map((pulledFile) => pulledFile.name)).toEqual(["readme.md", "sbom.json"]);
    expect(await readFile(join(out, "readme.md"), "utf8")).toBe("# hello");
    expect(await readFile(join(out, "sbom.json"), "utf8")).toBe('{"spdxVersion":"SPDX-2.3"}');
    expect((await readdir(out)).sort()).toEqual(["readme.md", "sbom.json"]);
  });

  it("a --config file replaces the empty config and no artifact type is invented", async () => {
    const target = createMemoryTarget();
    const chart = await file("mychart-0.1.0.tgz", "chart");
    const config = await file("config.json", '{"name":"mychart","version":"0.1.0"}');
    const pushed = await pushArtifact(target, {
      files: [{ path: chart, mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip" }],
      config: { path: config, mediaType: "application/vnd.cncf.helm.config.v1+json" },
    });
    expect(pushed.manifest.artifactType).toBeUndefined();
    expect(pushed.manifest.config).toEqual({
      mediaType: "application/vnd.cncf.helm.config.v1+json",
      digest: digestOf('{"name":"mychart","version":"0.1.0"}'),
      size: 36,
    });
    await expect(
      pullArtifact(target, pushed.descriptor.digest, join(work.path, "o"), { artifactType: "other/type" }),
    ).rejects.toThrow(NotFoundError);
  });

  it("refuses a missing file and duplicate titles before pushing", async () => {
    const target = createMemoryTarget();
    await expect(pushArtifact(target, { files: [{ path: join(work.path, "nope") }] })).rejects.toThrow(
      NotFoundError,
    );
    const a = await file("a", "1");
    await expect(pushArtifact(target, { files: [{ path: a }, { path: a }] })).rejects.toThrow(
      "two files are titled",
    );
    expect([...(await collect(target.tags()))]).toEqual([]);
  });
});

describe("pullArtifact path safety", () => {
  const longName = "n".repeat(300);
  it.each(
    [
      ["../x", "outside the directory"],
      ["a/../../x", "outside the directory"],
      ["/etc/x", "absolute"],
      ["C:/x", "absolute"],
      ["a\\..\\x", "backslash"],
      [longName, "longer than 255 bytes"],
      ["d/".repeat(2100), "longer than 4096 bytes"],
      ["", "empty"],
      ["a/./b", "'.'"],
    ].map(([title, why]) => ({ title: title as string, why: why as string })),
  )("refuses a title that is $why, writing nothing", async ({ title, why }) => {
    const target = createMemoryTarget();
    await pushTitled(target, ["good.txt", title]);
    const out = join(work.path, "out");
    const error = await pullArtifact(target, "hostile", out).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as Error).message).toContain(why);
    expect((error as Error).message).not.toContain("\n");
    expect(await readdir(work.path)).toEqual([]);
  });

  it("refuses to write through a symbolic link in the directory", async () => {
    const target = createMemoryTarget();
    await pushTitled(target, ["link/x"]);
    const out = join(work.path, "out");
    const outside = join(work.path, "outside");
    await mkdir(out);
    await mkdir(outside);
    await symlink(outside, join(out, "link"));
    await expect(pullArtifact(target, "hostile", out)).rejects.toThrow("symbolic link");
    expect(await readdir(outside)).toEqual([]);
  });

  it("refuses two layers with one title, or a title inside another", async () => {
    const target = createMemoryTarget();
    await pushTitled(target, ["a", "a/b"]);
    await expect(pullArtifact(target, "hostile", join(work.path, "out"))).rejects.toThrow(ManifestError);
    expect(await readdir(work.path)).toEqual([]);
  });

  it("a layer whose bytes do not match leaves the directory as it was", async () => {
    const target = createMemoryTarget();
    await pushTitled(target, ["one.txt", "two.txt"]);
    const resolved = await target.resolve("hostile");
    const manifest = JSON.parse(new TextDecoder().decode(await readAll(await target.fetch(resolved))));
    // A second artifact whose second layer claims a size the blob does not have.
    manifest.layers[1].size = 99;
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    const descriptor = { mediaType: MediaType.OciManifest, digest: digestOf(bytes), size: bytes.length };
    await target.push(descriptor, bytes);
    const out = join(work.path, "out");
    await expect(pullArtifact(target, descriptor.digest, out)).rejects.toThrow();
    expect(await readdir(out)).toEqual([]);
    await expect(lstat(join(out, "one.txt"))).rejects.toThrow();
  });
});

describe("attach and referrersTree", () => {
  it("shows a signature on an SBOM on an image as a tree, to the depth asked", async () => {
    const target = createMemoryTarget({ repository: "team/app" });
    const image = await pushArtifact(target, {
      files: [{ path: await file("app.bin", "app") }],
      tags: ["v1"],
    });
    const sbom = await attach(target, image.descriptor, {
      artifactType: "application/spdx+json",
      files: [{ path: await file("sbom.json", "{}"), mediaType: "application/spdx+json" }],
    });
    const signature = await attach(target, sbom.descriptor, {
      artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
      files: [],
      annotations: { "dev.cosignproject.cosign/signature": "MEUC…" },
    });
    const tree = await referrersTree(target, image.descriptor);
    expect(tree.descriptor.digest).toBe(image.descriptor.digest);
    expect(tree.referrers.map((node) => node.descriptor.digest)).toEqual([sbom.descriptor.digest]);
    expect(
      tree.referrers[0]?.referrers.map((node) => [node.descriptor.digest, node.descriptor.artifactType]),
    ).toEqual([[signature.descriptor.digest, "application/vnd.dev.cosign.artifact.sig.v1+json"]]);
    const shallow = await referrersTree(target, image.descriptor, { depth: 1 });
    expect(shallow.referrers[0]?.referrers).toEqual([]);
    await expect(referrersTree(target, image.descriptor, { depth: 0 })).rejects.toThrow(UsageError);
    await expect(attach(target, image.descriptor, { artifactType: "", files: [] })).rejects.toThrow(
      UsageError,
    );
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
