import type { TargetCallOptions } from "@stevedore/core";
import { InvalidResponseError, isReferrersTag, redactUrl, UsageError } from "@stevedore/core";
import { buildUrl, scopesFor } from "@stevedore/routing";
import type { TransportResponse } from "@stevedore/transport";
import { mapNotFound } from "../not-found.js";
import type { RemoteContext } from "../remote-context.js";
import { paginate } from "./paginate.js";

/** Options of {@link listTags}. */
export interface ListTagsOptions extends TargetCallOptions {
  /** Tags per page (`?n=`); without it the registry picks. Pages are followed either way. */
  pageSize?: number;
  /**
   * Leave out tags of the referrers tag schema (`sha256-<64 hex>`, `spec/PROTOCOL.md` §7.2), which hold
   * referrer indexes rather than images (oras calls this `--exclude-digest-tags`). Default: the remote's
   * `excludeReferrersTags` option.
   */
  excludeReferrersTags?: boolean;
  /**
   * What a 404 on the first page means. `"empty"` (default): a repository nothing was pushed to yet, which
   * some registries answer with 404 (§6), so a `Target` starts out with no tags. `"error"`: a
   * `NotFoundError` naming the repository, for users who asked for this repository's tags (`stevedore ls`).
   */
  missingRepository?: "empty" | "error";
}

/** Largest page body read, in bytes: a page of 10 000 long tags is ~1.5 MB. */
export const maxPageBytes: number = 16 * 1024 * 1024;

/**
 * The repository's tags (`GET /v2/<name>/tags/list[?n=]`, end-8), in the registry's order, following
 * `Link` headers to the last page (`spec/PROTOCOL.md` §6). `tags: null` or a missing `tags` field is an
 * empty page; a 404 for the first page is an empty repository (§6: a never-pushed repository may answer
 * either). Malformed pages are an `InvalidResponseError`.
 */
export async function* listTags(
  context: RemoteContext,
  options: ListTagsOptions = {},
): AsyncGenerator<string, void, undefined> {
  const { pageSize } = options;
  if (pageSize !== undefined && (!Number.isSafeInteger(pageSize) || pageSize < 1)) {
    throw new UsageError(`pageSize must be a positive integer, got ${String(pageSize)}`);
  }
  const params = { name: context.repository, ...(pageSize === undefined ? {} : { n: pageSize }) };
  const tags = paginate({
    transport: context.transport,
    url: buildUrl(context.baseUrl, "tags-list", params),
    scopes: scopesFor("tags-list", params),
    signal: options.signal,
    read: readTagsPage,
    onNotFound: async function* (error) {
      if (options.missingRepository === "error") {
        throw mapNotFound(error, `repository ${context.registry}/${context.repository}`);
      }
      yield* [];
    },
  });
  const excludeReferrersTags = options.excludeReferrersTags ?? context.options.excludeReferrersTags;
  for await (const tag of tags) {
    if (excludeReferrersTags && isReferrersTag(tag)) continue;
    yield tag;
  }
}

async function readTagsPage(response: TransportResponse): Promise<string[]> {
  const page = await response.json(maxPageBytes);
  const where = redactUrl(response.url);
  if (typeof page !== "object" || page === null || Array.isArray(page)) {
    throw new InvalidResponseError(`${where}: the tags list is not a JSON object`);
  }
  const tags = (page as { tags?: unknown }).tags;
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === "string")) {
    throw new InvalidResponseError(`${where}: "tags" is not a list of strings`);
  }
  return tags as string[];
}
