import { createMemoryTarget, readAll } from "@stevedore/blob";
import type { Descriptor } from "@stevedore/core";
import {
  AbortError,
  InvalidReferenceError,
  MediaType,
  NotFoundError,
  parseManifest,
  UsageError,
} from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
import { blob, image, store, type TestImage } from "./test-support/images.js";
import { instrument } from "./test-support/instrument.js";
import type { TransferProgressEvent } from "./transfer-progress-event.js";

async function bytesOf(
  target: ReturnType<typeof createMemoryTarget>,
  descriptor: Descriptor,
): Promise<Uint8Array> {
  return readAll(await target.fetch(descriptor));
}

async function sourceWith(content: TestImage, tag = "v1"): Promise<ReturnType<typeof createMemoryTarget>> {
  const source = createMemoryTarget({ repository: "team/source" });
  await store(source, [content], tag);
  return source;
}

describe("copy: a single image", () => {
  it("copies config, layers and the manifest byte-exact, children before the manifest, the tag last", async () => {
    const app = image("app");
    const source = await sourceWith(app);
    const destination = instrument(createMemoryTarget({ repository: "team/destination" }));

    const result = await copy(source, "v1", destination, "latest");

    expect(result.digest).toBe(app.descriptor.digest);
    expect(result.descriptor).toMatchObject({ mediaType: MediaType.OciManifest, size: app.bytes.length });
    expect(result.tag).toBe("latest");
    expect(result.blobs).toEqual({ transferred: 3, skipped: 0, mounted: 0 });
    expect(result.bytes).toBe(app.blobs.reduce((total, part) => total + part.bytes.length, 0));
    expect(result.manifests).toBe(1);
    expect(result.filteredIndex).toBe(false);
    expect(Buffer.compare(await bytesOf(destination, app.descriptor), app.bytes)).toBe(0);
    for (const part of app.blobs) {
      expect(Buffer.compare(await bytesOf(destination, part.descriptor), part.bytes)).toBe(0);
    }
    expect((await destination.resolve("latest")).digest).toBe(app.descriptor.digest);

    const writes = destination.calls.filter((call) => call.method === "push" || call.method === "tag");
    expect(writes.at(-1)).toEqual({ method: "tag", digest: app.descriptor.digest, tag: "latest" });
    const manifestPush = writes.findIndex((call) => call.digest === app.descriptor.digest);
    for (const part of app.blobs) {
      expect(writes.findIndex((call) => call.digest === part.descriptor.digest)).toBeLessThan(manifestPush);
    }
  });

  it("skips blobs the destination has and pushes nothing when it has everything", async () => {
    const app = image("app");
    const source = await sourceWith(app);
    const destination = instrument(createMemoryTarget({ repository: "team/destination" }));
    const [config, base] = app.blobs as [TestImage["config"], TestImage["config"]];
    await destination.push(config.descriptor, config.bytes);
    await destination.push(base.descriptor, base.bytes);
    destination.calls.length = 0;

    const first = await copy(source, "v1", destination, "v1");
    expect(first.blobs).toEqual({ transferred: 1, skipped: 2, mounted: 0 });
    expect(destination.pushed()).toEqual([app.layers[1]?.descriptor.digest, app.descriptor.digest]);

    // The tag moved elsewhere meanwhile: a second copy pushes nothing but sets the tag again.
    const other = image("other");
    await store(destination, [other], "v1");
    destination.calls.length = 0;
    const second = await copy(source, "v1", destination, "v1");
    expect(destination.pushed()).toEqual([]);
    expect(second).toMatchObject({ manifests: 0, skippedManifests: 1, bytes: 0 });
    expect((await destination.resolve("v1")).digest).toBe(app.descriptor.digest);
  });

  it("copies by digest, and a digest destination reference sets no tag", async () => {
    const app = image("app");
    const source = await sourceWith(app);
    const destination = createMemoryTarget({ repository: "team/destination" });

    const result = await copy(source, app.descriptor.digest, destination, app.descriptor.digest);

    expect(result.tag).toBeUndefined();
    expect(await destination.exists(app.descriptor)).toBe(true);
    const tags: string[] = [];
    for await (const tag of destination.tags()) tags.push(tag);
    expect(tags).toEqual([]);
  });

  it("refuses a destination digest the copy would not produce, before pushing anything", async () => {
    const app = image("app");
    const source = await sourceWith(app);
    const destination = instrument(createMemoryTarget({ repository: "team/destination" }));

    await expect(copy(source, "v1", destination, app.config.descriptor.digest)).rejects.toThrow(UsageError);
    expect(destination.pushed()).toEqual([]);
  });

  it("copies Docker schema 2 images and artifacts with unknown media types unchanged", async () => {
    const docker = image("docker", { docker: true });
    const artifact = image("chart", {
      artifactType: "application/vnd.cncf.helm.chart.v1",
      config: blob("chart config", "application/vnd.cncf.helm.config.v1+json", 40),
      layers: [blob("chart", "application/vnd.cncf.helm.chart.content.v1.tar+gzip")],
    });
    for (const content of [docker, artifact]) {
      const source = await sourceWith(content);
      const destination = createMemoryTarget();
      const result = await copy(source, "v1", destination, "v1");
      expect(result.digest).toBe(content.descriptor.digest);
      expect(Buffer.compare(await bytesOf(destination, content.descriptor), content.bytes)).toBe(0);
      expect(parseManifest(content.bytes, content.descriptor.mediaType).kind).toBe("image");
    }
  });

  it("reports each blob as start, progress, done, and ends with copy-done holding the totals", async () => {
    const app = image("app");
    const source = await sourceWith(app);
    const events: TransferProgressEvent[] = [];
    let clock = 100;

    const result = await copy(source, "v1", createMemoryTarget(), "v1", {
      onProgress: (event) => events.push(event),
      now: () => {
        clock += 5;
        return clock;
      },
    });

    for (const part of app.blobs) {
      const own = events.filter(
        (event) => "descriptor" in event && event.descriptor.digest === part.descriptor.digest,
      );
      expect(own[0]?.type).toBe("blob-start");
      expect(own.at(-1)).toMatchObject({
        type: "blob-done",
        outcome: "transferred",
        bytes: part.bytes.length,
      });
      expect(own.slice(1, -1).every((event) => event.type === "blob-progress")).toBe(true);
      expect(own.slice(1, -1).at(-1)).toMatchObject({ bytes: part.bytes.length, total: part.bytes.length });
    }
    const manifestEvents = events.filter((event) => event.type === "manifest-done");
    expect(manifestEvents).toEqual([
      { type: "manifest-done", descriptor: app.descriptor, outcome: "transferred" },
      { type: "manifest-done", descriptor: app.descriptor, outcome: "transferred", tag: "v1" },
    ]);
    expect(events.at(-1)).toEqual({
      type: "copy-done",
      descriptor: app.descriptor,
      blobs: result.blobs,
      bytes: result.bytes,
      milliseconds: result.milliseconds,
    });
    expect(result.milliseconds).toBeGreaterThan(0);
  });

  it("skips non-distributable layers by default and says so, and copies them when asked", async () => {
    const foreign = blob("windows base", MediaType.DockerLayerForeignGzip);
    const windows = image("windows", {
      docker: true,
      layers: [foreign, blob("app", MediaType.DockerLayerGzip)],
    });
    const source = await sourceWith(windows);
    const events: TransferProgressEvent[] = [];

    const destination = createMemoryTarget();
    const result = await copy(source, "v1", destination, "v1", { onProgress: (event) => events.push(event) });
    expect(result.blobs).toEqual({ transferred: 2, skipped: 1, mounted: 0 });
    expect(result.nondistributable).toEqual([foreign.descriptor]);
    expect(await destination.exists(foreign.descriptor)).toBe(false);
    expect(events).toContainEqual({
      type: "blob-done",
      descriptor: foreign.descriptor,
      bytes: 0,
      outcome: "skipped",
      reason: "nondistributable",
    });

    const full = createMemoryTarget();
    const included = await copy(source, "v1", full, "v1", { includeNondistributable: true });
    expect(included.blobs.transferred).toBe(3);
    expect(await full.exists(foreign.descriptor)).toBe(true);
  });

  it("fails with the source's NotFoundError, not an abort, when a blob is missing", async () => {
    const app = image("app");
    const source = createMemoryTarget();
    await source.push(app.config.descriptor, app.config.bytes);
    await source.push(app.descriptor, app.bytes); // layers missing
    await source.tag(app.descriptor, "v1");
    const destination = instrument(createMemoryTarget());

    const failure = copy(source, "v1", destination, "v1");
    await expect(failure).rejects.toThrow(NotFoundError);
    await expect(failure).rejects.not.toThrow(AbortError);
    expect(destination.calls.filter((call) => call.method === "tag")).toEqual([]);
    expect(await destination.exists(app.descriptor)).toBe(false);
  });

  it("rejects bad arguments with typed errors before touching either target", async () => {
    const source = await sourceWith(image("app"));
    const destination = instrument(createMemoryTarget());
    await expect(copy(source, "v1", destination, "not a tag!")).rejects.toThrow(InvalidReferenceError);
    await expect(copy(source, "", destination, "v1")).rejects.toThrow(InvalidReferenceError);
    await expect(copy(source, "v1", destination, "v1", { concurrency: 0 })).rejects.toThrow(UsageError);
    await expect(copy(source, "v1", destination, "v1", { platforms: [] })).rejects.toThrow(UsageError);
    await expect(copy({} as never, "v1", destination, "v1")).rejects.toThrow(UsageError);
    await expect(copy(source, "v1", {} as never, "v1")).rejects.toThrow(UsageError);
    expect(destination.calls).toEqual([]);
  });

  it("takes the concurrency range the client and the CLI take (core's concurrencyRange)", async () => {
    const source = await sourceWith(image("app"));
    const destination = instrument(createMemoryTarget());
    for (const options of [{ concurrency: 257 }, { largeConcurrency: 257 }]) {
      await expect(copy(source, "v1", destination, "v1", options)).rejects.toThrow(
        /oncurrency must be a whole number from 1 to 256, got 257/,
      );
    }
    expect(destination.calls).toEqual([]);
  });

  it("rejects with AbortError at once when the signal is already aborted", async () => {
    const source = instrument(await sourceWith(image("app")));
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(
      copy(source, "v1", createMemoryTarget(), "v1", { signal: controller.signal }),
    ).rejects.toThrow(AbortError);
    expect(source.calls).toEqual([]);
  });
});
