export { buildUrl } from "./build-url.js";
export { isSessionId } from "./grammar.js";
export type { RouteMatch } from "./match-route.js";
export { matchRoute } from "./match-route.js";
export type { ContentRange } from "./parse-content-range.js";
export { parseContentRange } from "./parse-content-range.js";
export { parseLinkHeader } from "./parse-link-header.js";
export { parseUploadRange } from "./parse-upload-range.js";
export type { ResolveUploadUrlExtra } from "./resolve-upload-url.js";
export { resolveUploadUrl } from "./resolve-upload-url.js";
export type {
  PathParamName,
  QueryParamName,
  Route,
  RouteAction,
  RouteMethod,
  RouteName,
  RouteParams,
} from "./routes.js";
export { isRouteName, routeNames, routes } from "./routes.js";
export { scopeFor, scopesFor } from "./scopes-for.js";
export { validateParams } from "./validate-params.js";
