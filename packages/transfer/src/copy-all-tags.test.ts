import { createMemoryTarget } from "@stevedore/blob";
import { NotFoundError, UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { copyAllTags } from "./copy-all-tags.js";
import { blob, image, store } from "./test-support/images.js";
import { instrument } from "./test-support/instrument.js";

async function mirrorSource() {
  const base = blob("shared base layer");
  const images = ["one", "two", "three"].map((name) => image(name, { layers: [base, blob(`${name} top`)] }));
  const source = createMemoryTarget({ repository: "team/source" });
  const [one, two, three] = images as [(typeof images)[0], (typeof images)[0], (typeof images)[0]];
  await store(source, [one], "1.0");
  await store(source, [one], "1");
  await store(source, [two], "2.0");
  await store(source, [three], "3.0");
  await store(source, [three], "latest");
  return { base, images, source };
}

describe("copyAllTags", () => {
  it("copies five tags, sharing transfers across tags", async () => {
    const { base, images, source } = await mirrorSource();
    const destination = instrument(createMemoryTarget({ repository: "team/mirror" }), { yieldFirst: true });

    const result = await copyAllTags(source, destination, { concurrency: 3 });

    expect(result.tags.map((entry) => entry.tag)).toEqual(["1", "1.0", "2.0", "3.0", "latest"]);
    for (const entry of result.tags) {
      expect(entry.error).toBeUndefined();
      expect((await destination.resolve(entry.tag)).digest).toBe(entry.result?.digest);
      expect(entry.result?.tag).toBe(entry.tag);
    }
    const pushed = destination.pushed();
    expect(pushed.filter((digest) => digest === base.descriptor.digest)).toHaveLength(1);
    expect(new Set(pushed).size).toBe(pushed.length);
    // Three images: 3 configs, 3 top layers, 1 shared base; 3 manifests — each once in the totals.
    expect(result.blobs).toEqual({ transferred: 7, skipped: 0, mounted: 0 });
    expect(result.manifests).toBe(3);
    expect(result.bytes).toBe(
      [
        ...new Map(
          images.flatMap((entry) => entry.blobs).map((part) => [part.descriptor.digest, part]),
        ).values(),
      ].reduce((total, part) => total + part.bytes.length, 0),
    );
    expect(destination.maxActive).toBeLessThanOrEqual(3);
    // Per tag, `counted` is what that tag added: each blob in exactly one tag, adding up to the totals.
    const sum = { transferred: 0, skipped: 0, mounted: 0, bytes: 0 };
    for (const entry of result.tags) {
      sum.transferred += entry.counted?.blobs.transferred ?? 0;
      sum.skipped += entry.counted?.blobs.skipped ?? 0;
      sum.mounted += entry.counted?.blobs.mounted ?? 0;
      sum.bytes += entry.counted?.bytes ?? 0;
    }
    expect(sum).toEqual({ ...result.blobs, bytes: result.bytes });
    const sameImage = result.tags.filter((entry) => entry.tag === "1" || entry.tag === "1.0");
    expect(sameImage.map((entry) => entry.result?.blobs.transferred)).toEqual([3, 3]);
    // The two tags of one image: the second to finish adds nothing.
    expect(Math.min(...sameImage.map((entry) => entry.counted?.blobs.transferred ?? -1))).toBe(0);
  });

  it("rejects with the first failure by default, and reports it per tag with keepGoing", async () => {
    const { source } = await mirrorSource();
    const broken = image("broken");
    await source.push(broken.config.descriptor, broken.config.bytes);
    await source.push(broken.descriptor, broken.bytes); // its layers are missing
    await source.tag(broken.descriptor, "0.9");

    await expect(copyAllTags(source, createMemoryTarget(), { concurrency: 2 })).rejects.toThrow(
      NotFoundError,
    );

    const destination = createMemoryTarget();
    const result = await copyAllTags(source, destination, { concurrency: 2, keepGoing: true });
    const failed = result.tags.filter((entry) => entry.error !== undefined);
    expect(failed.map((entry) => entry.tag)).toEqual(["0.9"]);
    expect(NotFoundError.isInstance(failed[0]?.error)).toBe(true);
    expect(result.tags.filter((entry) => entry.result !== undefined)).toHaveLength(5);
    expect((await destination.resolve("latest")).mediaType).toBeDefined();
  });

  it("needs a source that lists tags", async () => {
    const { tags: _ignored, ...untagged } = createMemoryTarget();
    await expect(copyAllTags(untagged as never, createMemoryTarget())).rejects.toThrow(UsageError);
  });
});
