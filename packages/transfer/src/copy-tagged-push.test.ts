/**
 * A destination that is a `TaggedManifestPusher` (a registry through the client) gets the root of a copy
 * that sets a tag in one step — by tag only — unless referrers must be copied first or it has the root.
 */
import { createMemoryTarget } from "@stevedore/blob";
import type { Descriptor, TargetCallOptions } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
import { isTaggedManifestPusher, type TaggedManifestPusher } from "./tagged-manifest-pusher.js";
import { image, store } from "./test-support/images.js";
import { instrument } from "./test-support/instrument.js";
import type { TransferProgressEvent } from "./transfer-progress-event.js";

/** A memory destination that records every `pushTagged` (done as push + tag underneath). */
function taggedDestination() {
  const inner = createMemoryTarget({ repository: "team/destination" });
  const taggedPushes: { digest: string; tag: string }[] = [];
  const pusher: TaggedManifestPusher = {
    async pushTagged(descriptor: Descriptor, bytes: Uint8Array, tag: string, options?: TargetCallOptions) {
      taggedPushes.push({ digest: descriptor.digest, tag });
      await inner.push(descriptor, bytes, options);
      await inner.tag(descriptor, tag, options);
    },
  };
  const destination = instrument({ ...inner, ...pusher });
  return { destination, taggedPushes };
}

describe("copy: the root pushed under its tag", () => {
  it("pushes the root once, by tag, and does not tag it again", async () => {
    const app = image("app");
    const source = createMemoryTarget({ repository: "team/source" });
    await store(source, [app], "v1");
    const { destination, taggedPushes } = taggedDestination();
    expect(isTaggedManifestPusher(destination)).toBe(true);
    const events: TransferProgressEvent[] = [];

    const result = await copy(source, "v1", destination, "latest", {
      onProgress: (event) => events.push(event),
    });

    expect(result.tag).toBe("latest");
    expect(taggedPushes).toEqual([{ digest: app.descriptor.digest, tag: "latest" }]);
    // Blobs by `push`, the root not; no separate `tag`.
    expect(destination.pushed()).not.toContain(app.descriptor.digest);
    expect(destination.calls.filter((call) => call.method === "tag")).toEqual([]);
    expect((await destination.resolve("latest")).digest).toBe(app.descriptor.digest);
    // The same events as a copy that tags separately: the manifest, then the manifest with its tag.
    expect(events.filter((event) => event.type === "manifest-done")).toEqual([
      { type: "manifest-done", descriptor: app.descriptor, outcome: "transferred" },
      { type: "manifest-done", descriptor: app.descriptor, tag: "latest", outcome: "transferred" },
    ]);
  });

  it("with referrers, pushes the root by digest and tags it last, after the referrers", async () => {
    const app = image("app");
    const source = createMemoryTarget({ repository: "team/source" });
    await store(source, [app], "v1");
    const { destination, taggedPushes } = taggedDestination();

    await copy(source, "v1", destination, "latest", { referrers: true });

    expect(taggedPushes).toEqual([]);
    expect(destination.pushed()).toContain(app.descriptor.digest);
    expect(destination.calls.filter((call) => call.method === "tag")).toEqual([
      { method: "tag", digest: app.descriptor.digest, tag: "latest" },
    ]);
  });

  it("only tags a root the destination already has", async () => {
    const app = image("app");
    const source = createMemoryTarget({ repository: "team/source" });
    await store(source, [app], "v1");
    const { destination, taggedPushes } = taggedDestination();
    await copy(source, "v1", destination, "first");
    taggedPushes.length = 0;
    destination.calls.length = 0;

    const again = await copy(source, "v1", destination, "second");

    expect(again.manifests).toBe(0);
    expect(taggedPushes).toEqual([]);
    expect(destination.calls.filter((call) => call.method === "tag")).toEqual([
      { method: "tag", digest: app.descriptor.digest, tag: "second" },
    ]);
  });
});
