import { createMemoryTarget, readAll } from "@stevedore/blob";
import type { ImageIndex, Platform } from "@stevedore/core";
import { hostPlatform, MediaType, NotFoundError, parseManifest } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
import { document, image, index, store, type TestImage } from "./test-support/images.js";
import { instrument } from "./test-support/instrument.js";
import type { TransferProgressEvent } from "./transfer-progress-event.js";

// Three platforms, the host's among them, so the default choice is known on any machine.
const host = hostPlatform();
const others: Platform[] = ["amd64", "arm64", "s390x", "ppc64le"]
  .filter((architecture) => architecture !== host.architecture)
  .slice(0, 2)
  .map((architecture) => ({ os: "linux", architecture }));
const platforms: Platform[] = [host, ...others];

async function setup() {
  const images = platforms.map((platform, position) => image(`app ${position}`, { platform }));
  const multi = index(images, {
    attestations: true,
    fields: { annotations: { "org.example.kept": "yes" }, "x-unknown": [1] },
  });
  const source = createMemoryTarget({ repository: "team/source" });
  await store(source, [multi], "v1");
  const destination = instrument(createMemoryTarget({ repository: "team/destination" }));
  return { images, multi, source, destination };
}

async function has(target: ReturnType<typeof createMemoryTarget>, content: TestImage): Promise<boolean[]> {
  return Promise.all([content, ...content.blobs].map((part) => target.exists(part.descriptor)));
}

describe("copy: platforms of an index", () => {
  it("copies the whole index byte-exact by default, so the destination's digest is the source's", async () => {
    const { images, multi, source, destination } = await setup();

    const result = await copy(source, "v1", destination, "v1");

    expect(result.digest).toBe(multi.descriptor.digest);
    expect(result.filteredIndex).toBe(false);
    expect(result.platforms).toEqual(platforms);
    expect((await destination.resolve("v1")).digest).toBe(multi.descriptor.digest);
    expect(Buffer.compare(await readAll(await destination.fetch(multi.descriptor)), multi.bytes)).toBe(0);
    for (const entry of [...images, ...multi.attestations]) {
      expect(await has(destination, entry)).toEqual(entry.blobs.map(() => true).concat(true));
    }
  });

  it("copies only the named platform's image and points the tag at it", async () => {
    const { images, multi, source, destination } = await setup();
    const [, chosen, ...rest] = images as [TestImage, TestImage, ...TestImage[]];

    const result = await copy(source, "v1", destination, "v1", { platforms: [platforms[1] as Platform] });

    expect(result.digest).toBe(chosen.descriptor.digest);
    expect(result.source.digest).toBe(multi.descriptor.digest);
    expect(result.platforms).toEqual([platforms[1]]);
    expect(result.filteredIndex).toBe(false);
    expect((await destination.resolve("v1")).digest).toBe(chosen.descriptor.digest);
    expect(await has(destination, chosen)).toEqual([true, true, true, true]);
    expect(await destination.exists(multi.descriptor)).toBe(false);
    for (const other of [images[0] as TestImage, ...rest, ...multi.attestations])
      expect(await destination.exists(other.descriptor)).toBe(false);
  });

  it('copies every entry and keeps the index byte-exact with "all"', async () => {
    const { images, multi, source, destination } = await setup();

    const result = await copy(source, "v1", destination, "v1", { platforms: "all" });

    expect(result.digest).toBe(multi.descriptor.digest);
    expect(result.platforms).toEqual(platforms);
    expect(result.manifests).toBe(1 + images.length + multi.attestations.length);
    expect(Buffer.compare(await readAll(await destination.fetch(multi.descriptor)), multi.bytes)).toBe(0);
    for (const entry of [...images, ...multi.attestations]) {
      expect(await has(destination, entry)).toEqual(entry.blobs.map(() => true).concat(true));
    }
    // Index last, after every child.
    const pushed = destination.pushed();
    expect(pushed.at(-1)).toBe(multi.descriptor.digest);
  });

  it("makes a new index of the chosen platforms and their attestations, and says so", async () => {
    const { images, multi, source, destination } = await setup();
    const events: TransferProgressEvent[] = [];
    const chosen = [platforms[2], platforms[0]] as Platform[];

    const result = await copy(source, "v1", destination, "v1", {
      platforms: chosen,
      onProgress: (event) => events.push(event),
    });

    expect(result.filteredIndex).toBe(true);
    expect(result.digest).not.toBe(multi.descriptor.digest);
    expect(result.platforms).toEqual(chosen);
    const stored = parseManifest(
      await readAll(await destination.fetch(result.descriptor)),
      MediaType.OciIndex,
    );
    const kept = stored.manifest as ImageIndex;
    // Source order is kept: image 0, its attestation, image 2, its attestation.
    const [first, , third] = images as [TestImage, TestImage, TestImage];
    const [firstAttestation, , thirdAttestation] = multi.attestations as [TestImage, TestImage, TestImage];
    expect(kept.manifests.map((entry) => entry.digest)).toEqual([
      first.descriptor.digest,
      firstAttestation.descriptor.digest,
      third.descriptor.digest,
      thirdAttestation.descriptor.digest,
    ]);
    const document = JSON.parse(new TextDecoder().decode(stored.bytes)) as Record<string, unknown>;
    expect(document["x-unknown"]).toEqual([1]);
    expect(kept.annotations).toEqual({ "org.example.kept": "yes" });
    expect(await destination.exists((images[1] as TestImage).descriptor)).toBe(false);
    expect((await destination.resolve("v1")).digest).toBe(result.digest);
    expect(events).toContainEqual({
      type: "index-filtered",
      source: result.source,
      descriptor: result.descriptor,
      platforms: chosen,
    });
  });

  it("keeps the source index byte-exact when the chosen platforms cover every entry", async () => {
    const { multi, source, destination } = await setup();
    const result = await copy(source, "v1", destination, "v1", { platforms });
    expect(result.filteredIndex).toBe(false);
    expect(result.digest).toBe(multi.descriptor.digest);
  });

  it("fails with NotFoundError listing what the index has when no entry matches, pushing nothing", async () => {
    const { source, destination } = await setup();
    const failure = copy(source, "v1", destination, "v1", {
      platforms: [{ os: "plan9", architecture: "mips" }],
    });
    await expect(failure).rejects.toThrow(NotFoundError);
    await expect(failure).rejects.toThrow(
      platforms.map((platform) => `${platform.os}/${platform.architecture}`).join(", "),
    );
    expect(destination.pushed()).toEqual([]);
  });

  it("copies a single image manifest whose config is for a named platform", async () => {
    const source = createMemoryTarget();
    const arm = image("arm", { platform: { os: "linux", architecture: "arm64" } });
    await store(source, [arm], "v1");
    const result = await copy(source, "v1", createMemoryTarget(), "v1", {
      platforms: [{ os: "linux", architecture: "arm64", variant: "v8" }],
    });
    expect(result.digest).toBe(arm.descriptor.digest);
    expect(result.platforms).toEqual([]);
  });

  it("checks the platform of a single image whose config is large but within core's limit", async () => {
    const source = createMemoryTarget();
    // A 20 MiB config: copy refused any over 16 MiB while `config` and `inspect` read up to 64 MiB.
    const padding = "x".repeat(20 * 1024 * 1024);
    const platform = { os: "linux", architecture: "arm64" };
    const config = document(
      { ...platform, padding, rootfs: { type: "layers", diff_ids: [] } },
      MediaType.OciConfig,
    );
    const large = image("large", { platform, config, layers: [] });
    await store(source, [large], "v1");
    const result = await copy(source, "v1", createMemoryTarget(), "v1", { platforms: [platform] });
    expect(result.digest).toBe(large.descriptor.digest);
  });

  it("refuses a single image for another platform than the named one, pushing nothing", async () => {
    const source = createMemoryTarget();
    const arm = image("arm", { platform: { os: "linux", architecture: "arm64" } });
    await store(source, [arm], "v1");
    const destination = instrument(createMemoryTarget());
    const failure = copy(source, "v1", destination, "v1", {
      platforms: [{ os: "windows", architecture: "amd64" }],
    });
    await expect(failure).rejects.toThrow(NotFoundError);
    await expect(failure).rejects.toThrow(
      `${arm.descriptor.digest} is a single-platform image for linux/arm64, not windows/amd64`,
    );
    expect(destination.pushed()).toEqual([]);
  });

  it("copies an artifact (no image config, so no platform) whatever the platforms", async () => {
    const source = createMemoryTarget();
    const chart = image("chart", {
      config: document({ name: "chart" }, "application/vnd.cncf.helm.config.v1+json"),
    });
    await store(source, [chart], "v1");
    const result = await copy(source, "v1", createMemoryTarget(), "v1", {
      platforms: [{ os: "linux", architecture: "s390x" }],
    });
    expect(result.digest).toBe(chart.descriptor.digest);
  });
});
