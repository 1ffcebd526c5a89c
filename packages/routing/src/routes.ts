/**
 * The route table of the registry API (`spec/PROTOCOL.md` §3): every endpoint as a named route with its
 * method, path template, query parameters and the token scope action it needs (§11.4).
 */

/** The name of a route in {@link routes}. */
export type RouteName =
  | "ping"
  | "catalog"
  | "manifest-get"
  | "manifest-head"
  | "manifest-put"
  | "manifest-delete"
  | "blob-get"
  | "blob-head"
  | "blob-delete"
  | "upload-start"
  | "upload-single"
  | "upload-mount"
  | "upload-chunk"
  | "upload-complete"
  | "upload-status"
  | "upload-cancel"
  | "tags-list"
  | "referrers";

/** The HTTP methods the API uses. */
export type RouteMethod = "GET" | "HEAD" | "PUT" | "POST" | "PATCH" | "DELETE";

/**
 * The token action a route needs (§11.4): `pull`, `push` (granted together with `pull`), `delete`, or `*`
 * on the `registry:catalog` resource.
 */
export type RouteAction = "pull" | "push" | "delete" | "*";

/** Parameters of the path templates. */
export type PathParamName = "name" | "reference" | "digest" | "session";

/** Parameters that travel in the query string, under the same names as in the URL. */
export type QueryParamName = "digest" | "mount" | "from" | "n" | "last" | "artifactType";

/** One endpoint of the API. */
export interface Route {
  readonly name: RouteName;
  readonly method: RouteMethod;
  /**
   * The path under the registry root, with `{name}` (repository, may hold `/`), `{reference}` (tag or
   * digest), `{digest}` and `{session}` (upload session id) placeholders.
   */
  readonly path: string;
  /** The query parameters the route takes, and whether each is required. */
  readonly query: Readonly<Partial<Record<QueryParamName, "required" | "optional">>>;
  /** The scope action the request needs; `undefined` for the ping, which needs none. */
  readonly action: RouteAction | undefined;
  /** The endpoint ID of the distribution spec (§3), for cross-reference. */
  readonly endpoint: string;
  /**
   * True for requests on an upload session. Clients never build these URLs: they use the opaque
   * `Location` of the previous response (§1, see `resolveUploadUrl`). The template is the session URL
   * a server hands out (distribution's form).
   */
  readonly uploadSession: boolean;
}

const manifestPath = "/v2/{name}/manifests/{reference}";
const blobPath = "/v2/{name}/blobs/{digest}";
const uploadsPath = "/v2/{name}/blobs/uploads/";
const sessionPath = "/v2/{name}/blobs/uploads/{session}";

/**
 * Every endpoint of `spec/PROTOCOL.md` §3, by name.
 *
 * Upload sessions need `push` for every method, so a client holding a `pull,push` token can also ask for
 * the status and cancel (distribution asks `pull` for GET and `delete` for any DELETE; a cancel that fails
 * for lack of `delete` is ignored by clients, §4.1 item 7).
 *
 * @example
 * ```ts
 * routes["manifest-put"]; // { method: "PUT", path: "/v2/{name}/manifests/{reference}", action: "push", … }
 * ```
 */
export const routes: Readonly<Record<RouteName, Route>> = Object.freeze({
  ping: route("ping", "GET", "/v2/", undefined, "end-1"),
  catalog: route("catalog", "GET", "/v2/_catalog", "*", "catalog (non-OCI)", {
    n: "optional",
    last: "optional",
  }),
  "manifest-get": route("manifest-get", "GET", manifestPath, "pull", "end-3"),
  "manifest-head": route("manifest-head", "HEAD", manifestPath, "pull", "end-3"),
  "manifest-put": route("manifest-put", "PUT", manifestPath, "push", "end-7"),
  "manifest-delete": route("manifest-delete", "DELETE", manifestPath, "delete", "end-9"),
  "blob-get": route("blob-get", "GET", blobPath, "pull", "end-2"),
  "blob-head": route("blob-head", "HEAD", blobPath, "pull", "end-2"),
  "blob-delete": route("blob-delete", "DELETE", blobPath, "delete", "end-10"),
  "upload-start": route("upload-start", "POST", uploadsPath, "push", "end-4a"),
  "upload-single": route("upload-single", "POST", uploadsPath, "push", "end-4b", { digest: "required" }),
  "upload-mount": route("upload-mount", "POST", uploadsPath, "push", "end-11", {
    mount: "required",
    from: "optional",
  }),
  "upload-chunk": route("upload-chunk", "PATCH", sessionPath, "push", "end-5"),
  "upload-complete": route("upload-complete", "PUT", sessionPath, "push", "end-6", { digest: "required" }),
  "upload-status": route("upload-status", "GET", sessionPath, "push", "end-13"),
  "upload-cancel": route("upload-cancel", "DELETE", sessionPath, "push", "end-14"),
  "tags-list": route("tags-list", "GET", "/v2/{name}/tags/list", "pull", "end-8", {
    n: "optional",
    last: "optional",
  }),
  referrers: route("referrers", "GET", "/v2/{name}/referrers/{digest}", "pull", "end-12", {
    artifactType: "optional",
  }),
});

function route(
  name: RouteName,
  method: RouteMethod,
  path: string,
  action: RouteAction | undefined,
  endpoint: string,
  query: Route["query"] = {},
): Route {
  return Object.freeze({
    name,
    method,
    path,
    query: Object.freeze(query),
    action,
    endpoint,
    uploadSession: path === sessionPath,
  });
}

/** The names of every route, in table order. */
export const routeNames: readonly RouteName[] = Object.keys(routes) as RouteName[];

/** True when `value` names a route of the table. */
export function isRouteName(value: unknown): value is RouteName {
  return typeof value === "string" && Object.hasOwn(routes, value);
}

/**
 * Values for a route's placeholders and query parameters. Which ones a route uses is in its `path` and
 * `query`; the others are ignored, so one object can serve several calls.
 */
export interface RouteParams {
  /** The repository name (`library/alpine`), §2. */
  name?: string;
  /** A tag or a digest: the `<reference>` of the manifest routes. */
  reference?: string;
  /** A digest: the blob of the blob routes, the subject of `referrers`, the query of `upload-single` and `upload-complete`. */
  digest?: string;
  /** The upload session id of the session routes (servers build these; clients use `Location`). */
  session?: string;
  /** The digest of the blob to mount (`upload-mount`). */
  mount?: string;
  /** The repository to mount from (`upload-mount`); optional, registries may mount anonymously (§4.1). */
  from?: string;
  /** Page size of `tags-list` and `catalog`. */
  n?: number;
  /** The last tag (or repository, for `catalog`) of the previous page; results start after it. */
  last?: string;
  /** Filter of `referrers` (§7.1). */
  artifactType?: string;
}
