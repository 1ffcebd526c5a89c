/**
 * Internal: manifest GET, HEAD, PUT and DELETE (`spec/PROTOCOL.md` §3.1 end-3, end-7, §5, §8).
 */
import {
  digestAlgorithm,
  digestOf,
  isDigest,
  isTag,
  parseManifest,
  StevedoreError,
  supportedDigestAlgorithms,
} from "@stevedore/core";
import { checkDigest } from "./blob-routes.js";
import { header, readBody, send } from "./http-helpers.js";
import { RegistryApiError } from "./registry-api-error.js";
import type { RouteContext } from "./route-context.js";

/** GET or HEAD of a manifest by tag or digest: the stored bytes with their media type. */
export async function getManifest(context: RouteContext): Promise<void> {
  const { storage } = context.state;
  const name = context.params.name ?? "";
  const digest = await resolveReference(context, name, context.params.reference ?? "");
  const manifest = digest === undefined ? undefined : await storage.getManifest(name, digest);
  if (digest === undefined || manifest === undefined) {
    throw new RegistryApiError(
      404,
      "MANIFEST_UNKNOWN",
      `manifest ${context.params.reference} is not in ${name}`,
    );
  }
  const headers = {
    "Content-Type": manifest.mediaType,
    "Content-Length": manifest.bytes.length,
    "Docker-Content-Digest": digest,
    ETag: `"${digest}"`,
  };
  if (header(context.request, "if-none-match") === `"${digest}"`) {
    await send(context.response, 304, { ETag: headers.ETag, "Docker-Content-Digest": digest });
    return;
  }
  await send(context.response, 200, headers, manifest.bytes, context.fault);
}

/**
 * PUT of a manifest by tag or digest. The bytes are validated and stored exactly; by digest they must
 * hash to it. Blobs and child manifests are not required to exist (non-distributable layers and missing
 * subjects must be accepted, §16.3). `?tag=` on a PUT by digest adds tags (`OCI-Tag`, end-7b).
 */
export async function putManifest(context: RouteContext): Promise<void> {
  const { storage, maxManifestBytes } = context.state;
  const name = context.params.name ?? "";
  const reference = context.params.reference ?? "";
  const byDigest = reference.includes(":");
  if (byDigest) {
    checkDigest(reference);
    if (!supportedDigestAlgorithms.includes(digestAlgorithm(checkDigest(reference)))) {
      throw new RegistryApiError(400, "DIGEST_INVALID", `digest algorithm of ${reference} is not supported`);
    }
  }
  const tooLarge = (): RegistryApiError =>
    new RegistryApiError(413, "MANIFEST_INVALID", `manifest is larger than ${maxManifestBytes} bytes`);
  const bytes = await readBody(context.request, maxManifestBytes, tooLarge);
  let parsed: ReturnType<typeof parseManifest>;
  try {
    parsed = parseManifest(bytes, header(context.request, "content-type"), { maxBytes: maxManifestBytes });
  } catch (error) {
    if (StevedoreError.isInstance(error)) {
      throw new RegistryApiError(400, "MANIFEST_INVALID", error.message);
    }
    throw error;
  }
  const digest = digestOf(bytes, byDigest ? digestAlgorithm(checkDigest(reference)) : "sha256");
  if (byDigest && digest !== reference) {
    throw new RegistryApiError(400, "DIGEST_INVALID", `manifest has digest ${digest}, not ${reference}`);
  }
  const extraTags = byDigest ? context.query.getAll("tag") : [];
  const badTag = extraTags.find((tag): boolean => !isTag(tag));
  if (badTag !== undefined) {
    throw new RegistryApiError(400, "TAG_INVALID", `${JSON.stringify(badTag.slice(0, 140))} is not a tag`);
  }
  await storage.putManifest(name, digest, { mediaType: parsed.mediaType, bytes });
  for (const tag of byDigest ? extraTags : [reference]) await storage.setTag(name, tag, digest);
  const subject = parsed.manifest.subject?.digest;
  await send(context.response, 201, {
    Location: `/v2/${name}/manifests/${digest}`,
    "Docker-Content-Digest": digest,
    "Content-Length": 0,
    ...(subject === undefined ? {} : { "OCI-Subject": subject }),
    ...(extraTags.length === 0 ? {} : { "OCI-Tag": extraTags.join(",") }),
  });
}

/** DELETE of a tag, or of a manifest by digest together with every tag that points at it (§8). */
export async function deleteManifest(context: RouteContext): Promise<void> {
  const { storage } = context.state;
  const name = context.params.name ?? "";
  const reference = context.params.reference ?? "";
  const unknown = new RegistryApiError(404, "MANIFEST_UNKNOWN", `manifest ${reference} is not in ${name}`);
  if (!reference.includes(":")) {
    if (!(await storage.deleteTag(name, reference))) throw unknown;
  } else {
    const digest = checkDigest(reference);
    if (!(await storage.deleteManifest(name, digest))) throw unknown;
    for (const tag of (await storage.listTags(name)) ?? []) {
      if ((await storage.getTag(name, tag)) === digest) await storage.deleteTag(name, tag);
    }
  }
  await send(context.response, 202, { "Content-Length": 0 });
}

async function resolveReference(
  context: RouteContext,
  name: string,
  reference: string,
): Promise<string | undefined> {
  if (reference.includes(":")) {
    if (!isDigest(reference)) {
      throw new RegistryApiError(
        400,
        "DIGEST_INVALID",
        `${JSON.stringify(reference.slice(0, 80))} is not a digest`,
      );
    }
    return reference;
  }
  return context.state.storage.getTag(name, reference);
}
