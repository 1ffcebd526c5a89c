import type { Descriptor, ParsedManifest, TargetCallOptions } from "@stevedore/core";
import {
  DigestMismatchError,
  digestAlgorithm,
  digestOf,
  errorCode,
  InvalidHeaderError,
  InvalidResponseError,
  isDigest,
  ManifestError,
  MediaType,
  manifestMediaTypes,
  manifestTooLargeError,
  NetworkError,
  normalizeMediaType,
  parseManifest,
  supportedDigestAlgorithms,
} from "@stevedore/core";
import { headerValue } from "../header-value.js";
import { describeReference, mapNotFound } from "../not-found.js";
import type { RemoteContext } from "../remote-context.js";
import { sendRoute } from "../send-route.js";
import { checkDigestReference } from "./check-digest-reference.js";

/** Options of {@link getManifest}. */
export interface GetManifestOptions extends TargetCallOptions {
  /** Larger manifests are refused. Default: the context's `maxManifestBytes` (4 MiB unless set). */
  maxBytes?: number;
}

/** A manifest as pulled: its descriptor, its exact bytes and the validated document. */
export interface ManifestResult {
  /** `mediaType` from the document or the `Content-Type`, `digest` verified, `size` of `bytes`. */
  descriptor: Descriptor;
  /** The exact bytes served; their digest is the manifest's identity (§5.1). */
  bytes: Uint8Array;
  parsed: ParsedManifest;
}

/** Every manifest type stevedore handles: omitting one lets distribution 404 or rewrite the answer (§5.5). */
export const manifestAccept: string = manifestMediaTypes.join(", ");

/**
 * Pulls a manifest by tag or digest (`GET /v2/<name>/manifests/<reference>`, end-3) with every manifest
 * media type in `Accept`, and verifies it (§5.2):
 *
 * - by digest, the bytes must hash to that digest;
 * - by tag, the hash of the bytes is the digest; a `Docker-Content-Digest` header must match it
 *   (recomputed with the header's algorithm when that is sha512);
 * - the document's `mediaType` must agree with the `Content-Type` (parameters stripped); schema 1 is refused.
 *
 * Throws `NotFoundError` (cause: the registry's `RegistryResponseError`) for a 404, `DigestMismatchError`,
 * `ManifestError` for an invalid, mismatched or oversized manifest, and the transport's errors otherwise.
 */
export async function getManifest(
  context: RemoteContext,
  reference: string,
  options: GetManifestOptions = {},
): Promise<ManifestResult> {
  const requested = checkDigestReference(reference);
  const maxBytes = options.maxBytes ?? context.options.maxManifestBytes;
  const where = `manifest ${describeReference(context, reference)}`;
  // One error whether the size was declared or the body just kept coming (issue 13, point 6).
  const tooLarge = () => manifestTooLargeError(where, maxBytes);
  let response: Awaited<ReturnType<typeof sendRoute>>;
  let bytes: Uint8Array;
  for (let restarts = 0; ; restarts++) {
    try {
      response = await sendRoute(
        context,
        "manifest-get",
        { reference },
        { headers: { accept: manifestAccept }, signal: options.signal },
      );
    } catch (error) {
      throw mapNotFound(error, where);
    }
    const declared = Number(headerValue(response.headers["content-length"]));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.dump();
      throw tooLarge();
    }
    try {
      bytes = await response.bytes(maxBytes, tooLarge);
      break;
    } catch (error) {
      // A body cut after the transport's retries, or resumed by them with `Range` from a registry that
      // answered 200 (undici's UND_ERR_REQ_RETRY): a manifest is small, so ask for all of it again.
      const again = !options.signal?.aborted && cutBody(error) && restarts < context.options.resumeAttempts;
      if (!again) throw error;
    }
  }
  const contentType = headerValue(response.headers["content-type"]);
  let digest: string;
  try {
    digest = requested === undefined ? digestByTag(bytes, response.headers, where) : requested;
    if (requested !== undefined) {
      const actual = digestOf(bytes, digestAlgorithm(requested));
      if (actual !== requested) throw new DigestMismatchError(requested, actual, where);
    }
  } catch (error) {
    // §18: the digest of a signed schema 1 manifest is the hash of its JWS payload, never of the body, so
    // it always "mismatches": say what the document is rather than call it corrupt.
    throw (DigestMismatchError.isInstance(error) && schema1Refusal(bytes, contentType, maxBytes)) || error;
  }
  const parsed = parseManifest(bytes, contentType, { maxBytes });
  return { descriptor: { mediaType: parsed.mediaType, digest, size: bytes.length }, bytes, parsed };
}

/** A body that failed part-way: cut, or resumed by the transport from a registry that ignores `Range`. */
function cutBody(error: unknown): boolean {
  if (NetworkError.isInstance(error)) return true;
  return InvalidResponseError.isInstance(error) && errorCode(error.cause) === "UND_ERR_REQ_RETRY";
}

/**
 * The `ManifestError` refusing a Docker schema 1 body (recognised by its `Content-Type` or its
 * `schemaVersion`, §5.6), or `undefined` for any other body.
 */
function schema1Refusal(
  bytes: Uint8Array,
  contentType: string | undefined,
  maxBytes: number,
): ManifestError | undefined {
  const type = normalizeMediaType(contentType ?? "");
  let schema1 = type === MediaType.DockerSchema1Manifest || type === MediaType.DockerSchema1SignedManifest;
  try {
    schema1 ||=
      (JSON.parse(Buffer.from(bytes).toString("utf8")) as { schemaVersion?: unknown } | null)
        ?.schemaVersion === 1;
  } catch {
    // Not JSON: not schema 1 either.
  }
  if (!schema1) return undefined;
  try {
    parseManifest(bytes, contentType, { maxBytes });
  } catch (refusal) {
    if (ManifestError.isInstance(refusal)) return refusal;
  }
  return undefined;
}

/** By tag the body's hash is the digest; the registry's claim, when made, must agree (§5.2). */
function digestByTag(
  bytes: Uint8Array,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  where: string,
): string {
  const claimed = headerValue(headers["docker-content-digest"]);
  if (claimed === undefined) return digestOf(bytes);
  if (!isDigest(claimed)) {
    throw new InvalidHeaderError("Docker-Content-Digest", `${where}: not a digest`);
  }
  const algorithm = digestAlgorithm(claimed);
  // An algorithm we cannot compute cannot be checked: the sha256 of the bytes stays the identity.
  if (!supportedDigestAlgorithms.includes(algorithm)) return digestOf(bytes);
  const actual = digestOf(bytes, algorithm);
  if (actual !== claimed) throw new DigestMismatchError(claimed, actual, where);
  return claimed;
}
