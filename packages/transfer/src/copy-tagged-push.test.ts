/**
 * A destination that is a `TaggedManifestPusher` (a registry through the client) gets the root of a copy
 * that sets a tag in one step — by tag only. With referrers the tag still comes last, and a root the
 * destination has is put under the tag with bytes from the source; `Target.tag` is never needed.
 */

import { createMemoryTarget } from "@stevedore/blob";
import type { Descriptor, TaggedManifestPusher, TargetCallOptions } from "@stevedore/core";
import { isTaggedManifestPusher } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { copy } from "./copy.js";
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

  it("with referrers, pushes the root by digest and puts it under the tag last, with the same bytes", async () => {
    const app = image("app");
    const source = createMemoryTarget({ repository: "team/source" });
    await store(source, [app], "v1");
    const { destination, taggedPushes } = taggedDestination();
    const sourceReads = instrument(source);

    await copy(sourceReads, "v1", destination, "latest", { referrers: true });

    expect(destination.pushed()).toContain(app.descriptor.digest);
    expect(taggedPushes).toEqual([{ digest: app.descriptor.digest, tag: "latest" }]);
    expect(destination.calls.filter((call) => call.method === "tag")).toEqual([]);
    // The root's bytes were read once, for the push; the tag reuses them.
    const rootReads = sourceReads.calls.filter(
      (call) => call.method === "fetch" && call.digest === app.descriptor.digest,
    );
    expect(rootReads).toHaveLength(1);
  });

  it("puts a root the destination already has under the tag with bytes read from the source", async () => {
    const app = image("app");
    const source = createMemoryTarget({ repository: "team/source" });
    await store(source, [app], "v1");
    const { destination, taggedPushes } = taggedDestination();
    await copy(source, "v1", destination, "first");
    taggedPushes.length = 0;
    destination.calls.length = 0;

    const again = await copy(source, "v1", destination, "second");

    expect(again.manifests).toBe(0);
    expect(taggedPushes).toEqual([{ digest: app.descriptor.digest, tag: "second" }]);
    // Nothing read from the destination but what the tag names and whether the root is there (asked side
    // by side with the source's read), nothing pushed but the tag.
    expect(destination.calls.map((call) => call.method).sort()).toEqual(["exists", "resolve"]);
    expect((await destination.resolve("second")).digest).toBe(app.descriptor.digest);
  });
});
