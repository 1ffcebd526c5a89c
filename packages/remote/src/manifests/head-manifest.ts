import type { Descriptor, TargetCallOptions } from "@stevedore/core";
import {
  DigestMismatchError,
  digestAlgorithm,
  isDigest,
  NotFoundError,
  normalizeMediaType,
} from "@stevedore/core";
import { headerValue } from "../header-value.js";
import { describeReference } from "../not-found.js";
import type { RemoteContext } from "../remote-context.js";
import { sendRoute } from "../send-route.js";
import { checkDigestReference } from "./check-digest-reference.js";
import { getManifest, manifestAccept } from "./get-manifest.js";

/** `Content-Type` values that do not name a manifest kind: the body must be read to know it (§5.4). */
const vagueTypes = new Set(["", "application/json", "application/octet-stream", "text/plain"]);

/**
 * Statuses of a registry (or a proxy in front of it) that does not do HEAD on manifests: 405 Method Not
 * Allowed, 501 Not Implemented. The GET answers the same question, as crane's `digest` does after any
 * failed HEAD; other refusals (401, 403, 5xx) would refuse the GET too and stay errors.
 */
const headUnsupported = [405, 501];

/** Options of {@link headManifest}. */
export interface HeadManifestOptions extends TargetCallOptions {
  /**
   * When the HEAD falls back to a GET, larger manifests are refused with a `ManifestError`. Default: the
   * context's `maxManifestBytes`.
   */
  maxBytes?: number;
}

/**
 * The descriptor of a manifest without downloading it (`HEAD /v2/<name>/manifests/<reference>`, end-3),
 * or `undefined` when the registry answers 404.
 *
 * The digest comes from `Docker-Content-Digest`. When that header is missing (older registries), or the
 * `Content-Type` or `Content-Length` are missing or vague, or the registry does not answer HEAD at all
 * (405, 501), it falls back to a verified GET (`spec/PROTOCOL.md` §5.2 "HEAD by tag") limited to
 * `options.maxBytes`. By digest, a header naming another digest of the same algorithm is a
 * `DigestMismatchError`.
 */
export async function headManifest(
  context: RemoteContext,
  reference: string,
  options: HeadManifestOptions = {},
): Promise<Descriptor | undefined> {
  const requested = checkDigestReference(reference);
  // 404 is expected rather than caught: a HEAD has no error body to decode (§9.1).
  const response = await sendRoute(
    context,
    "manifest-head",
    { reference },
    { headers: { accept: manifestAccept }, signal: options.signal, expect: [200, 404, ...headUnsupported] },
  );
  await response.dump();
  if (response.status === 404) return undefined;
  if (headUnsupported.includes(response.status)) return fallback(context, reference, options);
  const claimed = headerValue(response.headers["docker-content-digest"]);
  const mediaType = normalizeMediaType(headerValue(response.headers["content-type"]) ?? "");
  const size = Number(headerValue(response.headers["content-length"]));
  if (
    claimed === undefined ||
    !isDigest(claimed) ||
    vagueTypes.has(mediaType) ||
    !Number.isSafeInteger(size) ||
    size < 0
  ) {
    return fallback(context, reference, options);
  }
  if (requested === undefined) return { mediaType, digest: claimed, size };
  if (claimed !== requested && digestAlgorithm(claimed) === digestAlgorithm(requested)) {
    throw new DigestMismatchError(requested, claimed, `manifest ${describeReference(context, reference)}`);
  }
  return { mediaType, digest: requested, size };
}

async function fallback(
  context: RemoteContext,
  reference: string,
  options: HeadManifestOptions,
): Promise<Descriptor | undefined> {
  try {
    return (await getManifest(context, reference, options)).descriptor;
  } catch (error) {
    // getManifest maps a 404 to NotFoundError; HEAD answers "absent" with undefined instead.
    if (NotFoundError.isInstance(error)) return undefined;
    throw error;
  }
}
