import type { Descriptor, TargetCallOptions } from "@stevedore/core";

/**
 * A destination that can store a manifest and point a tag at it in one step — a registry's
 * `PUT /v2/<name>/manifests/<tag>` stores the manifest under its digest too (`spec/PROTOCOL.md` §3.1
 * end-7). `copy` then pushes the root by tag alone instead of by digest and then by tag: one request less.
 * (Not part of `@stevedore/core`'s `Target`: an optional capability, found by {@link isTaggedManifestPusher}.)
 */
export interface TaggedManifestPusher {
  /** Stores manifest `bytes` (verified against `descriptor`) and points `tag` at it. */
  pushTagged(
    descriptor: Descriptor,
    bytes: Uint8Array,
    tag: string,
    options?: TargetCallOptions,
  ): Promise<void>;
}

/** True when `target` can push a manifest under a tag in one step. */
export function isTaggedManifestPusher(target: unknown): target is TaggedManifestPusher {
  return (
    typeof target === "object" &&
    target !== null &&
    typeof (target as Partial<TaggedManifestPusher>).pushTagged === "function"
  );
}
