// A source that resolves and reads its root in one step (a registry's GET, `ManifestResolver`) is asked
// once for the root, and what it hands over is checked like any fetched manifest.
import { createMemoryTarget, readAll } from "@stevedore/blob";
import type { Descriptor, ManifestResolver, TargetCallOptions } from "@stevedore/core";
import { DigestMismatchError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
import { copyAllTags } from "./copy-all-tags.js";
import { image, index, store } from "./test-support/images.js";
import { type Instrumented, instrument } from "./test-support/instrument.js";

async function resolverOf(corrupt = false): Promise<{
  source: Instrumented<ReturnType<typeof createMemoryTarget>> & ManifestResolver;
  digest: string;
}> {
  const app = index([image("amd64"), image("arm64", { platform: { os: "linux", architecture: "arm64" } })]);
  const memory = createMemoryTarget({ repository: "team/source" });
  await store(memory, [app], "v1");
  const wrapped = instrument(memory);
  const resolveManifest = async (reference: string, options?: TargetCallOptions) => {
    wrapped.calls.push({ method: "resolveManifest", tag: reference });
    const descriptor: Descriptor = await memory.resolve(reference, options);
    const bytes = new Uint8Array(await readAll(await memory.fetch(descriptor, options)));
    if (corrupt) bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 0x01;
    return { descriptor, bytes };
  };
  return { source: Object.assign(wrapped, { resolveManifest }), digest: app.descriptor.digest };
}

describe("copy: a source that resolves and reads the root in one step", () => {
  it("is asked once for the root: no resolve, and no fetch of the root", async () => {
    const { source, digest } = await resolverOf();
    const destination = createMemoryTarget({ repository: "team/destination" });

    const result = await copy(source, "v1", destination, "v1", { platforms: "all" });

    expect(result.digest).toBe(digest);
    expect(source.calls.filter((call) => call.method === "resolveManifest")).toEqual([
      { method: "resolveManifest", tag: "v1" },
    ]);
    expect(source.calls.filter((call) => call.method === "resolve")).toEqual([]);
    expect(source.calls.filter((call) => call.method === "fetch" && call.digest === digest)).toEqual([]);
    expect(await destination.resolve("v1")).toMatchObject({ digest });
  });

  it("bytes that do not match the descriptor it hands over are asked for once more, then refused", async () => {
    const { source } = await resolverOf(true);
    const destination = createMemoryTarget({ repository: "team/destination" });

    await expect(copy(source, "v1", destination, "v1", { platforms: "all" })).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
    expect(source.calls.filter((call) => call.method === "resolveManifest")).toHaveLength(2);
    await expect(destination.resolve("v1")).rejects.toThrow();
  });

  it("copyAllTags resolves each tag without reading it up front (a sync mostly finds tags present)", async () => {
    const { source } = await resolverOf();
    const destination = createMemoryTarget({ repository: "team/destination" });

    await copyAllTags(source, destination, { platforms: "all" });

    expect(source.calls.filter((call) => call.method === "resolveManifest")).toEqual([]);
    expect(source.calls.filter((call) => call.method === "resolve")).toHaveLength(1);
  });
});
