/**
 * Copies between local locations (OCI layouts, OCI archives and docker archives, archives also named by a
 * bare path and recognised by content): no registry needed. Test images are
 * written with test-support (Node built-ins only); results are read back from disk or through
 * `@stevedore/layout`, which is not under test here.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProgressEvent } from "@stevedore/core";
import {
  AbortError,
  digestOf,
  LocalFormatError,
  MediaType,
  NotFoundError,
  parsePlatform,
  UsageError,
} from "@stevedore/core";
import { createOciLayout, openDockerArchive, openOciArchive } from "@stevedore/layout";
import {
  blobCount,
  createTestImage,
  readLayoutBlobs,
  type TestImage,
  writeTestLayout,
} from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Client } from "./client.js";
import { createClient } from "./create-client.js";

const amd64 = parsePlatform("linux/amd64");
const arm64 = parsePlatform("linux/arm64");

let directory: string;
let image: TestImage;
let source: string;
let client: Client;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "stevedore-client-"));
  image = createTestImage();
  source = join(directory, "source");
  await writeTestLayout(source, image, "v1");
  client = createClient({ credentials: false, env: {} });
});

afterEach(async () => {
  await client.close();
  await rm(directory, { recursive: true, force: true });
});

/** The test image in a layout whose index.json lists it without a name, as skopeo leaves one. */
async function untaggedLayout(): Promise<string> {
  const untagged = join(directory, "untagged");
  await writeTestLayout(untagged, image, "v1");
  const index = JSON.parse(await readFile(join(untagged, "index.json"), "utf8"));
  delete index.manifests[0].annotations;
  await writeFile(join(untagged, "index.json"), JSON.stringify(index));
  return untagged;
}

describe("copy between OCI layouts", () => {
  it("copies every platform byte for byte with platforms: all", async () => {
    const destination = join(directory, "copy");
    const [outcome] = await client.copy(`oci:${source}:v1`, `oci:${destination}`, { platforms: "all" });
    expect(outcome).toMatchObject({
      source: `oci:${source}:v1`,
      destination: `oci:${destination}:v1`,
      digest: image.index.digest,
      mediaType: "application/vnd.oci.image.index.v1+json",
      tag: "v1",
      filteredIndex: false,
      blobs: { transferred: blobCount(image), skipped: 0, mounted: 0 },
    });
    expect(outcome?.platforms).toEqual([amd64, { ...arm64, variant: "v8" }]);
    const copied = await readLayoutBlobs(destination);
    expect(copied).toEqual(
      new Map([...image.blobs].map(([digest, blob]) => [digest, new Uint8Array(blob.bytes)])),
    );
    expect((await createOciLayout(destination).resolve("v1")).digest).toBe(image.index.digest);
  });

  it("takes one platform's image manifest for one platform", async () => {
    const destination = join(directory, "arm");
    const [outcome] = await client.copy(`oci:${source}:v1`, `oci:${destination}:arm`, { platforms: [arm64] });
    const armChild = image.children[1]!;
    expect(outcome?.digest).toBe(armChild.manifest.digest);
    expect(outcome?.tag).toBe("arm");
    const copied = await readLayoutBlobs(destination);
    expect([...copied.keys()].sort()).toEqual(
      [armChild.manifest.digest, armChild.config.digest, ...armChild.layers.map((l) => l.digest)].sort(),
    );
  });

  it("uses the client's platforms when the call names none", async () => {
    const armClient = createClient({ credentials: false, env: {}, platforms: [arm64] });
    try {
      const [outcome] = await armClient.copy(`oci:${source}`, `oci:${join(directory, "default")}`);
      expect(outcome?.digest).toBe(image.children[1]!.manifest.digest);
    } finally {
      await armClient.close();
    }
  });

  it("reports progress for every blob and keeps going when the handler throws", async () => {
    const events: ProgressEvent[] = [];
    const [outcome] = await client.copy(`oci:${source}:v1`, `oci:${join(directory, "progress")}`, {
      platforms: [amd64, arm64],
      onProgress(event) {
        events.push(event);
        throw new Error("a broken progress bar");
      },
    });
    // Two of two platforms: the index keeps every image entry, so it is not filtered.
    expect(outcome?.filteredIndex).toBe(false);
    const done = events.filter((event) => event.type === "blob-done");
    expect(done).toHaveLength(outcome!.blobs.transferred);
    expect(events.at(-1)?.type).toBe("copy-done");
  });

  it("reports index-filtered when chosen platforms give the destination a new index", async () => {
    const three = createTestImage({
      platforms: [
        { os: "linux", architecture: "amd64" },
        { os: "linux", architecture: "arm64", variant: "v8" },
        { os: "linux", architecture: "arm", variant: "v7" },
      ],
    });
    const layout = join(directory, "three");
    await writeTestLayout(layout, three, "v1");
    const events: ProgressEvent[] = [];
    const [outcome] = await client.copy(`oci:${layout}:v1`, `oci:${join(directory, "two")}`, {
      platforms: [amd64, arm64],
      onProgress: (event) => events.push(event),
    });
    expect(outcome?.filteredIndex).toBe(true);
    const filtered = events.filter((event) => event.type === "index-filtered");
    expect(filtered).toHaveLength(1);
    expect(filtered[0]).toMatchObject({
      source: { digest: three.index.digest },
      descriptor: { digest: outcome?.digest },
    });
  });

  it("copies every tag with allTags, one outcome each", async () => {
    const second = createTestImage();
    const combined = join(directory, "combined");
    await writeTestLayout(combined, second, "v2");
    await client.copy(`oci:${source}:v1`, `oci:${combined}:v1`, { platforms: "all" });
    const outcomes = await client.copy(`oci:${combined}`, `oci:${join(directory, "all")}`, {
      allTags: true,
      platforms: "all",
    });
    expect(outcomes.map((outcome) => [outcome.tag, outcome.digest]).sort()).toEqual(
      [
        ["v1", image.index.digest],
        ["v2", second.index.digest],
      ].sort(),
    );
  });

  it("asks for a tag when a layout holds several images", async () => {
    const combined = join(directory, "two");
    await writeTestLayout(combined, createTestImage(), "a");
    await client.copy(`oci:${source}:v1`, `oci:${combined}:b`, { platforms: "all" });
    await expect(client.copy(`oci:${combined}`, `oci:${join(directory, "x")}`)).rejects.toThrow(
      /holds 2 images \(tags: a, b\)/,
    );
  });

  it("reads a layout's only untagged image by its index.json entry", async () => {
    const untagged = await untaggedLayout();
    const [outcome] = await client.copy(`oci:${untagged}`, `oci:${join(directory, "from-untagged")}`, {
      platforms: "all",
    });
    expect(outcome?.digest).toBe(image.index.digest);
    // No tag to carry over: the destination lists the image without a name.
    expect(outcome?.tag).toBeUndefined();
  });

  it("lists an image copied without a tag in index.json, once, in a layout and in an archive", async () => {
    const untagged = await untaggedLayout();
    const layout = join(directory, "layout");
    await client.copy(`oci:${untagged}`, `oci:${layout}`);
    await client.copy(`oci:${untagged}`, `oci:${layout}`);
    const entries = JSON.parse(await readFile(join(layout, "index.json"), "utf8")).manifests;
    expect(entries).toEqual([
      { mediaType: MediaType.OciIndex, digest: image.index.digest, size: image.index.bytes.length },
    ]);
    const archive = join(directory, "image.tar");
    await client.copy(`oci:${layout}`, `oci-archive:${archive}`);
    const [again] = await client.copy(`oci-archive:${archive}`, `oci:${join(directory, "back")}:v2`);
    expect(again?.digest).toBe(image.index.digest);
  });
});

describe("docker archives", () => {
  it("writes one platform, named, and reads it back", async () => {
    const archive = join(directory, "image.tar");
    const events: ProgressEvent[] = [];
    const [outcome] = await client.copy(`oci:${source}:v1`, `docker-archive:${archive}:team/app:v1`, {
      platforms: [amd64],
      onProgress: (event) => events.push(event),
    });
    const amdChild = image.children[0]!;
    expect(outcome).toMatchObject({
      digest: amdChild.manifest.digest,
      tag: "team/app:v1",
      destination: `docker-archive:${archive}:team/app:v1`,
      blobs: { transferred: 3, skipped: 0, mounted: 0 },
      bytes: amdChild.config.size + amdChild.layers.reduce((sum, layer) => sum + layer.size, 0),
      platforms: [amd64],
    });
    expect(events.filter((event) => event.type === "blob-done")).toHaveLength(3);
    const read = await openDockerArchive(archive);
    expect(read.images.map((entry) => entry.repoTags)).toEqual([["team/app:v1"]]);
    expect((await read.resolve("team/app:v1")).digest).toBe(amdChild.manifest.digest);

    // And back into a layout: the archive's name gives the tag.
    const back = join(directory, "back");
    const [again] = await client.copy(`docker-archive:${archive}`, `oci:${back}`);
    expect(again).toMatchObject({ digest: amdChild.manifest.digest, tag: "v1" });
  });

  it("refuses an index with several platforms", async () => {
    await expect(
      client.copy(`oci:${source}:v1`, `docker-archive:${join(directory, "all.tar")}`, { platforms: "all" }),
    ).rejects.toThrow(UsageError);
  });
});

describe("bad input", () => {
  it("gives typed errors", async () => {
    await expect(
      client.copy(`oci:${join(directory, "missing")}:v1`, `oci:${join(directory, "d")}`),
    ).rejects.toSatisfy((error) => NotFoundError.isInstance(error) || LocalFormatError.isInstance(error));
    await expect(client.copy(`oci:${source}:nope`, `oci:${join(directory, "d")}`)).rejects.toThrow(
      NotFoundError,
    );
    await expect(client.copy("ftp:x", `oci:${join(directory, "d")}`)).rejects.toThrow(UsageError);
    await expect(
      client.copy(`oci:${source}:v1`, `oci:${join(directory, "d")}`, { concurrency: 0 }),
    ).rejects.toThrow(UsageError);
    await expect(
      client.copy(`oci:${source}:v1`, `oci:${join(directory, "d")}`, { allTags: true }),
    ).rejects.toThrow(/without a tag/);
    await expect(client.pull(`oci:${source}:v1`, join(directory, "d"))).rejects.toThrow(UsageError);
    await expect(client.push(`oci:${source}:v1`, `oci:${join(directory, "d")}`)).rejects.toThrow(UsageError);
    await expect(client.pull("localhost:5000/app", join(directory, "d"), { allTags: true })).rejects.toThrow(
      /copy\(\) with allTags/,
    );
    await expect(
      client.copy(`oci:${source}:v1`, `oci:${join(directory, "d")}`, { platforms: [] }),
    ).rejects.toThrow(UsageError);
  });

  it("leaves no layout behind when the copy fails before its first write", async () => {
    const child = image.children.find((entry) => entry.platform.architecture === "arm64")!.manifest;
    await rm(join(source, "blobs", "sha256", child.digest.slice("sha256:".length)));
    const destination = join(directory, "never");
    await expect(
      client.copy(`oci:${source}:v1`, `oci:${destination}`, { platforms: [arm64] }),
    ).rejects.toThrow(NotFoundError);
    expect(await readdir(directory)).not.toContain("never");
  });

  it("stops with AbortError when the signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      client.copy(`oci:${source}:v1`, `oci:${join(directory, "aborted")}`, { signal: controller.signal }),
    ).rejects.toThrow(AbortError);
  });

  it("refuses every call once closed", async () => {
    await client.close();
    await expect(client.copy(`oci:${source}:v1`, `oci:${join(directory, "d")}`)).rejects.toThrow(/closed/);
    await expect(client.digest("localhost:5000/app:v1")).rejects.toThrow(/closed/);
  });
});

const encoder = new TextEncoder();

/** Pushes an SBOM-like artifact whose subject is `subject` into the layout at `path`. */
async function attachNote(path: string, subject: { mediaType: string; digest: string; size: number }) {
  const layout = createOciLayout(path);
  const empty = encoder.encode("{}");
  const note = encoder.encode('{"sbom":true}');
  const emptyDescriptor = { mediaType: MediaType.OciEmpty, digest: digestOf(empty), size: empty.length };
  const noteDescriptor = { mediaType: "application/spdx+json", digest: digestOf(note), size: note.length };
  await layout.push(emptyDescriptor, empty);
  await layout.push(noteDescriptor, note);
  const manifest = encoder.encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: "application/spdx+json",
      config: emptyDescriptor,
      layers: [noteDescriptor],
      subject,
    }),
  );
  const descriptor = { mediaType: MediaType.OciManifest, digest: digestOf(manifest), size: manifest.length };
  await layout.push(descriptor, manifest);
  return descriptor;
}

describe("oci-archive: locations", () => {
  it("writes an OCI archive from a layout and reads it back, digests and blobs unchanged", async () => {
    const archive = join(directory, "image.tar");
    const [written] = await client.copy(`oci:${source}:v1`, `oci-archive:${archive}:release`, {
      platforms: "all",
    });
    expect(written).toMatchObject({
      source: `oci:${source}:v1`,
      destination: `oci-archive:${archive}:release`,
      digest: image.index.digest,
      tag: "release",
    });
    const opened = await openOciArchive(archive);
    expect(opened.images.map((entry) => [entry.tag, entry.descriptor.digest])).toEqual([
      ["release", image.index.digest],
    ]);

    const back = join(directory, "back");
    const [read] = await client.copy(`oci-archive:${archive}`, `oci:${back}`, { platforms: "all" });
    expect(read).toMatchObject({
      source: `oci-archive:${archive}:release`,
      destination: `oci:${back}:release`,
      digest: image.index.digest,
      tag: "release",
    });
    expect(await readLayoutBlobs(back)).toEqual(
      new Map([...image.blobs].map(([digest, blob]) => [digest, new Uint8Array(blob.bytes)])),
    );
    expect(await readdir(directory)).toEqual(["back", "image.tar", "source"]);
  });

  it("carries referrers into the archive and lists them from it", async () => {
    const note = await attachNote(source, image.index);
    const archive = join(directory, "with-referrers.tar");
    await client.copy(`oci:${source}:v1`, `oci-archive:${archive}`, { platforms: "all", referrers: true });
    const listed = await client.referrers(`oci-archive:${archive}:v1`);
    expect(listed.map((entry) => [entry.digest, entry.artifactType])).toEqual([
      [note.digest, "application/spdx+json"],
    ]);
    const tree = await client.referrersTree(`oci-archive:${archive}`);
    expect(tree.descriptor.digest).toBe(image.index.digest);
    expect(tree.referrers.map((node) => node.descriptor.digest)).toEqual([note.digest]);
    // The referrers index is bookkeeping, not an image: the archive still holds one.
    expect((await openOciArchive(archive)).images).toHaveLength(1);
  });

  it("reads an archive named by a bare path or oci:FILE by its content, docker or OCI", async () => {
    const ociFile = join(directory, "oci.tar");
    const dockerFile = join(directory, "docker.tar");
    await client.copy(`oci:${source}:v1`, `oci-archive:${ociFile}`, { platforms: "all" });
    await client.copy(`oci:${source}:v1`, `docker-archive:${dockerFile}:app:v1`, { platforms: [amd64] });
    const [fromOci] = await client.copy(`oci:${ociFile}`, `oci:${join(directory, "a")}`, {
      platforms: "all",
    });
    expect(fromOci).toMatchObject({ source: `oci-archive:${ociFile}:v1`, digest: image.index.digest });
    const [fromDocker] = await client.copy(`oci:${dockerFile}`, `oci:${join(directory, "b")}`);
    expect(fromDocker).toMatchObject({ digest: image.children[0]?.manifest.digest, tag: "v1" });
    const neither = join(directory, "notes.txt");
    await writeFile(neither, "not an archive");
    await expect(client.copy(`oci:${neither}`, `oci:${join(directory, "c")}`)).rejects.toBeInstanceOf(
      LocalFormatError,
    );
  });

  it("asks for a tag when the archive holds several images, and copies them all with allTags", async () => {
    const second = join(directory, "second");
    await writeTestLayout(second, createTestImage(), "v2");
    const archive = join(directory, "two.tar");
    const outcomes = await client.copy(`oci:${source}`, `oci-archive:${archive}`, {
      allTags: true,
      platforms: "all",
    });
    expect(outcomes.map((outcome) => outcome.tag)).toEqual(["v1"]);
    await client.copy(`oci:${second}:v2`, `oci:${source}:v2`, { platforms: "all" });
    await client.copy(`oci:${source}`, `oci-archive:${archive}`, { allTags: true, platforms: "all" });
    await expect(client.copy(`oci-archive:${archive}`, `oci:${join(directory, "x")}`)).rejects.toThrow(
      /holds 2 images \((v1, v2|v2, v1)\): name one as oci-archive:.*:TAG or :@N/,
    );
    await expect(
      client.copy(`oci-archive:${archive}:v3`, `oci:${join(directory, "x")}`),
    ).rejects.toBeInstanceOf(NotFoundError);
    const [picked] = await client.copy(`oci-archive:${archive}:v2`, `oci:${join(directory, "y")}`, {
      platforms: "all",
    });
    expect(picked?.tag).toBe("v2");
  });

  it("leaves no archive and no temp file when the copy fails or is aborted", async () => {
    const archive = join(directory, "failed.tar");
    await expect(client.copy(`oci:${source}:nope`, `oci-archive:${archive}`)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const controller = new AbortController();
    const copying = client.copy(`oci:${source}:v1`, `oci-archive:${archive}`, {
      platforms: "all",
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === "blob-done") controller.abort();
      },
    });
    await expect(copying).rejects.toBeInstanceOf(AbortError);
    expect(await readdir(directory)).toEqual(["source"]);
  });

  it("refuses an edit written into an archive, naming what to do", async () => {
    await expect(
      client.mutate(`oci:${source}:v1`, `oci-archive:${join(directory, "e.tar")}`, { labels: { a: "b" } }),
    ).rejects.toThrow(UsageError);
  });
});
