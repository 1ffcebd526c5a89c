/**
 * The referrers tag schema, the fallback for registries without the referrers API (`spec/PROTOCOL.md`
 * §7.2): an OCI index under the tag `<alg>-<encoded>` of the subject lists the manifests that refer to it.
 */

import { verifyBytes } from "@stevedore/blob";
import type { Descriptor } from "@stevedore/core";
import {
  DigestMismatchError,
  defaultManifestMaxBytes,
  digestOf,
  ManifestError,
  MediaType,
  manifestMediaTypes,
  parseDigest,
  parseManifest,
  referrerEntryOf,
  referrersTagFor,
  UsageError,
} from "@stevedore/core";
import { buildUrl, scopesFor } from "@stevedore/routing";
import type { RemoteContext } from "../remote-context.js";
import { headerValue } from "../upload/upload-requests.js";

/** Options of {@link updateReferrersTag}. */
export interface UpdateReferrersTagOptions {
  signal?: AbortSignal;
}

/** Read-modify-write rounds before a tag that keeps changing under us (`412`) is reported. */
const maxRounds = 5;

/** Core's rule, re-exported for this package's tests. */
export { referrersTagFor };

/**
 * Records `manifest` — just pushed, with a `subject`, to a registry whose response had no `OCI-Subject` —
 * in the referrers tag of its subject (§7.2): `GET` the tag (a `404` starts an empty OCI index), add the
 * manifest's descriptor unless it is already listed (`artifactType` from the manifest, else its config's
 * media type, never for an index; its annotations copied, §7.1), and `PUT` the index back to the tag, with
 * `If-Match` when the registry gave an `ETag`. A `412` (someone else updated the tag meanwhile) starts the
 * round again, up to 5 times.
 *
 * @throws UsageError when the manifest has no `subject`; `DigestMismatchError` / `SizeMismatchError` when
 *   `manifestBytes` do not match `manifest`; `ManifestError` when the bytes are no manifest or the tag
 *   holds something other than an OCI image index; `RegistryResponseError`, `AbortError`.
 * @example
 * const response = await putManifest(context, signature, bytes);
 * if (!response.subject) await updateReferrersTag(context, signature, bytes);
 */
export async function updateReferrersTag(
  context: RemoteContext,
  manifest: Descriptor,
  manifestBytes: Uint8Array,
  options: UpdateReferrersTagOptions = {},
): Promise<void> {
  const entry = referrerDescriptor(manifest, manifestBytes);
  await rewriteReferrersTag(context, entry.subject, options.signal, (manifests) =>
    manifests.some((listed) => isDescriptorOf(listed, entry.descriptor.digest))
      ? undefined
      : [...manifests, entry.descriptor],
  );
}

/**
 * Takes `digest` out of the referrers tag of `subject` (§7.2, the delete case: the manifest was deleted
 * from a registry without the referrers API): `GET` the tag, drop the entry, and `PUT` the index back with
 * `If-Match` as {@link updateReferrersTag} does — or, when nothing is left, delete the index (by digest,
 * which removes the tag with it). A missing tag, or one that does not list `digest`, is left alone.
 *
 * @throws ManifestError when the tag holds something other than an OCI image index;
 *   `RegistryResponseError`, `AbortError`.
 */
export async function removeFromReferrersTag(
  context: RemoteContext,
  subject: string,
  digest: string,
  options: UpdateReferrersTagOptions = {},
): Promise<void> {
  parseDigest(subject);
  await rewriteReferrersTag(context, subject, options.signal, (manifests) =>
    manifests.some((listed) => isDescriptorOf(listed, digest))
      ? manifests.filter((listed) => !isDescriptorOf(listed, digest))
      : undefined,
  );
}

/**
 * The read-modify-write of a referrers tag: `change` gets the listed descriptors (an empty list for a
 * missing tag) and returns the new list, or `undefined` to leave the tag as it is. An empty new list for a
 * tag that exists deletes the index. A `412` starts the round again, up to {@link maxRounds} times.
 */
async function rewriteReferrersTag(
  context: RemoteContext,
  subject: string,
  signal: AbortSignal | undefined,
  change: (manifests: readonly unknown[]) => unknown[] | undefined,
): Promise<void> {
  // Writers in this process take turns per tag: without If-Match (distribution 2.8 ignores it) two
  // read-modify-writes that overlap lose one entry. Other processes are caught by the re-read below.
  const key = `${context.baseUrl}|${context.repository}|${referrersTagFor(subject)}`;
  const previous = tagWriters.get(key) ?? Promise.resolve();
  const mine = previous.then(() => rewriteOnce(context, subject, signal, change));
  const settled = mine.catch(() => undefined);
  tagWriters.set(key, settled);
  try {
    return await mine;
  } finally {
    if (tagWriters.get(key) === settled) tagWriters.delete(key);
  }
}

/** The write in progress per registry, repository and referrers tag, in this process. */
const tagWriters = new Map<string, Promise<unknown>>();

async function rewriteOnce(
  context: RemoteContext,
  subject: string,
  signal: AbortSignal | undefined,
  change: (manifests: readonly unknown[]) => unknown[] | undefined,
): Promise<void> {
  const tag = referrersTagFor(subject);
  const name = context.repository;
  // One push token serves the GET and the PUT (a push token also reads, §11.4).
  const scopes = scopesFor("manifest-put", { name });
  const url = buildUrl(context.baseUrl, "manifest-put", { name, reference: tag });
  const getTag = () =>
    context.transport.send({
      method: "GET",
      url,
      headers: { accept: manifestMediaTypes.join(", ") },
      scopes,
      expect: [200, 404],
      ...(signal ? { signal } : {}),
    });
  for (let round = 1; ; round += 1) {
    const current = await getTag();
    let index: { manifests: unknown[] } & Record<string, unknown>;
    let etag: string | undefined;
    let stored: string | undefined;
    if (current.status === 404) {
      await current.dump();
      index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
    } else {
      const bytes = await current.bytes(defaultManifestMaxBytes);
      index = readIndex(bytes, headerValue(current, "content-type"), `${name}:${tag}`);
      stored = digestOf(bytes);
      // A weak ETag never matches If-Match (RFC 9110 §13.1.1): without a strong one, write unconditionally.
      const tagged = headerValue(current, "etag")?.trim();
      etag = tagged?.startsWith('"') ? tagged : undefined;
    }
    const manifests = change(index.manifests);
    if (manifests === undefined) return;
    if (manifests.length === 0 && stored !== undefined) {
      // Deleting the index by digest removes the tag too (§8); nobody else's entry is lost, since the
      // index held only the one being removed.
      const response = await context.transport.send({
        method: "DELETE",
        url: buildUrl(context.baseUrl, "manifest-delete", { name, reference: stored }),
        scopes: scopesFor("manifest-delete", { name }),
        expect: [202, 404],
        ...(signal ? { signal } : {}),
      });
      await response.dump();
      return;
    }
    const body = new TextEncoder().encode(JSON.stringify({ ...index, manifests }));
    const response = await context.transport.send({
      method: "PUT",
      url,
      headers: {
        "content-type": MediaType.OciIndex,
        ...(etag === undefined ? {} : { "if-match": etag }),
      },
      body,
      scopes,
      // On the last round a 412 is the caller's error.
      expect: round < maxRounds ? [201, 412] : [201],
      ...(signal ? { signal } : {}),
    });
    await response.dump();
    if (response.status === 412) continue;
    const confirmed = headerValue(response, "docker-content-digest")?.trim();
    const digest = digestOf(body);
    if (confirmed !== undefined && confirmed !== "" && confirmed !== digest) {
      throw new DigestMismatchError(digest, confirmed, `the referrers index ${name}:${tag}`);
    }
    // Without a strong ETag the PUT was unconditional: another process may have written between our GET
    // and PUT, or may write over us. Read the tag back; when our change is not in it, do it again.
    if (etag !== undefined || round >= maxRounds) return;
    const check = await getTag();
    if (check.status === 404) {
      await check.dump();
      if (manifests.length === 0) return;
      continue;
    }
    const reread = readIndex(
      await check.bytes(defaultManifestMaxBytes),
      headerValue(check, "content-type"),
      `${name}:${tag}`,
    );
    if (change(reread.manifests) === undefined) return;
  }
}

/** The descriptor a referrers index lists for `manifest` (§7.1), and its subject. */
function referrerDescriptor(
  manifest: Descriptor,
  bytes: Uint8Array,
): { descriptor: Descriptor; subject: string } {
  if (typeof manifest !== "object" || manifest === null) {
    throw new UsageError("updateReferrersTag() needs the manifest's descriptor");
  }
  const digest = parseDigest(manifest.digest);
  if (!(bytes instanceof Uint8Array)) throw new UsageError("updateReferrersTag() needs the manifest bytes");
  // SizeMismatchError or DigestMismatchError before anything is sent.
  verifyBytes(bytes, manifest, { where: `manifest ${digest}` });
  const entry = referrerEntryOf(bytes, manifest.mediaType);
  if (entry === undefined) throw new UsageError(`manifest ${digest} has no subject to be a referrer of`);
  // The descriptor's own digest: it may be sha512, where core's entry hashes with sha256.
  const descriptor: Descriptor = { ...entry.descriptor, digest };
  const subject = entry.subject;
  return { descriptor, subject };
}

/** The tag's content as a JSON object with `manifests`, when it is an OCI image index. */
function readIndex(
  bytes: Uint8Array,
  contentType: string | undefined,
  where: string,
): { manifests: unknown[] } & Record<string, unknown> {
  const parsed = parseManifest(bytes, contentType);
  if (parsed.kind !== "index" || parsed.mediaType !== MediaType.OciIndex) {
    throw new ManifestError(
      `the referrers tag ${where} holds ${parsed.mediaType}, not an OCI image index (spec §7.2)`,
    );
  }
  // The raw object, not the parsed one, so fields stevedore does not know survive the rewrite.
  const raw = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  return { ...raw, manifests: Array.isArray(raw.manifests) ? [...raw.manifests] : [] };
}

function isDescriptorOf(value: unknown, digest: string): boolean {
  return typeof value === "object" && value !== null && (value as { digest?: unknown }).digest === digest;
}
