import { createMemoryTarget } from "@stevedore/blob";
import type { Descriptor } from "@stevedore/core";
import { AbortError, MediaType, StevedoreError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
import { blob, image, index, store } from "./test-support/images.js";
import { type Call, instrument } from "./test-support/instrument.js";
import { useUnhandledRejections } from "./test-support/unhandled.js";
import type { TransferProgressEvent } from "./transfer-progress-event.js";

const unhandled = useUnhandledRejections();

/** Lets every callback queued so far run, so a late push or a late rejection would show. */
async function drainCallbacks(): Promise<void> {
  for (let round = 0; round < 5; round += 1) await new Promise((resolve) => setImmediate(resolve));
}

function layers(name: string, count: number) {
  return Array.from({ length: count }, (_, position) => blob(`${name} ${position}`));
}

describe("copy: shared blobs and bounded concurrency", () => {
  it("transfers a layer shared by two platforms once; both manifests wait for it", async () => {
    const shared = blob("shared base");
    const amd64 = image("amd64", {
      platform: { os: "linux", architecture: "amd64" },
      layers: [shared, blob("amd64 top")],
    });
    const arm64 = image("arm64", {
      platform: { os: "linux", architecture: "arm64" },
      layers: [shared, blob("arm64 top")],
    });
    const multi = index([amd64, arm64]);
    const source = instrument(createMemoryTarget());
    await store(source, [multi], "v1");
    source.calls.length = 0;
    const destination = instrument(createMemoryTarget(), { yieldFirst: true });
    const events: TransferProgressEvent[] = [];

    const result = await copy(source, "v1", destination, "v1", {
      platforms: "all",
      onProgress: (event) => events.push(event),
    });

    const sharedDigest = shared.descriptor.digest;
    expect(destination.pushed().filter((digest) => digest === sharedDigest)).toHaveLength(1);
    expect(
      source.calls.filter((call) => call.method === "fetch" && call.digest === sharedDigest),
    ).toHaveLength(1);
    expect(
      events.filter((event) => event.type === "blob-done" && event.descriptor.digest === sharedDigest),
    ).toHaveLength(1);
    // 2 configs, 2 own layers, 1 shared layer, each counted once.
    expect(result.blobs).toEqual({ transferred: 5, skipped: 0, mounted: 0 });
    for (const manifest of [amd64, arm64]) {
      const pushedAt = destination.pushed().indexOf(manifest.descriptor.digest);
      expect(destination.pushed().indexOf(sharedDigest)).toBeLessThan(pushedAt);
    }
  });

  it.each([1, 3, 8])(
    "never has more than %i target calls in flight, and uses that many",
    async (concurrency) => {
      const images = ["amd64", "arm64", "riscv64"].map((architecture) =>
        image(architecture, { platform: { os: "linux", architecture }, layers: layers(architecture, 6) }),
      );
      const source = createMemoryTarget();
      await store(source, [index(images)], "v1");
      const destination = instrument(createMemoryTarget(), { yieldFirst: true });

      const result = await copy(source, "v1", destination, "v1", { platforms: "all", concurrency });

      expect(result.blobs.transferred).toBe(3 * 7);
      expect(destination.maxActive).toBe(concurrency);
    },
  );

  it("on abort, starts nothing new, cancels the calls in flight, and rejects with AbortError", async () => {
    const big = image("big", { layers: layers("big", 12) });
    const source = createMemoryTarget();
    await store(source, [big], "v1");
    const controller = new AbortController();
    const hung: Call[] = [];
    let afterAbort = 0;
    // Pushes hang until their signal aborts, as a slow upload would; the third one in flight aborts the copy.
    const destination = instrument(createMemoryTarget(), {
      before: (call, signal) => {
        if (call.method !== "push") return;
        if (controller.signal.aborted) afterAbort += 1;
        hung.push(call);
        if (hung.length === 3) controller.abort(new Error("user pressed ^C"));
        return new Promise<void>((_, reject) => {
          if (signal?.aborted) reject(new AbortError());
          signal?.addEventListener("abort", () => reject(new AbortError()), { once: true });
        });
      },
    });

    const failure = copy(source, "v1", destination, "v1", { concurrency: 3, signal: controller.signal });

    const error = await failure.catch((caught: unknown) => caught);
    expect(AbortError.isInstance(error)).toBe(true);
    expect((error as StevedoreError).cause).toEqual(new Error("user pressed ^C"));
    expect(destination.active).toBe(0); // every call it started had ended when it rejected
    await drainCallbacks();
    expect(hung).toHaveLength(3);
    expect(afterAbort).toBe(0);
    expect(destination.calls.filter((call) => call.method === "tag")).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it("a failing blob cancels its siblings and the copy rejects with that failure", async () => {
    const app = image("app", { layers: layers("app", 8) });
    const source = createMemoryTarget();
    await store(source, [app], "v1");
    const broken = (app.layers[0] as { descriptor: Descriptor }).descriptor.digest;
    let pushesAfterFailure = 0;
    let failed = false;
    const destination = instrument(createMemoryTarget(), {
      yieldFirst: true,
      before: (call) => {
        if (call.method !== "push") return;
        if (failed) pushesAfterFailure += 1;
        if (call.digest === broken) {
          failed = true;
          throw new StevedoreError("STEVEDORE_TEST", "registry said no");
        }
      },
    });

    await expect(copy(source, "v1", destination, "v1", { concurrency: 1 })).rejects.toThrow(
      "registry said no",
    );
    await drainCallbacks();
    expect(pushesAfterFailure).toBe(0);
    expect(unhandled).toEqual([]);
  });

  it("emits blob events in order for every blob even when transfers overlap", async () => {
    const app = image("app", { layers: layers("events", 6) });
    const source = createMemoryTarget();
    await store(source, [app], "v1");
    const events: TransferProgressEvent[] = [];
    await copy(source, "v1", instrument(createMemoryTarget(), { yieldFirst: true }), "v1", {
      concurrency: 4,
      onProgress: (event) => events.push(event),
    });
    for (const part of app.blobs) {
      const kinds = events
        .filter(
          (event) =>
            event.type.startsWith("blob-") &&
            "descriptor" in event &&
            event.descriptor.digest === part.descriptor.digest,
        )
        .map((event) => event.type);
      expect(kinds[0]).toBe("blob-start");
      expect(kinds.at(-1)).toBe("blob-done");
      expect(kinds.filter((kind) => kind !== "blob-progress")).toEqual(["blob-start", "blob-done"]);
    }
    expect(events.at(-1)?.type).toBe("copy-done");
    expect(MediaType.OciManifest).toBe(app.descriptor.mediaType);
  });
});
