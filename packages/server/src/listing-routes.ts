/**
 * Internal: tag lists and the catalog with `n`, `last` and `Link` (`spec/PROTOCOL.md` §6), and the
 * referrers API with `artifactType` filtering (§7.1).
 */
import { isDigest, MediaType, parseManifest } from "@stevedore/core";
import { checkDigest } from "./blob-routes.js";
import { sendJson } from "./http-helpers.js";
import { RegistryApiError } from "./registry-api-error.js";
import type { ReferrerEntry, RouteContext } from "./route-context.js";

/** GET `tags/list`: byte-ordered tags, paginated; 404 NAME_UNKNOWN for an unknown repository. */
export async function listTags(context: RouteContext): Promise<void> {
  const name = context.params.name ?? "";
  const tags = await context.state.storage.listTags(name);
  if (tags === undefined) throw new RegistryApiError(404, "NAME_UNKNOWN", `repository ${name} is not known`);
  const { items, link } = paginate(context, tags, `/v2/${name}/tags/list`);
  await sendJson(context.response, 200, { name, tags: items }, link, context.fault);
}

/** GET `/v2/_catalog`: byte-ordered repository names, paginated. */
export async function listCatalog(context: RouteContext): Promise<void> {
  const repositories = await context.state.storage.listRepositories();
  const { items, link } = paginate(context, repositories, "/v2/_catalog");
  await sendJson(context.response, 200, { repositories: items }, link, context.fault);
}

/**
 * Sorts in byte order (the suite on `main` checks that, §6), starts after `last`, keeps `n` and links
 * the next page when more remain. `n=0` gives an empty page and no `Link`.
 */
function paginate(
  context: RouteContext,
  all: string[],
  path: string,
): { items: string[]; link: Record<string, string> } {
  const { n, last } = context.params;
  if (n !== undefined && !Number.isSafeInteger(n)) {
    throw new RegistryApiError(400, "PAGINATION_NUMBER_INVALID", "n must be a non-negative integer");
  }
  const sorted = [...all].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const after =
    last === undefined
      ? sorted
      : sorted.filter((item) => Buffer.compare(Buffer.from(item), Buffer.from(last)) > 0);
  if (n === undefined || after.length <= n) return { items: after, link: {} };
  const items = after.slice(0, n);
  const end = items[items.length - 1];
  if (end === undefined) return { items, link: {} };
  const next = `${path}?${new URLSearchParams({ n: String(n), last: end }).toString()}`;
  return { items, link: { Link: `<${next}>; rel="next"` } };
}

/**
 * GET `referrers/<digest>`: an image index of the manifests whose subject is `digest`; never 404. With
 * `referrersPageSize`, at most that many per page in digest order, and a `Link` to the next page, whose
 * `last` query parameter (the server's own cursor, opaque to clients) is the last digest listed.
 */
export async function listReferrers(context: RouteContext): Promise<void> {
  const { storage, referrers, referrersPageSize } = context.state;
  const name = context.params.name ?? "";
  const subject = checkDigest(context.params.digest);
  const filter = context.query.getAll("artifactType");
  const last = context.query.get("last");
  const manifests: ReferrerEntry["descriptor"][] = [];
  let link: Record<string, string> = {};
  for (const digest of (await storage.listManifests(name)).sort()) {
    if (last !== null && digest <= last) continue;
    let entry = referrers.get(digest);
    if (entry === undefined) {
      const stored = await storage.getManifest(name, digest);
      if (stored === undefined) continue;
      entry = referrerEntry(digest, stored.bytes, stored.mediaType);
      referrers.set(digest, entry);
    }
    if (entry === null || entry.subject !== subject) continue;
    if (filter.length > 0 && !filter.includes(entry.descriptor.artifactType ?? "")) continue;
    if (manifests.length === referrersPageSize) {
      const query = new URLSearchParams();
      for (const type of filter) query.append("artifactType", type);
      query.set("last", manifests[manifests.length - 1]?.digest ?? "");
      link = { Link: `</v2/${name}/referrers/${subject}?${query.toString()}>; rel="next"` };
      break;
    }
    manifests.push(entry.descriptor);
  }
  await sendJson(
    context.response,
    200,
    { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests },
    {
      "Content-Type": MediaType.OciIndex,
      ...(filter.length > 0 ? { "OCI-Filters-Applied": "artifactType" } : {}),
      ...link,
    },
    context.fault,
  );
}

/** The referrers descriptor of a stored manifest (§7.1 `artifactType` rules), or null without a subject. */
function referrerEntry(digest: string, bytes: Uint8Array, mediaType: string): ReferrerEntry | null {
  let parsed: ReturnType<typeof parseManifest>;
  try {
    parsed = parseManifest(bytes, mediaType, { maxBytes: Math.max(bytes.length, 1) });
  } catch {
    return null;
  }
  const subject = parsed.manifest.subject?.digest;
  if (subject === undefined || !isDigest(subject)) return null;
  const artifactType =
    parsed.manifest.artifactType ?? (parsed.kind === "image" ? parsed.manifest.config.mediaType : undefined);
  const descriptor: ReferrerEntry["descriptor"] = { mediaType: parsed.mediaType, digest, size: bytes.length };
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  if (parsed.manifest.annotations !== undefined) descriptor.annotations = parsed.manifest.annotations;
  return { subject, descriptor };
}
