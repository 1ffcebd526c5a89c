import type { TargetCallOptions } from "@stevedore/core";
import { AbortError } from "@stevedore/core";
import { describeReference, mapNotFound } from "../not-found.js";
import { referrersRequest } from "../referrers/referrers-request.js";
import { removeFromReferrersTag } from "../referrers/update-referrers-tag.js";
import type { RemoteContext } from "../remote-context.js";
import { sendRoute } from "../send-route.js";
import { checkDigestReference } from "./check-digest-reference.js";
import { getManifest } from "./get-manifest.js";

/**
 * Deletes a tag, or a manifest by digest together with every tag pointing at it (`DELETE
 * /v2/<name>/manifests/<reference>`, end-9; `spec/PROTOCOL.md` §8). Needs the `delete` action.
 * `NotFoundError` for a 404; disabled deletes (400/405 `UNSUPPORTED`) stay a `RegistryResponseError`, as
 * does distribution's refusal to delete by tag.
 *
 * A manifest deleted by digest is read first: when it has a `subject` and the registry has no referrers API
 * (its referrers endpoint answers 404), its entry is taken out of the subject's referrers tag afterwards
 * (§7.2, delete case; the index is deleted when that was its last entry), so `referrers()` stops listing
 * a manifest that is gone.
 */
export async function deleteManifest(
  context: RemoteContext,
  reference: string,
  options: TargetCallOptions = {},
): Promise<void> {
  const { signal } = options;
  const digest = verifiableDigest(reference);
  const subject = digest === undefined ? undefined : await subjectOf(context, digest, signal);
  try {
    const response = await sendRoute(context, "manifest-delete", { reference }, { signal });
    await response.dump();
  } catch (error) {
    throw mapNotFound(error, `manifest ${describeReference(context, reference)}`);
  }
  if (digest === undefined || subject === undefined || (await hasReferrersApi(context, subject, signal)))
    return;
  await removeFromReferrersTag(context, subject, digest, signal ? { signal } : {});
}

/**
 * The digest when `reference` is one stevedore can verify; `undefined` for a tag or any other digest, which
 * is deleted as given (the registry judges it), only without the referrers-tag bookkeeping.
 */
function verifiableDigest(reference: string): string | undefined {
  try {
    return checkDigestReference(reference);
  } catch {
    return undefined;
  }
}

/** The subject of the manifest `digest`, or `undefined` when it has none or cannot be read. */
async function subjectOf(
  context: RemoteContext,
  digest: string,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  try {
    const { parsed } = await getManifest(context, digest, signal ? { signal } : {});
    return parsed.manifest.subject?.digest;
  } catch (error) {
    // Unreadable (missing, refused, not a manifest): the DELETE that follows reports what matters.
    if (AbortError.isInstance(error) || signal?.aborted) throw error;
    return undefined;
  }
}

/** Whether the registry serves the referrers API: its endpoint answers anything but 404 (§7). */
async function hasReferrersApi(
  context: RemoteContext,
  subject: string,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const response = await context.transport.send({
    ...referrersRequest(context, subject),
    method: "GET",
    expect: [200, 404],
    ...(signal ? { signal } : {}),
  });
  await response.dump();
  return response.status !== 404;
}
