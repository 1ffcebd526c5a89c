import type { Descriptor, ParsedManifest } from "@stevedore/core";
import {
  isManifestMediaType,
  isManifestResolver,
  isTaggedManifestPusher,
  ManifestError,
  UsageError,
} from "@stevedore/core";
import type { DestinationReference } from "./check-arguments.js";
import { copyManifest } from "./copy-manifest.js";
import { copyReferrers } from "./copy-referrers.js";
import type { CopyResult } from "./copy-result.js";
import type { ManifestDone, Session } from "./create-session.js";
import { fetchManifest, parseResolvedManifest } from "./fetch-manifest.js";
import { fetchOnceMore } from "./fetch-once-more.js";
import { locationOf } from "./location-of.js";
import { planRoot } from "./plan-root.js";
import { createTally, mergeTally, type Tally, totalsOf } from "./tally.js";

/**
 * Internal: one copy inside a session — resolve, choose platforms, copy the graph children first,
 * referrers, the tag last (`DESIGN.md` §4, `spec/PROTOCOL.md` §5.3) — and its result. Shared with
 * `copyAllTags`, whose copies share one session. `readRoot: false` resolves without reading the root's bytes
 * up front (see {@link resolveRoot}).
 */
export async function runCopy(
  session: Session,
  sourceReference: string,
  destination: DestinationReference,
  readRoot = true,
): Promise<{ result: CopyResult; tally: Tally }> {
  const { options, limiter } = session;
  const started = options.now();
  const tagged = readRoot ? checkTag(session, destination.tag) : undefined;
  const { resolved, parsed } = await limiter.run(() => resolveRoot(session, sourceReference, readRoot));
  if (!isManifestMediaType(resolved.mediaType)) {
    throw new ManifestError(
      `${sourceReference} resolved to ${resolved.digest} of media type ${resolved.mediaType}, which is not a manifest`,
    );
  }
  const plan = await planRoot(session, resolved, parsed);
  const root = plan.descriptor;
  if (destination.digest !== undefined && destination.digest !== root.digest) {
    throw new UsageError(
      `the destination reference ${destination.digest} does not match the copied manifest ${root.digest}`,
    );
  }
  if (plan.filteredIndex) {
    session.emit({ type: "index-filtered", source: resolved, descriptor: root, platforms: plan.platforms });
  }

  const tally = createTally();
  const taggedDigest = await tagged;
  // Without referrers the tag may go up with the root itself: everything else is in place by then. With
  // referrers it waits until they are copied too (the tag last, `DESIGN.md` §4).
  const rootTag =
    destination.tag === undefined ? undefined : { tag: destination.tag, withRoot: !options.referrers };
  const rootDone =
    taggedDigest === root.digest && destination.tag !== undefined
      ? tagHolds(session, root, destination.tag)
      : await copyManifest(session, root, plan.parsed, rootTag);
  mergeTally(tally, rootDone.tally);
  if (options.referrers) {
    // A filtered index is new: nothing in the source can refer to it yet.
    const subjects = [...tally.manifests.values()]
      .map((record) => record.descriptor)
      .filter((descriptor) => !plan.filteredIndex || descriptor.digest !== root.digest);
    await copyReferrers(session, subjects, tally, new Set());
  }
  const { tag } = destination;
  if (tag !== undefined) {
    if (rootDone.taggedAs !== tag) {
      await limiter.run(() => setTag(session, root, tag, rootDone.bytes ?? plan.parsed?.bytes));
    }
    const outcome = tally.manifests.get(root.digest)?.outcome ?? "transferred";
    session.emit({ type: "manifest-done", descriptor: root, tag, outcome });
  }

  const totals = totalsOf(tally);
  const milliseconds = options.now() - started;
  const result: CopyResult = {
    descriptor: root,
    digest: root.digest,
    source: resolved,
    platforms: plan.platforms,
    blobs: totals.blobs,
    bytes: totals.bytes,
    manifests: totals.manifests,
    skippedManifests: totals.skippedManifests,
    referrers: tally.referrers.size,
    nondistributable: totals.nondistributable,
    filteredIndex: plan.filteredIndex,
    milliseconds,
  };
  if (tag !== undefined) result.tag = tag;
  session.emit({
    type: "copy-done",
    descriptor: root,
    blobs: { ...totals.blobs },
    bytes: totals.bytes,
    milliseconds,
  });
  return { result, tally };
}

/**
 * Where the destination is a registry and the copy sets a tag, asks it what the tag names (a `HEAD`) beside
 * the source's `GET` of the root, so a copy already done ends after one round trip. `undefined` when not
 * asked; the digest, or `null` when the tag is missing or the answer was a failure (the copy then asks by
 * digest as usual, and meets any real failure there).
 */
function checkTag(session: Session, tag: string | undefined): Promise<string | null> | undefined {
  const { destination, options, limiter, signal } = session;
  if (tag === undefined || options.referrers || locationOf(destination) === undefined) return undefined;
  // Caught here as a whole (a limiter slot refused on abort too): a copy that fails before it reads the
  // answer must not leave an unhandled rejection behind.
  return limiter
    .run(() => destination.resolve(tag, { signal }))
    .then(
      (descriptor) => descriptor.digest,
      () => null,
    );
}

/** The root the destination's tag already names: nothing below it to copy, and no tag to set. */
function tagHolds(session: Session, root: Descriptor, tag: string): ManifestDone {
  const tally = createTally();
  tally.manifests.set(root.digest, { descriptor: root, outcome: "skipped" });
  session.emit({ type: "manifest-done", descriptor: root, outcome: "skipped" });
  return { tally, taggedAs: tag };
}

/**
 * Points `tag` at the root. A `TaggedManifestPusher` gets the root's bytes under the tag: the bytes in hand,
 * or else read from the source (a file for a layout; for a registry the one `GET` that `Target.tag` would
 * send to the destination). Any other destination gets `tag`.
 */
async function setTag(
  session: Session,
  root: Descriptor,
  tag: string,
  bytes: Uint8Array | undefined,
): Promise<void> {
  const { destination, source, signal } = session;
  if (!isTaggedManifestPusher(destination)) return destination.tag(root, tag, { signal });
  const manifest = bytes ?? (await fetchManifest(source, root, signal)).bytes;
  await destination.pushTagged(root, manifest, tag, { signal });
}

/**
 * What the source reference names: by one `GET` with the bytes where the source can (a registry), else by
 * `resolve` — the manifest is then read when the copy needs it. Bytes that do not match are read once more.
 */
async function resolveRoot(
  session: Session,
  reference: string,
  readRoot: boolean,
): Promise<{ resolved: Descriptor; parsed?: ParsedManifest }> {
  const { source, signal } = session;
  if (!readRoot || !isManifestResolver(source))
    return { resolved: await source.resolve(reference, { signal }) };
  return fetchOnceMore(signal, async () => {
    const { descriptor, bytes } = await source.resolveManifest(reference, { signal });
    if (!isManifestMediaType(descriptor.mediaType)) return { resolved: descriptor };
    return { resolved: descriptor, parsed: await parseResolvedManifest(descriptor, bytes) };
  });
}
