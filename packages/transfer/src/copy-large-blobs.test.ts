import { createMemoryTarget } from "@stevedore/blob";
import type { Descriptor, PushOptions, ReplayableSource } from "@stevedore/core";
import { MediaType, UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
import { largeBlobSize } from "./copy-options.js";
import { blob, image, store } from "./test-support/images.js";

/** A memory destination whose pushes take a few turns of the event loop and record their overlap. */
function slowDestination() {
  const target = createMemoryTarget();
  const inFlight = { large: 0, small: 0, maxLarge: 0, smallBesideLarge: 0 };
  const push = target.push.bind(target);
  target.push = async (
    descriptor: Descriptor,
    source: ReplayableSource | Uint8Array,
    options?: PushOptions,
  ) => {
    const large = descriptor.size >= largeBlobSize;
    if (large) inFlight.large += 1;
    else inFlight.small += 1;
    inFlight.maxLarge = Math.max(inFlight.maxLarge, inFlight.large);
    if (!large && inFlight.large > 0) inFlight.smallBesideLarge += 1;
    try {
      for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      return await push(descriptor, source, options);
    } finally {
      if (large) inFlight.large -= 1;
      else inFlight.small -= 1;
    }
  };
  return { target, inFlight };
}

async function sourceWith(largeCount: number, smallCount: number) {
  const large = Array.from({ length: largeCount }, (_, position) =>
    blob(`large ${position}`, MediaType.OciLayerGzip, largeBlobSize),
  );
  const small = Array.from({ length: smallCount }, (_, position) => blob(`small ${position}`));
  const source = createMemoryTarget();
  await store(source, [image("app", { layers: [...large, ...small] })], "v1");
  return source;
}

describe("copy: large blobs", () => {
  it("streams at most largeConcurrency large blobs at once while small ones go on beside them", async () => {
    const source = await sourceWith(4, 6);
    const { target, inFlight } = slowDestination();

    const result = await copy(source, "v1", target, "v1", { concurrency: 8, largeConcurrency: 2 });

    expect(result.blobs.transferred).toBe(4 + 6 + 1);
    expect(inFlight.maxLarge).toBe(2);
    expect(inFlight.smallBesideLarge).toBeGreaterThan(0);
  });

  it("an explicit concurrency also sets how many large blobs stream at once", async () => {
    const source = await sourceWith(4, 0);
    const { target, inFlight } = slowDestination();

    await copy(source, "v1", target, "v1", { concurrency: 3 });

    expect(inFlight.maxLarge).toBe(3);
  });

  it("refuses a largeConcurrency that is not a positive integer", async () => {
    const source = await sourceWith(0, 1);
    for (const largeConcurrency of [0, -1, 1.5, Number.NaN]) {
      await expect(copy(source, "v1", createMemoryTarget(), "v1", { largeConcurrency })).rejects.toThrow(
        UsageError,
      );
    }
  });
});
