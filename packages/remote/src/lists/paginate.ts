import type { Scope } from "@stevedore/core";
import { InvalidResponseError, RegistryResponseError, redactUrl } from "@stevedore/core";
import { parseLinkHeader } from "@stevedore/routing";
import type { Transport, TransportResponse } from "@stevedore/transport";

/** What {@link paginate} requests and how it reads each page. */
export interface PaginateOptions<T> {
  transport: Transport;
  /** The first page. */
  url: URL;
  scopes: readonly Scope[];
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Reads the items of one page; it may throw to reject the page. */
  read: (response: TransportResponse) => Promise<readonly T[]>;
  /** Called instead of throwing when the FIRST page is a 404; its items are yielded instead. */
  onNotFound?: (error: RegistryResponseError) => AsyncIterable<T>;
}

/**
 * Internal: the items of a paginated list (tags, catalog, referrers), page after page, following the
 * registry's `Link: <…>; rel="next"` (`spec/PROTOCOL.md` §6, §7.1). It stops only when a page has no next
 * link — never because a page held fewer items than asked for (§18). A next page on another origin is
 * refused (credentials for this registry must not follow it), and so is a link back to a page already
 * read, which would never end.
 */
export async function* paginate<T>(options: PaginateOptions<T>): AsyncGenerator<T, void, undefined> {
  const { transport, scopes, read } = options;
  const seen = new Set<string>();
  let url: URL | undefined = options.url;
  while (url !== undefined) {
    seen.add(url.href);
    let response: TransportResponse;
    try {
      response = await transport.send({
        method: "GET",
        url,
        scopes,
        signal: options.signal,
        ...(options.headers === undefined ? {} : { headers: options.headers }),
      });
    } catch (error) {
      if (
        seen.size === 1 &&
        options.onNotFound !== undefined &&
        RegistryResponseError.isInstance(error) &&
        error.status === 404
      ) {
        yield* options.onNotFound(error);
        return;
      }
      throw error;
    }
    let next: URL | undefined;
    try {
      next = parseLinkHeader(response.headers.link, response.url);
    } catch (error) {
      await response.dump();
      throw error;
    }
    const items = await read(response);
    if (next !== undefined) {
      if (next.origin !== options.url.origin) {
        throw new InvalidResponseError(
          `${redactUrl(response.url)}: the next page ${redactUrl(next)} is on another origin`,
        );
      }
      if (seen.has(next.href)) {
        throw new InvalidResponseError(
          `${redactUrl(response.url)}: the next page link goes back to a page already read`,
        );
      }
    }
    yield* items;
    url = next;
  }
}
