import type { Descriptor, PushOptions, ReplayableSource, TargetCallOptions } from "@stevedore/core";
import { isManifestMediaType } from "@stevedore/core";
import type { Remote } from "@stevedore/remote";

/** Manifests kept per repository: a copy tags its root right after pushing it, so a few suffice. */
const remembered = 16;

/**
 * Internal: wraps a {@link Remote} so that tagging a manifest this client has just pushed puts the bytes
 * it already holds under the tag, instead of `Remote.tag`'s `GET` by digest first (one round trip less per
 * copy or push that sets a tag; `spec/PROTOCOL.md` §5.1: the same exact bytes, so the same digest). A
 * manifest not pushed through this wrapper is tagged as before, by fetching its bytes.
 */
export function rememberPushedManifests(remote: Remote): Remote {
  const pushed = new Map<string, Uint8Array>();
  return {
    ...remote,
    async push(
      descriptor: Descriptor,
      source: ReplayableSource | Uint8Array,
      options: PushOptions = {},
    ): Promise<void> {
      await remote.push(descriptor, source, options);
      // Only bytes in hand are kept (a copy pushes manifests that way); `push` has verified them.
      if (!isManifestMediaType(descriptor.mediaType) || !(source instanceof Uint8Array)) return;
      pushed.delete(descriptor.digest);
      pushed.set(descriptor.digest, source.slice());
      for (const digest of pushed.keys()) {
        if (pushed.size <= remembered) break;
        pushed.delete(digest);
      }
    },
    async tag(descriptor: Descriptor, tag: string, options: TargetCallOptions = {}): Promise<void> {
      const bytes = pushed.get(descriptor?.digest);
      if (bytes === undefined) return remote.tag(descriptor, tag, options);
      await remote.putManifest(tag, bytes, descriptor.mediaType, options);
    },
  };
}
