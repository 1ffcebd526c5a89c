import { createMemoryTarget } from "@stevedore/blob";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
import { blob, image, index, store } from "./test-support/images.js";
import { type Call, instrument } from "./test-support/instrument.js";
import { useUnhandledRejections } from "./test-support/unhandled.js";

// Round trips that wait for one another cost the latency of the network each (docs/decisions/0015-latency-pipelining.md):
// these tests check that a copy to a registry sends what it can side by side.

const unhandled = useUnhandledRejections();

/** Resolves once `seen()` holds, or after a bounded number of turns of the event loop (then false). */
async function until(seen: () => boolean): Promise<boolean> {
  for (let turn = 0; turn < 2_000; turn += 1) {
    if (seen()) return true;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return seen();
}

const fetched = (calls: Call[], digest: string | undefined): boolean =>
  calls.some((call) => call.method === "fetch" && call.digest === digest);

async function twoPlatforms() {
  const amd64 = image("amd64", {
    platform: { os: "linux", architecture: "amd64" },
    layers: [blob("base"), blob("amd64 top")],
  });
  const arm64 = image("arm64", {
    platform: { os: "linux", architecture: "arm64" },
    layers: [blob("base"), blob("arm64 top")],
  });
  const multi = index([amd64, arm64]);
  const source = instrument(createMemoryTarget());
  await store(source, [multi], "v1");
  source.calls.length = 0;
  return { multi, source };
}

describe("copy to a registry: requests side by side", () => {
  it("reads a blob from the source before the destination's upload of it goes on", async () => {
    const { multi, source } = await twoPlatforms();
    const blobs = [
      ...new Set(multi.images.flatMap((entry) => entry.blobs.map((part) => part.descriptor.digest))),
    ];
    const sourceReadAtPush = new Map<string, boolean>();
    const destination = instrument(createMemoryTarget({ registry: "b.test", repository: "team/app" }), {
      before: (call) => {
        if (call.method === "push" && call.digest !== undefined && blobs.includes(call.digest)) {
          sourceReadAtPush.set(call.digest, fetched(source.calls, call.digest));
        }
      },
    });

    await copy(source, "v1", destination, "v1", { platforms: "all" });

    expect(Object.fromEntries(sourceReadAtPush)).toEqual(
      Object.fromEntries(blobs.map((digest) => [digest, true])),
    );
    for (const digest of blobs) {
      expect(source.calls.filter((call) => call.method === "fetch" && call.digest === digest)).toHaveLength(
        1,
      );
    }
  });

  it("fetches a child manifest from the source while the destination's HEAD of it is pending", async () => {
    const { multi, source } = await twoPlatforms();
    const children = multi.images.map((entry) => entry.descriptor.digest);
    const fetchedDuringHead = new Map<string, boolean>();
    const destination = instrument(createMemoryTarget({ registry: "b.test", repository: "team/app" }), {
      before: async (call) => {
        if (call.method !== "exists" || call.digest === undefined || !children.includes(call.digest)) return;
        // The HEAD is held until the source's GET of the same manifest has gone out (bounded).
        fetchedDuringHead.set(call.digest, await until(() => fetched(source.calls, call.digest)));
      },
    });

    await copy(source, "v1", destination, "v1", { platforms: "all" });

    expect(Object.fromEntries(fetchedDuringHead)).toEqual(
      Object.fromEntries(children.map((digest) => [digest, true])),
    );
    expect(unhandled).toEqual([]);
  });

  it("reports the destination's refusal of an upload; the blob read early is let go", async () => {
    const { multi, source } = await twoPlatforms();
    const layer = multi.images[0]?.blobs.at(-1)?.descriptor.digest;
    const refusal = new Error("the registry refused the upload");
    const destination = instrument(createMemoryTarget({ registry: "b.test", repository: "team/app" }), {
      before: (call) => {
        if (call.method === "push" && call.digest === layer) throw refusal;
      },
    });

    await expect(copy(source, "v1", destination, "v1", { platforms: "all" })).rejects.toThrow(
      "the registry refused the upload",
    );
    for (let turn = 0; turn < 10; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });

  it("a copy whose tag already names the root asks the destination once and sends nothing else", async () => {
    const { multi, source } = await twoPlatforms();
    const destination = instrument(createMemoryTarget({ registry: "b.test", repository: "team/app" }));
    await copy(source, "v1", destination, "v1", { platforms: "all" });
    destination.calls.length = 0;
    const events: string[] = [];

    const again = await copy(source, "v1", destination, "v1", {
      platforms: "all",
      onProgress: (event) => events.push(event.type),
    });

    expect(destination.calls).toEqual([{ method: "resolve", tag: "v1" }]);
    expect(again.digest).toBe(multi.descriptor.digest);
    expect(again.manifests).toBe(0);
    expect(events.filter((type) => type === "manifest-done")).toHaveLength(2);
  });
});
