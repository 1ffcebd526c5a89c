import { isDigestSyntax, isRepositoryName, isTag } from "@stevedore/core";
import { isSessionId } from "./grammar.js";
import { type Route, type RouteName, type RouteParams, routes } from "./routes.js";

/** A request matched to a route, with the values read from its path and query. */
export interface RouteMatch {
  route: Route;
  params: RouteParams;
}

// The endpoints that share a path, by the method that picks one of them.
const manifestRoutes: readonly RouteName[] = [
  "manifest-get",
  "manifest-head",
  "manifest-put",
  "manifest-delete",
];
const blobRoutes: readonly RouteName[] = ["blob-get", "blob-head", "blob-delete"];
const sessionRoutes: readonly RouteName[] = [
  "upload-chunk",
  "upload-complete",
  "upload-status",
  "upload-cancel",
];

/**
 * Finds the route of a request, for a server (`spec/PROTOCOL.md` §3). `target` is the request target as
 * a server sees it (`/v2/team/app/manifests/latest?…`, Node's `request.url`) or a `URL`.
 *
 * How a path is read: repository names may hold `/`, and their components may themselves be
 * `manifests`, `blobs`, `uploads`, `tags`, `list` or `referrers` (the OCI name regex allows them), so the
 * path is read from the right. The last segments pick the endpoint —
 * `manifests/<tag or digest>`, `blobs/<digest>`, `blobs/uploads/` (or `blobs/uploads`),
 * `blobs/uploads/<session id>`, `tags/list`, `referrers/<digest>` — and everything before them is the
 * repository name, which must match the OCI regex. `/v2/a/manifests/manifests/latest` is the manifest
 * `latest` of `a/manifests`; `/v2/a/blobs/uploads/0b1c` is an upload session of `a`, while the same path
 * ending in a digest (which always holds `:`, which session ids never do) matches no route. `/v2/` (or
 * `/v2`) is the ping and `/v2/_catalog` the catalog; `_catalog` can never be a name.
 *
 * A `POST` on `…/blobs/uploads/` is `upload-mount` when `mount` is non-empty, else `upload-single` when
 * `digest` is non-empty, else `upload-start` (a registry treats a mount it cannot do as a start, §4.1).
 *
 * Path values must follow their grammar's shape (§2): tags, the `algorithm:encoded` digest syntax (the
 * algorithm's exact encoding is for the handler to check, so it can answer `400 DIGEST_INVALID`),
 * session ids. Query values are returned as sent and not checked, except `n`, which is a number (`NaN`
 * when it is not a non-negative decimal integer, for a `400 PAGINATION_NUMBER_INVALID`). Query parameters
 * the route does not take (`_state`) are ignored. Returns `undefined` when no route matches: a wrong
 * method, an unknown path, a malformed name, or percent-encoding that does not decode.
 *
 * @example
 * ```ts
 * matchRoute("GET", "/v2/team/app/tags/list?n=10");
 * // { route: routes["tags-list"], params: { name: "team/app", n: 10 } }
 * ```
 */
export function matchRoute(method: string, target: string | URL): RouteMatch | undefined {
  const request = splitTarget(target);
  if (request === undefined) return undefined;
  const { pathname, query } = request;
  if (pathname === "/v2" || pathname === "/v2/") return byMethod(["ping"], method, {}, query);
  if (!pathname.startsWith("/v2/")) return undefined;
  if (pathname === "/v2/_catalog") return byMethod(["catalog"], method, {}, query);

  const segments = decodeSegments(pathname.slice("/v2/".length));
  if (segments === undefined) return undefined;
  const count = segments.length;
  const last = segments[count - 1] ?? "";
  const second = segments[count - 2];
  const third = segments[count - 3];
  const nameOf = (taken: number): string | undefined => {
    const parts = segments.slice(0, count - taken);
    const name = parts.join("/");
    // A "%2F" inside a segment must not become a component separator.
    return parts.every((part) => !part.includes("/")) && isRepositoryName(name) ? name : undefined;
  };

  if (second === "manifests" && (isTag(last) || isDigestSyntax(last))) {
    const name = nameOf(2);
    return name === undefined
      ? undefined
      : byMethod(manifestRoutes, method, { name, reference: last }, query);
  }
  if (second === "blobs" && isDigestSyntax(last)) {
    const name = nameOf(2);
    return name === undefined ? undefined : byMethod(blobRoutes, method, { name, digest: last }, query);
  }
  if (
    (second === "blobs" && last === "uploads") ||
    (third === "blobs" && second === "uploads" && last === "")
  ) {
    const name = nameOf(last === "" ? 3 : 2);
    if (name === undefined || method !== "POST") return undefined;
    const upload: RouteName = query.get("mount")
      ? "upload-mount"
      : query.get("digest")
        ? "upload-single"
        : "upload-start";
    return byMethod([upload], method, { name }, query);
  }
  if (third === "blobs" && second === "uploads" && isSessionId(last)) {
    const name = nameOf(3);
    return name === undefined ? undefined : byMethod(sessionRoutes, method, { name, session: last }, query);
  }
  if (second === "tags" && last === "list") {
    const name = nameOf(2);
    return name === undefined ? undefined : byMethod(["tags-list"], method, { name }, query);
  }
  if (second === "referrers" && isDigestSyntax(last)) {
    const name = nameOf(2);
    return name === undefined ? undefined : byMethod(["referrers"], method, { name, digest: last }, query);
  }
  return undefined;
}

function byMethod(
  candidates: readonly RouteName[],
  method: string,
  pathParams: RouteParams,
  query: URLSearchParams,
): RouteMatch | undefined {
  const route = candidates.map((name) => routes[name]).find((candidate) => candidate.method === method);
  if (route === undefined) return undefined;
  const params: RouteParams = { ...pathParams };
  for (const param of Object.keys(route.query) as (keyof typeof route.query)[]) {
    const value = query.get(param);
    if (value === null) continue;
    if (param === "n") params.n = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
    else params[param] = value;
  }
  return { route, params };
}

function splitTarget(target: string | URL): { pathname: string; query: URLSearchParams } | undefined {
  if (target instanceof URL) return { pathname: target.pathname, query: target.searchParams };
  if (typeof target !== "string") return undefined;
  if (!target.startsWith("/")) {
    // The absolute form (`http://host/v2/…`) of a request target; nothing else is a target.
    try {
      return /^https?:\/\//i.test(target) ? splitTarget(new URL(target)) : undefined;
    } catch {
      return undefined;
    }
  }
  // Split by hand rather than through the URL parser, which would fold `..` segments and backslashes
  // into a different path than the one the client sent.
  const withoutFragment = target.split("#", 1)[0] ?? "";
  const mark = withoutFragment.indexOf("?");
  if (mark === -1) return { pathname: withoutFragment, query: new URLSearchParams() };
  return {
    pathname: withoutFragment.slice(0, mark),
    query: new URLSearchParams(withoutFragment.slice(mark + 1)),
  };
}

function decodeSegments(path: string): string[] | undefined {
  try {
    // A decoded value segment holding "/" fails its grammar; name segments are checked in nameOf.
    return path.split("/").map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}
