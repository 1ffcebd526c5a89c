import { targetSource } from "@stevedore/blob";
import type { Descriptor } from "@stevedore/core";
import { isBlobMounter, nondistributableMediaTypes } from "@stevedore/core";
import { type Session, share } from "./create-session.js";
import { locationOf } from "./location-of.js";
import { mountCandidates } from "./mount-candidates.js";
import type { BlobRecord } from "./tally.js";

/**
 * Internal: puts one blob at the destination — skipped when present, mounted when a repository of the same
 * registry holds it, uploaded otherwise — once per digest for the whole session: everyone who needs the
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
  return session.limiter.run(async () => {
    session.emit({ type: "blob-start", descriptor });
    const record = await place(session, descriptor);
    remember(session, record);
    const done = { type: "blob-done", descriptor, bytes: record.bytes, outcome: record.outcome } as const;
    session.emit(record.reason === undefined ? done : { ...done, reason: record.reason });
    return record;
  });
}

async function place(session: Session, descriptor: Descriptor): Promise<BlobRecord> {
  const { source, destination, signal } = session;
  if (await destination.exists(descriptor, { signal })) {
    return { descriptor, outcome: "skipped", bytes: 0, reason: "exists" };
  }
  if (await mount(session, descriptor)) return { descriptor, outcome: "mounted", bytes: 0 };
  // A replayable source, so the destination can resume an upload from the offset it reports.
  await destination.push(descriptor, targetSource(source, descriptor, { signal }), {
    signal,
    onProgress: (bytes) => session.emit({ type: "blob-progress", descriptor, bytes, total: descriptor.size }),
  });
  return { descriptor, outcome: "transferred", bytes: descriptor.size };
}

async function mount(session: Session, descriptor: Descriptor): Promise<boolean> {
  const { destination, signal } = session;
  if (!isBlobMounter(destination)) return false;
  const candidates = mountCandidates(
    descriptor.digest,
    destination.registry,
    session.source,
    locationOf(destination)?.repository,
    session.options.locations,
  );
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
