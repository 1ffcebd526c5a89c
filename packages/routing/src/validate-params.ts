import { UsageError } from "@stevedore/core";
import {
  checkDigest,
  checkMediaType,
  checkPageSize,
  checkReference,
  checkRepositoryName,
  checkSessionId,
  checkTag,
} from "./grammar.js";
import {
  isRouteName,
  type PathParamName,
  type QueryParamName,
  type RouteName,
  type RouteParams,
  routes,
} from "./routes.js";

/**
 * Checks that `params` has every value route `routeName` needs and that each value the route uses
 * follows its grammar (`spec/PROTOCOL.md` §2). Values the route does not use are ignored.
 *
 * Throws {@link UsageError} for an unknown route or a missing or malformed non-reference value (`n`,
 * `artifactType`, `session`), `InvalidReferenceError` for a bad repository name or tag and
 * `InvalidDigestError` for a bad digest.
 */
export function validateParams(routeName: RouteName, params: RouteParams): void {
  if (!isRouteName(routeName)) throw new UsageError(`unknown route ${JSON.stringify(String(routeName))}`);
  if (typeof params !== "object" || params === null) {
    throw new UsageError(`route ${routeName} needs a params object`);
  }
  const route = routes[routeName];
  for (const placeholder of route.path.matchAll(/\{(\w+)\}/g)) {
    const param = placeholder[1] as PathParamName;
    const value = params[param];
    if (value === undefined) throw new UsageError(`route ${routeName} needs params.${param}`);
    checkPathParam(param, value);
  }
  for (const [param, presence] of Object.entries(route.query) as [QueryParamName, string][]) {
    const value = params[param];
    if (value === undefined) {
      if (presence === "required") throw new UsageError(`route ${routeName} needs params.${param}`);
      continue;
    }
    checkQueryParam(routeName, param, value);
  }
}

function checkPathParam(param: PathParamName, value: unknown): void {
  switch (param) {
    case "name":
      checkRepositoryName(value);
      return;
    case "reference":
      checkReference(value);
      return;
    case "digest":
      checkDigest(value);
      return;
    case "session":
      checkSessionId(value);
      return;
  }
}

function checkQueryParam(routeName: RouteName, param: QueryParamName, value: unknown): void {
  switch (param) {
    case "digest":
    case "mount":
      checkDigest(value);
      return;
    case "from":
      checkRepositoryName(value);
      return;
    case "n":
      checkPageSize(value);
      return;
    case "last":
      // The catalog pages through repository names, the tags list through tags (§6).
      if (routeName === "catalog") checkRepositoryName(value);
      else checkTag(value);
      return;
    case "artifactType":
      checkMediaType(value, "artifactType");
      return;
  }
}
