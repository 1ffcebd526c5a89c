import { buildUrl, type RouteName, type RouteParams, routes, scopesFor } from "@stevedore/routing";
import type { TransportRequest, TransportResponse } from "@stevedore/transport";
import type { RemoteContext } from "./remote-context.js";

/** What a route request adds to the route: headers, body, accepted statuses, signal. */
export type RouteRequest = Omit<TransportRequest, "method" | "url" | "scopes">;

/**
 * Internal: sends one request of route `routeName` on the context's repository. The URL comes from
 * routing's `buildUrl` (which checks every value against the grammar of `spec/PROTOCOL.md` §2) and the
 * token scopes from `scopesFor`, so the auth strategy asks for exactly what the endpoint needs (§11.4).
 */
export async function sendRoute(
  context: RemoteContext,
  routeName: RouteName,
  params: Omit<RouteParams, "name">,
  request: RouteRequest = {},
): Promise<TransportResponse> {
  const all: RouteParams = { ...params, name: context.repository };
  return context.transport.send({
    ...request,
    method: routes[routeName].method,
    url: buildUrl(context.baseUrl, routeName, all),
    scopes: scopesFor(routeName, all),
  });
}
