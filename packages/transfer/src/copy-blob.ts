import { prefetchTargetSource } from "@stevedore/blob";
import type { Descriptor } from "@stevedore/core";
import { isBlobMounter, nondistributableMediaTypes } from "@stevedore/core";
import { largeBlobSize } from "./copy-options.js";
import { type Session, share } from "./create-session.js";
import { fetchOnceMore } from "./fetch-once-more.js";
import { locationOf } from "./location-of.js";
import { mountCandidates } from "./mount-candidates.js";
import type { BlobRecord } from "./tally.js";

/**
 * Internal: puts one blob at the destination — mounted when a repository of the same registry may hold it
 * (without asking first whether the destination has it), skipped when present, uploaded otherwise — once per digest for the whole session: everyone who needs the
 * same blob waits for the same transfer.
 */
export function copyBlob(session: Session, descriptor: Descriptor): Promise<BlobRecord> {
  return share(session.blobs, descriptor.digest, () => transferBlob(session, descriptor));
}

async function transferBlob(session: Session, descriptor: Descriptor): Promise<BlobRecord> {
  if (!session.options.includeNondistributable && nondistributableMediaTypes.includes(descriptor.mediaType)) {
    // `spec/PROTOCOL.md` §17: non-distributable (foreign) layers are not pushed; their `urls` stay in the manifest.
    session.emit({ type: "blob-start", descriptor });
    const record: BlobRecord = { descriptor, outcome: "skipped", bytes: 0, reason: "nondistributable" };
    session.emit({ type: "blob-done", descriptor, bytes: 0, outcome: "skipped", reason: "nondistributable" });
    return record;
  }
  const large = descriptor.size >= largeBlobSize;
  const placed = await session.limiter.run(async () => {
    session.emit({ type: "blob-start", descriptor });
    const found = await find(session, descriptor);
    return found !== undefined || large ? found : upload(session, descriptor);
  });
  // A large blob to upload waits for a stream slot without holding a `limiter` slot meanwhile, so small
  // blobs and existence checks go on beside the few large streams.
  const record =
    placed ?? (await session.streams.run(() => session.limiter.run(() => upload(session, descriptor))));
  remember(session, record);
  const done = { type: "blob-done", descriptor, bytes: record.bytes, outcome: record.outcome } as const;
  session.emit(record.reason === undefined ? done : { ...done, reason: record.reason });
  return record;
}

/** Mounts the blob or finds it present; `undefined` when it has to be uploaded. */
async function find(session: Session, descriptor: Descriptor): Promise<BlobRecord | undefined> {
  const { destination, signal } = session;
  // Mount first when there is a repository to mount from: a registry answers 201 to a mount of a blob it
  // already holds in the destination repository just as to a new one (`spec/PROTOCOL.md` §4), so a HEAD
  // first would only cost a round trip per blob. Such a blob is then counted as mounted, not skipped.
  const candidates = mountCandidatesFor(session, descriptor);
  if (candidates.length > 0 && (await mount(session, descriptor, candidates))) {
    return { descriptor, outcome: "mounted", bytes: 0 };
  }
  // No candidate, or every mount declined: one HEAD, so present blobs are not uploaded again.
  if (await destination.exists(descriptor, { signal })) {
    return { descriptor, outcome: "skipped", bytes: 0, reason: "exists" };
  }
  return undefined;
}

async function upload(session: Session, descriptor: Descriptor): Promise<BlobRecord> {
  const { source, destination, signal } = session;
  // A replayable source, so the destination can resume an upload from the offset it reports; bytes that
  // do not match the digest are read and pushed once more. Its first GET goes out beside the upload's
  // POST rather than after it: one round trip less per blob (docs/decisions/0015-latency-pipelining.md).
  await fetchOnceMore(signal, async () => {
    const prefetched = prefetchTargetSource(source, descriptor, { signal });
    try {
      await destination.push(descriptor, prefetched.source, {
        signal,
        onProgress: (bytes) =>
          session.emit({ type: "blob-progress", descriptor, bytes, total: descriptor.size }),
      });
    } finally {
      prefetched.release();
    }
  });
  return { descriptor, outcome: "transferred", bytes: descriptor.size };
}

function mountCandidatesFor(session: Session, descriptor: Descriptor): string[] {
  const { destination } = session;
  if (!isBlobMounter(destination)) return [];
  return mountCandidates(
    descriptor.digest,
    destination.registry,
    session.source,
    locationOf(destination)?.repository,
    session.options.locations,
  );
}

async function mount(
  session: Session,
  descriptor: Descriptor,
  candidates: readonly string[],
): Promise<boolean> {
  const { destination, signal } = session;
  if (!isBlobMounter(destination)) return false;
  for (const repository of candidates) {
    try {
      if (await destination.mount(descriptor, repository, { signal })) return true;
    } catch (error) {
      // A refused mount (no pull access to that repository, say) is not a failed copy: upload instead.
      if (signal.aborted) throw error;
    }
  }
  return false;
}

function remember(session: Session, record: BlobRecord): void {
  const { locations } = session.options;
  if (locations === undefined) return;
  const { digest } = record.descriptor;
  const from = locationOf(session.source);
  if (from !== undefined && record.outcome === "transferred") locations.add(digest, from);
  const to = locationOf(session.destination);
  if (to !== undefined) locations.add(digest, to);
}
