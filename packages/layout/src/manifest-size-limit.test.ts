/**
 * Local manifests are capped like remote ones (`maxManifestBytes`, 4 MiB by default): a layout's
 * `index.json` and manifests, and an archive's `index.json` and `manifest.json`, are refused by their size
 * before they are read, with the message a remote gives.
 */
import { truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { digestOf, ManifestError, MediaType } from "@stevedore/core";
import { type TarWriterEntry, writeTar } from "@stevedore/tar";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { failureOf } from "../../blob/src/test-support/failure-of.js";
import { openDockerArchive } from "./docker-archive/open-docker-archive.js";
import { createOciLayout } from "./oci-layout/create-oci-layout.js";

const limit = 4 * 1024 * 1024;
const encoder = new TextEncoder();
const directory = useTemporaryDirectory("stevedore-layout-limit-", beforeEach, afterEach);

/** A layout whose `index.json` is `size` bytes (sparse: a reader that reads it all reads zeros). */
async function layoutWithIndexOf(size: number): Promise<string> {
  const path = join(directory.path, "layout");
  const layout = createOciLayout(path, { create: true });
  // The first write makes the layout's files.
  await layout.push({ mediaType: MediaType.OciLayer, digest: digestOf("x"), size: 1 }, encoder.encode("x"));
  await truncate(join(path, "index.json"), size);
  return path;
}

/** A byte stream that fails the test if anyone reads it. */
const unread = (): AsyncIterable<Uint8Array> => ({
  [Symbol.asyncIterator]() {
    throw new Error("the oversized manifest was read");
  },
});

describe("maxManifestBytes for local manifests", () => {
  it("refuses a 60 MiB index.json of a layout before reading it, as a remote refuses a manifest", async () => {
    const path = await layoutWithIndexOf(60 * 1024 * 1024);
    const error = await failureOf(createOciLayout(path).resolve("v1"));
    expect(ManifestError.isInstance(error)).toBe(true);
    expect(error.message).toBe(`${join(path, "index.json")} is more than the limit of ${limit} bytes`);
    await expect(createOciLayout(path).tags()[Symbol.asyncIterator]().next()).rejects.toThrow(
      /is more than the limit of 4194304 bytes/,
    );
  });

  it("takes the limit from maxManifestBytes", async () => {
    const path = await layoutWithIndexOf(5000);
    await expect(createOciLayout(path, { maxManifestBytes: 4096 }).resolve("v1")).rejects.toThrow(
      `${join(path, "index.json")} is more than the limit of 4096 bytes`,
    );
    // Within the limit the same file is read (and found to be zeros, not JSON).
    await expect(createOciLayout(path, { maxManifestBytes: 8192 }).resolve("v1")).rejects.toThrow(
      /not valid JSON/,
    );
    expect(() => createOciLayout(path, { maxManifestBytes: 0 })).toThrow(/maxManifestBytes/);
  });

  it("refuses to push or fetch a manifest larger than the limit without reading it", async () => {
    const layout = createOciLayout(join(directory.path, "layout"), { create: true });
    const huge = { mediaType: MediaType.OciManifest, digest: `sha256:${"a".repeat(64)}`, size: limit + 1 };
    const pushed = await failureOf(layout.push(huge, () => unread()));
    expect(ManifestError.isInstance(pushed)).toBe(true);
    expect(pushed.message).toBe(
      `manifest ${huge.digest} in ${join(directory.path, "layout")} is more than the limit of ${limit} bytes`,
    );
    await expect(layout.fetch(huge)).rejects.toThrow(pushed.message);
    // A layer of that size is no manifest: not refused for its size.
    const layer = { ...huge, mediaType: MediaType.OciLayer };
    await expect(layout.fetch(layer)).rejects.toThrow(/not found/);
  });

  it.each(["manifest.json", "index.json"])(
    "refuses an archive's %s larger than the limit by its size in the tar header",
    async (name) => {
      const document = new Uint8Array(limit + 10).fill(0x20);
      document[0] = name === "manifest.json" ? 0x5b : 0x7b; // "[" or "{": it would parse were it read
      document[document.length - 1] = name === "manifest.json" ? 0x5d : 0x7d;
      const entries: TarWriterEntry[] = [{ name, size: document.length, content: document }];
      const chunks: Uint8Array[] = [];
      for await (const chunk of writeTar(entries)) chunks.push(chunk);
      const archive = join(directory.path, "image.tar");
      await writeFile(archive, Buffer.concat(chunks));
      const error = await failureOf(openDockerArchive(archive));
      expect(ManifestError.isInstance(error)).toBe(true);
      expect(error.message).toBe(`${archive}: ${name} is more than the limit of ${limit} bytes`);
      const larger = await openDockerArchive(archive, { maxManifestBytes: limit + 100 }).then(
        () => "opened",
        (caught: Error) => caught.message,
      );
      expect(larger).not.toMatch(/more than the limit/);
    },
  );
});
