// Issue 13, point 2: content that does not match its digest is fetched once more before the copy fails.
import { bufferSource, createMemoryTarget, readAll, verifyContent } from "@stevedore/blob";
import type { Descriptor, Target } from "@stevedore/core";
import { DigestMismatchError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
import { image, index, store } from "./test-support/images.js";

/**
 * `target`, except that the first `corrupt(digest)` fetches of a digest serve its bytes with one byte
 * flipped (still through a verifying stream, as every target's fetch is). Counts fetches per digest.
 */
function flaky(
  target: Target,
  corrupt: (digest: string) => number,
): Target & { fetches: Map<string, number> } {
  const fetches = new Map<string, number>();
  return {
    ...target,
    async fetch(descriptor: Descriptor, options) {
      const count = (fetches.get(descriptor.digest) ?? 0) + 1;
      fetches.set(descriptor.digest, count);
      if (count > corrupt(descriptor.digest)) return target.fetch(descriptor, options);
      const bytes = await readAll(await target.fetch(descriptor, options));
      const bad = new Uint8Array(bytes);
      bad[Math.floor(bad.length / 2)] = (bad[Math.floor(bad.length / 2)] ?? 0) ^ 0xff;
      return verifyContent(bufferSource(bad)(0), descriptor, { where: descriptor.digest });
    },
    fetches,
  };
}

describe("copy: content that does not match its digest", () => {
  it("is fetched once more, and a single bad read of each blob and manifest still copies byte-exact", async () => {
    const app = index([image("amd64"), image("arm64", { platform: { os: "linux", architecture: "arm64" } })]);
    const memory = createMemoryTarget({ repository: "team/source" });
    await store(memory, [app], "v1");
    const source = flaky(memory, () => 1);
    const destination = createMemoryTarget({ repository: "team/destination" });

    const result = await copy(source, "v1", destination, "v1", { platforms: "all" });

    expect(result.digest).toBe(app.descriptor.digest);
    const all = [app, ...app.images, ...app.images.flatMap((entry) => entry.blobs)];
    for (const content of all) {
      expect(Buffer.from(await readAll(await destination.fetch(content.descriptor)))).toEqual(
        Buffer.from(content.bytes),
      );
      expect(source.fetches.get(content.descriptor.digest)).toBe(2);
    }
  });

  it("fails with DigestMismatchError after the second bad read, never a third", async () => {
    const app = image("app");
    const memory = createMemoryTarget({ repository: "team/source" });
    await store(memory, [app], "v1");
    const layer = app.layers[0]?.descriptor.digest ?? "";
    const source = flaky(memory, (digest) => (digest === layer ? 2 : 0));
    const destination = createMemoryTarget({ repository: "team/destination" });

    await expect(copy(source, "v1", destination, "v1")).rejects.toBeInstanceOf(DigestMismatchError);
    expect(source.fetches.get(layer)).toBe(2);
    expect(await destination.exists(app.layers[0]?.descriptor as Descriptor)).toBe(false);
  });

  it("fails a manifest that is bad twice with DigestMismatchError after two reads", async () => {
    const app = index([image("amd64")]);
    const memory = createMemoryTarget({ repository: "team/source" });
    await store(memory, [app], "v1");
    const source = flaky(memory, (digest) => (digest === app.descriptor.digest ? 2 : 0));
    const destination = createMemoryTarget({ repository: "team/destination" });

    await expect(copy(source, "v1", destination, "v1", { platforms: "all" })).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
    expect(source.fetches.get(app.descriptor.digest)).toBe(2);
  });
});
