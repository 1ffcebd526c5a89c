import { execFileSync } from "node:child_process";
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createMemoryTarget, readAll } from "@stevedore/blob";
import type { Descriptor } from "@stevedore/core";
import {
  Annotation,
  buildArtifactManifest,
  DigestMismatchError,
  digestOf,
  ManifestError,
  MediaType,
} from "@stevedore/core";
import { encodeTarHeader, tarBlockSize, writeTar } from "@stevedore/tar";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pullArtifact } from "./pull-artifact.js";
import { pushArtifact } from "./push-artifact.js";

const work = useTemporaryDirectory("stevedore-artifact-dir-", beforeEach, afterEach);

interface RawEntry {
  name: string;
  type?: "0" | "1" | "2" | "5" | "6";
  linkName?: string;
  content?: string;
}

/** A tar written header by header, so it can hold what no honest writer would. */
function rawTar(entries: readonly RawEntry[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const entry of entries) {
    const content = new TextEncoder().encode(entry.content ?? "");
    blocks.push(
      encodeTarHeader({
        name: entry.name,
        mode: entry.type === "5" ? 0o755 : 0o644,
        size: content.length,
        mtime: 0,
        typeflag: entry.type ?? "0",
        ...(entry.linkName === undefined ? {} : { linkName: entry.linkName }),
      }),
    );
    if (content.length > 0) {
      const padded = new Uint8Array(Math.ceil(content.length / tarBlockSize) * tarBlockSize);
      padded.set(content);
      blocks.push(padded);
    }
  }
  blocks.push(new Uint8Array(tarBlockSize * 2));
  return Buffer.concat(blocks);
}

/** An artifact with one oras-style directory layer holding `tar` (gzipped). */
async function pushDirectoryLayer(
  target: ReturnType<typeof createMemoryTarget>,
  tar: Uint8Array,
  title = "dir",
  contentDigest: string = digestOf(tar),
): Promise<void> {
  const gzip = gzipSync(tar);
  const layer: Descriptor = { mediaType: MediaType.OciLayerGzip, digest: digestOf(gzip), size: gzip.length };
  await target.push(layer, gzip);
  await target.push(
    { mediaType: MediaType.OciEmpty, digest: digestOf("{}"), size: 2 },
    new TextEncoder().encode("{}"),
  );
  const built = buildArtifactManifest({
    layers: [
      {
        ...layer,
        annotations: {
          [Annotation.Title]: title,
          [Annotation.Unpack]: "true",
          [Annotation.ContentDigest]: contentDigest,
        },
      },
    ],
  });
  await target.push(built.descriptor, built.bytes);
  await target.tag(built.descriptor, "v1");
}

describe("directories as oras packs them", () => {
  it("pushes a directory as a deterministic tar+gzip with oras's annotations and unpacks it on pull", async () => {
    const source = join(work.path, "site");
    await mkdir(join(source, "css"), { recursive: true });
    await writeFile(join(source, "index.html"), "<h1>hi</h1>");
    await writeFile(join(source, "css", "a.css"), "h1{}");
    await symlink("index.html", join(source, "home.html"));
    const target = createMemoryTarget();
    const first = await pushArtifact(target, { files: [{ path: source }], tags: ["v1"] });
    const again = await pushArtifact(createMemoryTarget(), { files: [{ path: source }] });
    expect(again.descriptor.digest).toBe(first.descriptor.digest);
    const [layer] = first.manifest.layers;
    expect(layer?.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
    expect(layer?.annotations).toEqual({
      [Annotation.Title]: "site",
      [Annotation.Unpack]: "true",
      [Annotation.ContentDigest]: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    // The layer lists the directory under its title, as oras writes it.
    const listed = execFileSync("tar", ["-tz"], {
      input: Buffer.from(await readAll(await target.fetch(layer as Descriptor))),
    })
      .toString()
      .trim()
      .split("\n");
    expect(listed).toEqual(["site/", "site/css/", "site/css/a.css", "site/home.html", "site/index.html"]);

    const out = join(work.path, "out");
    const pulled = await pullArtifact(target, "v1", out);
    expect(pulled.files.map((file) => file.name)).toEqual(["site"]);
    expect(await readFile(join(out, "site", "index.html"), "utf8")).toBe("<h1>hi</h1>");
    expect(await readFile(join(out, "site", "css", "a.css"), "utf8")).toBe("h1{}");
    expect(await readlink(join(out, "site", "home.html"))).toBe("index.html");
    expect((await readdir(out)).sort()).toEqual(["site"]);
  });

  it("unpacks a directory packed by GNU tar, as another tool would have pushed it", async () => {
    const source = join(work.path, "made", "docs");
    await mkdir(source, { recursive: true });
    await writeFile(join(source, "readme.txt"), "read me");
    const tar = execFileSync("tar", ["-c", "-C", join(work.path, "made"), "docs"]);
    const target = createMemoryTarget();
    await pushDirectoryLayer(target, tar, "docs");
    const out = join(work.path, "out");
    await pullArtifact(target, "v1", out);
    expect(await readFile(join(out, "docs", "readme.txt"), "utf8")).toBe("read me");
  });

  it.each([
    {
      why: "would write outside the directory",
      entries: [
        { name: "dir/", type: "5" },
        { name: "../x", content: "x" },
      ],
    },
    { why: "would write outside the directory", entries: [{ name: "/etc/x", content: "x" }] },
    { why: "would write outside the directory", entries: [{ name: "dir/../../x", content: "x" }] },
    { why: "is not inside dir/", entries: [{ name: "other/x", content: "x" }] },
    {
      why: "outside dir/",
      entries: [
        { name: "dir/", type: "5" },
        { name: "dir/l", type: "2", linkName: "../../etc" },
      ],
    },
    {
      why: "outside dir/",
      entries: [
        { name: "dir/", type: "5" },
        { name: "dir/l", type: "2", linkName: "/etc/passwd" },
      ],
    },
    {
      why: "outside dir/",
      entries: [
        { name: "dir/", type: "5" },
        { name: "dir/h", type: "1", linkName: "../outside" },
      ],
    },
    {
      why: "hard link to no file",
      entries: [
        { name: "dir/", type: "5" },
        { name: "dir/h", type: "1", linkName: "dir/missing" },
      ],
    },
    {
      why: "through the symbolic link dir/l",
      entries: [
        { name: "dir/sub/", type: "5" },
        { name: "dir/l", type: "2", linkName: "sub" },
        { name: "dir/l/x", content: "x" },
      ],
    },
    {
      why: "fifo",
      entries: [
        { name: "dir/", type: "5" },
        { name: "dir/f", type: "6" },
      ],
    },
  ] as { why: string; entries: RawEntry[] }[])(
    "refuses a tar entry that $why, writing nothing",
    async ({ why, entries }) => {
      const target = createMemoryTarget();
      await pushDirectoryLayer(target, rawTar(entries));
      const parent = join(work.path, "pull");
      await mkdir(parent);
      const error = await pullArtifact(target, "v1", join(parent, "out")).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as Error).message).toContain(why);
      expect((error as Error).message).not.toContain("\n");
      expect(await readdir(join(parent, "out"))).toEqual([]);
      expect(await readdir(parent)).toEqual(["out"]);
    },
  );

  it("refuses a tar entry with a name component longer than 255 bytes", async () => {
    const long = `dir/${"n".repeat(300)}`;
    const chunks: Uint8Array[] = [];
    for await (const chunk of writeTar([
      { name: "dir", type: "directory", size: 0 },
      { name: long, size: 1, content: new Uint8Array([1]) },
    ]))
      chunks.push(chunk);
    const target = createMemoryTarget();
    await pushDirectoryLayer(target, Buffer.concat(chunks));
    const out = join(work.path, "out");
    await expect(pullArtifact(target, "v1", out)).rejects.toThrow("longer than 255 bytes");
    expect(await readdir(out)).toEqual([]);
  });

  it("refuses a directory whose tar does not match its content digest annotation", async () => {
    const target = createMemoryTarget();
    const tar = rawTar([
      { name: "dir/", type: "5" },
      { name: "dir/a", content: "a" },
    ]);
    await pushDirectoryLayer(target, tar, "dir", digestOf("other"));
    const out = join(work.path, "out");
    await expect(pullArtifact(target, "v1", out)).rejects.toThrow(DigestMismatchError);
    await expect(lstat(join(out, "dir"))).rejects.toThrow();
  });
});
