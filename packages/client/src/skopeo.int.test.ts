/**
 * Interop with skopeo 1.9 (TOOLCHAIN.md "Real services for tests") through the real distribution registry
 * (open mode): what stevedore pushes, skopeo reads back with the same digests and bytes, and what skopeo
 * pushes, stevedore pulls byte for byte. skopeo runs with `--all --preserve-digests`, so any re-encoding on
 * either side fails loudly; the test images have real gzip layers (@stevedore/testing's test image), which
 * skopeo keeps as they are.
 */

import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  closeAfter,
  freshTestLayout,
  manifestStatus,
  readLayoutBlobs,
  sha256,
  type TestImage,
  uniqueName,
  useTemporaryDirectory,
} from "@stevedore/testing";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Client } from "./client.js";
import { createClient } from "./create-client.js";

const open = inject("registryOpen");
const execFileAsync = promisify(execFile);

const directory = useTemporaryDirectory("stevedore-client-skopeo-", beforeAll, afterAll);

/** Runs skopeo with no credentials or policy of the user's, failing after 30 s rather than hanging. */
async function skopeo(...args: string[]): Promise<void> {
  await execFileAsync("skopeo", ["--insecure-policy", ...args], {
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: directory.path, TMPDIR: directory.path },
  });
}

/** The single `index.json` entry of a layout: its digest and tag. */
async function layoutEntry(path: string): Promise<{ digest: string; tag: string | undefined }[]> {
  const index = JSON.parse(await readFile(join(path, "index.json"), "utf8")) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  return index.manifests.map((entry) => ({
    digest: entry.digest,
    tag: entry.annotations?.["org.opencontainers.image.ref.name"],
  }));
}

/** Every blob of the image, by digest, as a map comparable with {@link readLayoutBlobs}. */
function blobsOf(image: TestImage): Map<string, Uint8Array> {
  return new Map([...image.blobs].map(([digest, blob]) => [digest, new Uint8Array(blob.bytes)]));
}

const track = closeAfter(afterEach);
function client(): Client {
  return track(createClient({ credentials: false, env: {} }));
}

describe("interop with skopeo", () => {
  it("skopeo reads what stevedore pushed: same index digest, every blob byte for byte", async () => {
    const { image, layout: source } = await freshTestLayout(directory.path, { layerSize: 64 * 1024 });
    const repository = uniqueName("interop", "skopeo");
    const reference = `${open.host}/${repository}:v1`;

    const pushed = await client().push(`oci:${source}:v1`, reference, { platforms: "all" });
    expect(pushed.digest).toBe(image.index.digest);

    const copied = join(directory.path, uniqueName("by-skopeo", "skopeo").replaceAll("/", "-"));
    await skopeo(
      "copy",
      "--all",
      "--preserve-digests",
      "--src-tls-verify=false",
      `docker://${reference}`,
      `oci:${copied}:v1`,
    );
    expect(await layoutEntry(copied)).toEqual([{ digest: image.index.digest, tag: "v1" }]);
    const blobs = await readLayoutBlobs(copied);
    for (const [digest, bytes] of blobs) expect(sha256(bytes)).toBe(digest);
    expect(blobs).toEqual(blobsOf(image));
  });

  it("stevedore pulls what skopeo pushed: same index digest, every blob byte for byte", async () => {
    const { image, layout: source } = await freshTestLayout(directory.path, { layerSize: 64 * 1024 });
    const repository = uniqueName("interop", "skopeo");
    const reference = `${open.host}/${repository}:v1`;

    await skopeo(
      "copy",
      "--all",
      "--preserve-digests",
      "--dest-tls-verify=false",
      `oci:${source}:v1`,
      `docker://${reference}`,
    );
    expect(await manifestStatus({ url: open.url, repository }, image.index.digest)).toBe(200);

    const pulled = join(directory.path, uniqueName("by-stevedore", "skopeo").replaceAll("/", "-"));
    const outcome = await client().pull(reference, `oci:${pulled}:v1`, { platforms: "all" });
    expect(outcome).toMatchObject({ digest: image.index.digest, tag: "v1", filteredIndex: false });
    expect(await layoutEntry(pulled)).toEqual([{ digest: image.index.digest, tag: "v1" }]);
    expect(await readLayoutBlobs(pulled)).toEqual(await readLayoutBlobs(source));
  });
});
