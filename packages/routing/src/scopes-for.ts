import type { Scope } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import { checkRepositoryName } from "./grammar.js";
import { isRouteName, type RouteName, type RouteParams, routes } from "./routes.js";

/**
 * The token scopes a request on route `routeName` needs (`spec/PROTOCOL.md` §11.4):
 *
 * - none for `ping`;
 * - `registry:catalog:*` for `catalog`;
 * - `repository:<name>:pull` for reads, `repository:<name>:pull,push` for writes (a push token must also
 *   read, e.g. the `HEAD` before an upload), `repository:<name>:delete` for deletes;
 * - `upload-mount` adds `repository:<from>:pull` when `from` names another repository.
 *
 * Only `params.name` and (for mounts) `params.from` are read. Throws `UsageError` for an unknown route or
 * a missing name and `InvalidReferenceError` for a malformed one.
 *
 * @example
 * ```ts
 * scopesFor("upload-mount", { name: "team/app", from: "team/base", mount: digest });
 * // [{ type: "repository", name: "team/app", actions: ["pull", "push"] },
 * //  { type: "repository", name: "team/base", actions: ["pull"] }]
 * ```
 */
export function scopesFor(routeName: RouteName, params: RouteParams = {}): Scope[] {
  if (!isRouteName(routeName)) throw new UsageError(`unknown route ${JSON.stringify(String(routeName))}`);
  const route = routes[routeName];
  switch (route.action) {
    case undefined:
      return [];
    case "*":
      return [{ type: "registry", name: "catalog", actions: ["*"] }];
    case "pull":
      return [repositoryScope(routeName, params, ["pull"])];
    case "delete":
      return [repositoryScope(routeName, params, ["delete"])];
    case "push": {
      const scopes = [repositoryScope(routeName, params, ["pull", "push"])];
      const from = routeName === "upload-mount" ? params?.from : undefined;
      if (from !== undefined && checkRepositoryName(from) !== params.name) {
        scopes.push({ type: "repository", name: from, actions: ["pull"] });
      }
      return scopes;
    }
  }
}

/**
 * The main scope of route `routeName`: the first of {@link scopesFor}, or `undefined` for the ping.
 * For `upload-mount` this leaves out the source repository; prefer `scopesFor` when sending requests.
 */
export function scopeFor(routeName: RouteName, params: RouteParams = {}): Scope | undefined {
  return scopesFor(routeName, params)[0];
}

function repositoryScope(routeName: RouteName, params: RouteParams, actions: string[]): Scope {
  if (params?.name === undefined) throw new UsageError(`route ${routeName} needs params.name`);
  return { type: "repository", name: checkRepositoryName(params.name), actions };
}
