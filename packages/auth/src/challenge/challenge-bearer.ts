import type { AuthRequest, Scope } from "@stevedore/core";
import { parseScopeList, redactUrl, withSignal } from "@stevedore/core";
import type { AuthState, BearerState, HostState } from "../auth-state.js";
import { cacheKey, hintKey, scopeKey } from "../auth-state.js";
import { sameCredentials } from "../credentials/check-credentials.js";
import { credentialsFor, reloadCredentials } from "../credentials/credentials-for.js";
import { handleRefusal } from "../token/handle-refusal.js";
import { mergeScopes } from "../token/merge-scopes.js";
import { tokenFor } from "../token/token-for.js";
import { parseRealm } from "./check-realm.js";
import type { Challenge } from "./parse-www-authenticate.js";

/**
 * Learns a Bearer challenge (`spec/PROTOCOL.md` §11.1): remembers the realm and the scopes it asked for, and
 * gets a token unless the token just sent was the one refused — then {@link handleRefusal} decides. A
 * registry token from the credentials is sent as is; true when a different one is now at hand.
 */
export async function challengeBearer(
  state: AuthState,
  request: AuthRequest,
  challenge: Challenge,
  previous: HostState | undefined,
  previousScopes: Scope[],
): Promise<boolean> {
  const host = request.url.host;
  const parameters = challenge.parameters;
  const bearer: BearerState = {
    scheme: "bearer",
    realm: parseRealm(parameters.realm ?? "", request.url),
    service: parameters.service,
  };
  state.hosts.set(host, bearer);
  if (previous?.scheme !== "bearer" || previous.realm.href !== bearer.realm.href) {
    state.debug(`auth: ${host} asks for Bearer tokens from ${redactUrl(bearer.realm)}`);
  }
  const requested = mergeScopes(request.scopes);
  const scopes = mergeScopes(previousScopes, parseScopeList(parameters.scope ?? ""));
  if (scopeKey(scopes) !== scopeKey(requested)) state.hints.set(hintKey(host, requested), scopes);

  const known = state.sent.get(request);
  const credentials = await credentialsFor(state, host, request.signal);
  if (credentials?.registryToken !== undefined) {
    const header = `Bearer ${credentials.registryToken}`;
    const sentHeader =
      known !== undefined ? known.header : previous?.scheme === "bearer" ? header : undefined;
    if (sentHeader !== header) return true;
    return !sameCredentials(await withSignal(reloadCredentials(state, host), request.signal), credentials);
  }

  const key = cacheKey(host, bearer, scopes);
  let sentToken: string | undefined;
  let sentKey: string | undefined;
  if (known !== undefined) {
    sentToken = known.header?.startsWith("Bearer ") ? known.header.slice(7) : undefined;
    sentKey = known.key;
  } else if (previous?.scheme === "bearer") {
    // The request object is new to us: assume it carried the token authorize would have given it.
    sentKey = cacheKey(host, previous, previousScopes);
    sentToken = state.cache.fresh(sentKey)?.token;
  }
  if (sentToken === undefined || sentKey !== key) {
    await tokenFor(state, host, bearer, scopes, request);
    return true;
  }
  const insufficient = parameters.error === "insufficient_scope";
  return handleRefusal(state, host, bearer, scopes, sentToken, insufficient, request);
}
