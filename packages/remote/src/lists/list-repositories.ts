import { InvalidResponseError, redactUrl, UsageError } from "@stevedore/core";
import { buildUrl, scopesFor } from "@stevedore/routing";
import type { Transport, TransportResponse } from "@stevedore/transport";
import { maxPageBytes } from "./list-tags.js";
import { paginate } from "./paginate.js";

/** Options of {@link listRepositories}. */
export interface ListRepositoriesOptions {
  /** Repositories per page (`?n=`); without it the registry picks. Pages are followed either way. */
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * The repositories of a registry (`GET /v2/_catalog[?n=]`, `spec/PROTOCOL.md` §3, §6), following `Link`
 * headers. Not part of OCI: many registries answer 404, 401 or an empty list. It needs the token scope
 * `registry:catalog:*`. `baseUrl` is the registry root (`transport.baseUrl(host)`).
 *
 * @example
 * ```ts
 * for await (const name of listRepositories(transport, transport.baseUrl("127.0.0.1:5000"))) console.log(name);
 * ```
 */
export async function* listRepositories(
  transport: Transport,
  baseUrl: URL | string,
  options: ListRepositoriesOptions = {},
): AsyncGenerator<string, void, undefined> {
  const { pageSize } = options;
  if (pageSize !== undefined && (!Number.isSafeInteger(pageSize) || pageSize < 1)) {
    throw new UsageError(`pageSize must be a positive integer, got ${String(pageSize)}`);
  }
  const params = pageSize === undefined ? {} : { n: pageSize };
  yield* paginate({
    transport,
    url: buildUrl(baseUrl, "catalog", params),
    scopes: scopesFor("catalog", params),
    signal: options.signal,
    read: readCatalogPage,
  });
}

async function readCatalogPage(response: TransportResponse): Promise<string[]> {
  const page = await response.json(maxPageBytes);
  const where = redactUrl(response.url);
  if (typeof page !== "object" || page === null || Array.isArray(page)) {
    throw new InvalidResponseError(`${where}: the catalog is not a JSON object`);
  }
  const repositories = (page as { repositories?: unknown }).repositories;
  if (repositories === undefined || repositories === null) return [];
  if (!Array.isArray(repositories) || !repositories.every((name) => typeof name === "string")) {
    throw new InvalidResponseError(`${where}: "repositories" is not a list of strings`);
  }
  return repositories as string[];
}
