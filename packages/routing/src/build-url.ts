import { redactUrl, UsageError } from "@stevedore/core";
import { type PathParamName, type RouteName, type RouteParams, routes } from "./routes.js";
import { validateParams } from "./validate-params.js";

/**
 * Builds the URL of route `routeName` on the registry at `base`.
 *
 * `base` is the registry root, with or without a trailing slash or a path prefix
 * (`https://registry.example:5000`, `http://127.0.0.1:5000/`, `https://proxy.example/mirror`); the API
 * path (`/v2/…`, `spec/PROTOCOL.md` §1) goes after it. Every value is checked first (see
 * {@link validateParams}); query values are set through `URLSearchParams`.
 *
 * Upload session routes (`upload-chunk`, `upload-complete`, `upload-status`, `upload-cancel`) build the
 * server's session URL from `params.session`. Clients never do that: they follow the `Location` of the
 * previous response with `resolveUploadUrl` (§1).
 *
 * Throws `UsageError` for a bad base URL, an unknown route or missing params, `InvalidReferenceError`
 * and `InvalidDigestError` for values that break the grammar (§2).
 *
 * @example
 * ```ts
 * buildUrl("https://registry.example:5000", "manifest-get", { name: "team/app", reference: "v1.2" });
 * // https://registry.example:5000/v2/team/app/manifests/v1.2
 * buildUrl("https://registry.example", "tags-list", { name: "team/app", n: 50, last: "v1.2" });
 * // https://registry.example/v2/team/app/tags/list?n=50&last=v1.2
 * ```
 */
export function buildUrl(base: string | URL, routeName: RouteName, params: RouteParams = {}): URL {
  validateParams(routeName, params);
  const url = parseBase(base);
  const route = routes[routeName];
  // Every placeholder value was checked against a grammar of path-safe characters ([a-zA-Z0-9._:+=/-]),
  // so putting it into the template cannot add a segment, a query or a fragment; the pathname setter
  // still percent-encodes anything unexpected.
  const path = route.path.replace(/\{(\w+)\}/g, (_, param: string) => String(params[param as PathParamName]));
  url.pathname = url.pathname.replace(/\/+$/, "") + path;
  for (const param of Object.keys(route.query) as (keyof typeof route.query)[]) {
    const value = params[param];
    if (value !== undefined) url.searchParams.set(param, String(value));
  }
  return url;
}

function parseBase(base: string | URL): URL {
  let url: URL;
  try {
    url = new URL(base instanceof URL ? base.href : String(base));
  } catch {
    throw new UsageError(`invalid registry base URL ${JSON.stringify(redactUrl(String(base)))}`);
  }
  // Redacted only for a message: built for every request, a base URL is almost always fine.
  const shown = (): string => JSON.stringify(redactUrl(url));
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`registry base URL ${shown()} must use https: or http:`);
  }
  if (url.username !== "" || url.password !== "") {
    // Credentials belong to the auth strategy; URLs end up in logs and error messages.
    throw new UsageError(`registry base URL ${shown()} must not carry user info`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new UsageError(`registry base URL ${shown()} must not carry a query or fragment`);
  }
  if (/\/v2\/?$/.test(url.pathname)) {
    throw new UsageError(`registry base URL ${shown()} must be the registry root, without /v2`);
  }
  return url;
}
