import type { Descriptor, ParsedManifest, TargetCallOptions } from "@stevedore/core";
import {
  DigestMismatchError,
  digestAlgorithm,
  digestOf,
  isDigest,
  isManifestMediaType,
  normalizeMediaType,
  parseManifest,
  UsageError,
} from "@stevedore/core";
import { headerValue } from "../header-value.js";
import { describeReference, mapNotFound } from "../not-found.js";
import { updateReferrersTag } from "../referrers/update-referrers-tag.js";
import type { RemoteContext } from "../remote-context.js";
import { sendRoute } from "../send-route.js";
import { checkDigestReference } from "./check-digest-reference.js";

/**
 * Pushes a manifest under a tag or its digest (`PUT /v2/<name>/manifests/<reference>`, end-7) and resolves
 * with its descriptor.
 *
 * The bytes go up exactly as given, with `Content-Type: <mediaType>` and no parameters (`spec/PROTOCOL.md`
 * §3.1 end-7, §5.1). OCI and Docker schema 2 manifests are validated first, so a document whose own
 * `mediaType` contradicts `mediaType` is a `ManifestError` before anything is sent. By digest, the bytes
 * must hash to it (`DigestMismatchError`); a `Docker-Content-Digest` answer that names other content is a
 * `DigestMismatchError` too (§5.2 "After a push").
 *
 * A manifest with a `subject` pushed to a registry that does not answer `OCI-Subject` has no referrers API:
 * the referrers tag schema index is then updated (§7.2) with `updateReferrersTag`.
 */
export async function putManifest(
  context: RemoteContext,
  reference: string,
  bytes: Uint8Array,
  mediaType: string,
  options: TargetCallOptions = {},
): Promise<Descriptor> {
  if (!(bytes instanceof Uint8Array))
    throw new UsageError("putManifest() needs the manifest as a Uint8Array");
  if (typeof mediaType !== "string" || normalizeMediaType(mediaType) !== mediaType || mediaType === "") {
    throw new UsageError(
      `putManifest() needs a lower-case media type without parameters, got ${JSON.stringify(String(mediaType)).slice(0, 100)}`,
    );
  }
  const where = `manifest ${describeReference(context, reference)}`;
  const requested = checkDigestReference(reference);
  const parsed: ParsedManifest | undefined = isManifestMediaType(mediaType)
    ? parseManifest(bytes, mediaType)
    : undefined;
  const digest = digestOf(bytes, requested === undefined ? "sha256" : digestAlgorithm(requested));
  if (requested !== undefined && digest !== requested) {
    throw new DigestMismatchError(requested, digest, where);
  }
  let response: Awaited<ReturnType<typeof sendRoute>>;
  try {
    response = await sendRoute(
      context,
      "manifest-put",
      { reference },
      { headers: { "content-type": mediaType }, body: bytes, signal: options.signal },
    );
  } catch (error) {
    throw mapNotFound(error, `repository ${context.registry}/${context.repository}`);
  }
  await response.dump();
  const claimed = headerValue(response.headers["docker-content-digest"]);
  if (
    claimed !== undefined &&
    isDigest(claimed) &&
    digestAlgorithm(claimed) === digestAlgorithm(digest) &&
    claimed !== digest
  ) {
    throw new DigestMismatchError(digest, claimed, `${where} (the registry's Docker-Content-Digest)`);
  }
  const descriptor: Descriptor = { mediaType, digest, size: bytes.length };
  if (parsed?.manifest.subject !== undefined && headerValue(response.headers["oci-subject"]) === undefined) {
    await updateReferrersTag(context, descriptor, bytes, { signal: options.signal });
  }
  return descriptor;
}
