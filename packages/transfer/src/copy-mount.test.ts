import { createMemoryStore, createMemoryTarget, type MemoryTarget } from "@stevedore/blob";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
import { createBlobLocations } from "./create-blob-locations.js";
import { image, store } from "./test-support/images.js";
import { instrument } from "./test-support/instrument.js";
import type { TransferProgressEvent } from "./transfer-progress-event.js";

/**
 * One registry with image `app` tagged v1 in library/base (`source`) and an empty team/app (`inner`): a
 * copy between them can mount every blob.
 */
async function sameRegistry(): Promise<{
  app: ReturnType<typeof image>;
  source: MemoryTarget;
  inner: MemoryTarget;
}> {
  const registry = createMemoryStore({ registry: "registry.test" });
  const app = image("app");
  const source = createMemoryTarget({ store: registry, repository: "library/base" });
  await store(source, [app], "v1");
  return { app, source, inner: createMemoryTarget({ store: registry, repository: "team/app" }) };
}

describe("copy: mounts", () => {
  it("mounts every blob from the source repository when both are on the same registry", async () => {
    const { app, source, inner } = await sameRegistry();
    const destination = instrument(inner);
    const events: TransferProgressEvent[] = [];

    const result = await copy(source, "v1", destination, "v1", { onProgress: (event) => events.push(event) });

    expect(result.blobs).toEqual({ transferred: 0, skipped: 0, mounted: 3 });
    // A mount candidate exists for every blob: no blob is asked about first (only the manifest is).
    expect(destination.calls.filter((call) => call.method === "exists")).toEqual([
      { method: "exists", digest: app.descriptor.digest },
    ]);
    expect(result.bytes).toBe(0);
    expect(destination.pushed()).toEqual([app.descriptor.digest]);
    const mounts = destination.calls.filter((call) => call.method === "mount");
    expect(mounts.map((call) => call.digest).sort()).toEqual(
      app.blobs.map((part) => part.descriptor.digest).sort(),
    );
    for (const part of app.blobs) expect(await destination.exists(part.descriptor)).toBe(true);
    expect(
      events.filter((event) => event.type === "blob-done").every((event) => event.outcome === "mounted"),
    ).toBe(true);
    expect(events.some((event) => event.type === "blob-progress")).toBe(false);
  });

  it("counts a blob the destination already holds as mounted when a mount candidate exists", async () => {
    const { app, source, inner } = await sameRegistry();
    for (const part of app.blobs) await inner.push(part.descriptor, part.bytes);
    const destination = instrument(inner);

    const result = await copy(source, "v1", destination, "v1");

    // The registry answers a mount of a present blob as it answers any mount, so nothing is uploaded.
    expect(result.blobs).toEqual({ transferred: 0, skipped: 0, mounted: 3 });
    expect(destination.pushed()).toEqual([app.descriptor.digest]);
  });

  it("asks once whether a blob is present after every mount was declined, and skips it then", async () => {
    const { app, source, inner } = await sameRegistry();
    for (const part of app.blobs) await inner.push(part.descriptor, part.bytes);
    const destination = instrument({ ...inner, mount: async () => false });

    const result = await copy(source, "v1", destination, "v1");

    expect(result.blobs).toEqual({ transferred: 0, skipped: 3, mounted: 0 });
    expect(destination.pushed()).toEqual([app.descriptor.digest]);
    for (const part of app.blobs) {
      const digest = part.descriptor.digest;
      expect(destination.calls.filter((call) => call.digest === digest).map((call) => call.method)).toEqual([
        "mount",
        "exists",
      ]);
    }
  });

  it("uploads when the registry declines the mount", async () => {
    const { source, inner } = await sameRegistry();
    const destination = instrument({ ...inner, mount: async () => false });

    const result = await copy(source, "v1", destination, "v1");

    expect(result.blobs).toEqual({ transferred: 3, skipped: 0, mounted: 0 });
    expect(destination.calls.filter((call) => call.method === "mount")).toHaveLength(3);
    expect(destination.pushed()).toHaveLength(4);
  });

  it("uploads when a mount fails outright (no pull access to the other repository)", async () => {
    const { source, inner } = await sameRegistry();
    const destination = {
      ...inner,
      mount: async () => {
        throw new Error("denied");
      },
    };
    const result = await copy(source, "v1", destination, "v1");
    expect(result.blobs.transferred).toBe(3);
  });

  it("does not try to mount across registries", async () => {
    const app = image("app");
    const source = createMemoryTarget({ registry: "one.test", repository: "library/base" });
    await store(source, [app], "v1");
    const destination = instrument(createMemoryTarget({ registry: "two.test", repository: "team/app" }));
    await copy(source, "v1", destination, "v1");
    expect(destination.calls.filter((call) => call.method === "mount")).toEqual([]);
  });

  it("mounts from repositories remembered in shared locations, at most two tries per blob", async () => {
    const app = image("app");
    const other = createMemoryStore({ registry: "mirror.test" });
    // The destination registry already holds the layers in a third repository, which a first copy recorded.
    const holder = createMemoryTarget({ store: other, repository: "library/holder" });
    const elsewhere = createMemoryTarget({ registry: "origin.test", repository: "library/app" });
    await store(elsewhere, [app], "v1");
    const locations = createBlobLocations();
    await copy(elsewhere, "v1", holder, "v1", { locations });
    expect(locations.get(app.config.descriptor.digest)).toEqual([
      { registry: "mirror.test", repository: "library/holder" },
      { registry: "origin.test", repository: "library/app" },
    ]);
    // Two decoy repositories seen more recently: they do not hold the blobs, so the third try never happens.
    for (const part of app.blobs) {
      locations.add(part.descriptor.digest, { registry: "mirror.test", repository: "library/decoy-a" });
      locations.add(part.descriptor.digest, { registry: "mirror.test", repository: "library/decoy-b" });
    }
    const first = instrument(createMemoryTarget({ store: other, repository: "team/first" }));
    const declined = await copy(elsewhere, "v1", first, "v1", { locations });
    expect(declined.blobs.mounted).toBe(0);
    expect(first.calls.filter((call) => call.method === "mount")).toHaveLength(2 * app.blobs.length);

    // Now the repository that has them is among the two most recent.
    for (const part of app.blobs)
      locations.add(part.descriptor.digest, { registry: "mirror.test", repository: "library/holder" });
    const second = createMemoryTarget({ store: other, repository: "team/second" });
    const mounted = await copy(elsewhere, "v1", second, "v1", { locations });
    expect(mounted.blobs).toEqual({ transferred: 0, skipped: 0, mounted: 3 });
  });
});
