import { createVerifier } from "@stevedore/blob";
import type { Descriptor, PushOptions, ReplayableSource, TargetCallOptions } from "@stevedore/core";
import { isManifestMediaType } from "@stevedore/core";
import type { Remote } from "@stevedore/remote";
import type { TaggedManifestPusher } from "@stevedore/transfer";

/** Manifests kept per repository: a copy tags its root right after pushing it, so a few suffice. */
const remembered = 16;

/**
 * Internal: wraps a {@link Remote} so that tagging a manifest this client has just pushed puts the bytes
 * it already holds under the tag, instead of `Remote.tag`'s `GET` by digest first (one round trip less per
 * copy or push that sets a tag; `spec/PROTOCOL.md` §5.1: the same exact bytes, so the same digest). A
 * manifest not pushed through this wrapper is tagged as before, by fetching its bytes. It also offers
 * transfer's `TaggedManifestPusher`, so a copy puts its root under the tag in one request.
 */
export function rememberPushedManifests(remote: Remote): Remote & TaggedManifestPusher {
  const pushed = new Map<string, Uint8Array>();
  const remember = (digest: string, bytes: Uint8Array): void => {
    pushed.delete(digest);
    pushed.set(digest, bytes.slice());
    for (const oldest of pushed.keys()) {
      if (pushed.size <= remembered) break;
      pushed.delete(oldest);
    }
  };
  return {
    ...remote,
    async push(
      descriptor: Descriptor,
      source: ReplayableSource | Uint8Array,
      options: PushOptions = {},
    ): Promise<void> {
      await remote.push(descriptor, source, options);
      // Only bytes in hand are kept (a copy pushes manifests that way); `push` has verified them.
      if (isManifestMediaType(descriptor.mediaType) && source instanceof Uint8Array) {
        remember(descriptor.digest, source);
      }
    },
    // transfer's TaggedManifestPusher: a copy's root goes up under its tag alone (the registry stores it
    // under its digest as well), one PUT instead of two.
    async pushTagged(
      descriptor: Descriptor,
      bytes: Uint8Array,
      tag: string,
      options: TargetCallOptions = {},
    ): Promise<void> {
      // SizeMismatchError or DigestMismatchError before anything is sent.
      const verifier = createVerifier(descriptor, { where: `manifest ${descriptor.digest}` });
      verifier.update(bytes);
      verifier.finish();
      await remote.putManifest(tag, bytes, descriptor.mediaType, options);
      remember(descriptor.digest, bytes);
    },
    async tag(descriptor: Descriptor, tag: string, options: TargetCallOptions = {}): Promise<void> {
      const bytes = pushed.get(descriptor?.digest);
      if (bytes === undefined) return remote.tag(descriptor, tag, options);
      await remote.putManifest(tag, bytes, descriptor.mediaType, options);
    },
  };
}
