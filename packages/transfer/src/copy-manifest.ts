import type { Descriptor, ParsedManifest } from "@stevedore/core";
import { isIndexMediaType, isManifestMediaType, isTaggedManifestPusher } from "@stevedore/core";
import { copyBlob } from "./copy-blob.js";
import { type ManifestDone, type Session, settleAll, share } from "./create-session.js";
import { fetchManifest } from "./fetch-manifest.js";
import { locationOf } from "./location-of.js";
import { createTally, mergeTally, type Tally } from "./tally.js";

/**
 * Internal: copies a manifest and everything below it, children first and the manifest last, byte-exact
 * (`spec/PROTOCOL.md` §5.1, §5.3). Once per digest for the whole session. `parsed` supplies bytes the
 * caller already holds (an index it read, or a filtered index it made).
 *
 * A manifest the destination already has is not pushed and its blobs are not checked: a registry holds a
 * manifest only with its content. With `referrers` its child manifests are still visited, because their
 * referrers may be missing.
 */
export function copyManifest(
  session: Session,
  descriptor: Descriptor,
  parsed?: ParsedManifest,
  root?: RootTag,
): Promise<ManifestDone> {
  return share(session.manifests, descriptor.digest, () =>
    transferManifest(session, descriptor, parsed, root),
  );
}

/** Internal: the tag a copy sets on its root, and whether it may go up with the root itself. */
export interface RootTag {
  tag: string;
  withRoot: boolean;
}

async function transferManifest(
  session: Session,
  descriptor: Descriptor,
  given: ParsedManifest | undefined,
  root: RootTag | undefined,
): Promise<ManifestDone> {
  const { source, destination, signal, limiter } = session;
  const walkExisting = session.options.referrers && isIndexMediaType(descriptor.mediaType);
  const { exists, parsed } = await limiter.run(async () => {
    // Where the destination's answer costs a round trip (a registry), the source's GET goes out beside
    // its HEAD: a missing manifest — the usual case below a missing root — waits one round trip, not two.
    const early =
      given === undefined && locationOf(destination) !== undefined
        ? fetchManifest(source, descriptor, signal)
        : undefined;
    early?.catch(() => undefined);
    const present = await destination.exists(descriptor, { signal });
    if (present && !walkExisting) return { exists: true, parsed: undefined };
    return { exists: present, parsed: given ?? (await (early ?? fetchManifest(source, descriptor, signal))) };
  });

  const tally = createTally();
  if (parsed !== undefined) await copyChildren(session, parsed, exists, tally);
  // The root of a copy that sets a tag goes up under that tag alone where the destination can do that
  // (a registry: the tag PUT stores the manifest too), instead of a PUT by digest and then one by tag.
  const taggedAs =
    !exists && root?.withRoot === true && isTaggedManifestPusher(destination) ? root.tag : undefined;
  if (!exists && parsed !== undefined) {
    await limiter.run(() =>
      taggedAs !== undefined && isTaggedManifestPusher(destination)
        ? destination.pushTagged(descriptor, parsed.bytes, taggedAs, { signal })
        : destination.push(descriptor, parsed.bytes, { signal }),
    );
  }
  const outcome = exists ? "skipped" : "transferred";
  tally.manifests.set(descriptor.digest, { descriptor, outcome });
  session.emit({ type: "manifest-done", descriptor, outcome });
  return {
    tally,
    ...(taggedAs === undefined ? {} : { taggedAs }),
    ...(root === undefined || parsed === undefined ? {} : { bytes: parsed.bytes }),
  };
}

async function copyChildren(
  session: Session,
  parsed: ParsedManifest,
  exists: boolean,
  tally: Tally,
): Promise<void> {
  const children =
    parsed.kind === "index" ? parsed.manifest.manifests : [parsed.manifest.config, ...parsed.manifest.layers];
  const work: Promise<void>[] = [];
  for (const child of children) {
    // `spec/PROTOCOL.md` §12.4: an index entry of an unknown media type is copied as an opaque blob.
    if (isManifestMediaType(child.mediaType)) {
      work.push(copyManifest(session, child).then((done) => mergeTally(tally, done.tally)));
    } else if (!exists) {
      work.push(
        copyBlob(session, child).then((record) => {
          if (!tally.blobs.has(child.digest)) tally.blobs.set(child.digest, record);
        }),
      );
    }
  }
  await settleAll(session, work);
}
