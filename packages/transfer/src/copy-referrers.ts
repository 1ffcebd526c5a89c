import type { Descriptor } from "@stevedore/core";
import { isManifestMediaType, isReferrerLister } from "@stevedore/core";
import { copyManifest } from "./copy-manifest.js";
import { type Session, settleAll } from "./create-session.js";
import { mergeTally, type Tally } from "./tally.js";

/**
 * Internal: copies the referrers (`spec/PROTOCOL.md` §7) of each of `subjects` — signatures, SBOMs,
 * attestations — with their own content, then the referrers of those, and so on. Referrers go after their
 * subject, though a registry must accept them before it (§5.3). `listed` holds the subjects already
 * listed in this copy, so every subject is asked once and a source that lists a manifest as its own
 * referrer cannot loop.
 */
export async function copyReferrers(
  session: Session,
  subjects: readonly Descriptor[],
  tally: Tally,
  listed: Set<string>,
): Promise<void> {
  const { source } = session;
  if (!isReferrerLister(source)) return;
  const fresh = subjects.filter((subject) => !listed.has(subject.digest));
  for (const subject of fresh) listed.add(subject.digest);
  await settleAll(
    session,
    fresh.map(async (subject) => {
      const referrers = await session.limiter.run(async () => {
        const found: Descriptor[] = [];
        for await (const referrer of source.referrers(subject, { signal: session.signal }))
          found.push(referrer);
        return found;
      });
      await settleAll(
        session,
        // Referrers are manifests; anything else a lister returns is not content we can copy.
        referrers
          .filter((referrer) => isManifestMediaType(referrer.mediaType))
          .map(async (referrer) => {
            const done = await copyManifest(session, referrer);
            mergeTally(tally, done.tally);
            tally.referrers.add(referrer.digest);
            const manifests = [...done.tally.manifests.values()].map((record) => record.descriptor);
            await copyReferrers(session, manifests, tally, listed);
          }),
      );
    }),
  );
}
