/**
 * Bearer tokens (`spec/PROTOCOL.md` §11.1): from the cache while fresh, otherwise fetched from the realm —
 * once for any number of concurrent callers — with the host's credentials or refresh token.
 */

import type { AuthRequest, Scope } from "@stevedore/core";
import { formatScope, withSignal } from "@stevedore/core";
import type { AuthState, BearerState, Connection } from "../auth-state.js";
import { cacheKey, connectionOf } from "../auth-state.js";
import { checkRealm } from "../challenge/check-realm.js";
import { sameCredentials } from "../credentials/check-credentials.js";
import { credentialsFor } from "../credentials/credentials-for.js";
import type { TokenEntry } from "./create-token-cache.js";
import { fetchToken } from "./fetch-token.js";

/** A token for `scopes` on `host`: the cached one while fresh, or a new one (shared while it is fetched). */
export function tokenFor(
  state: AuthState,
  host: string,
  bearer: BearerState,
  scopes: Scope[],
  request: AuthRequest,
): Promise<TokenEntry> {
  const key = cacheKey(host, bearer, scopes);
  const fresh = state.cache.fresh(key);
  if (fresh !== undefined) {
    state.counters.tokenCacheHits++;
    return Promise.resolve(fresh);
  }
  const replacesRefused = state.refusals.has(key);
  return withSignal(
    state.cache.get(key, () =>
      fetchEntry(state, host, bearer, scopes, replacesRefused, connectionOf(state, request)),
    ),
    request.signal,
  );
}

/** Fetches a token from the realm and works out when it expires and when to renew it. */
export async function fetchEntry(
  state: AuthState,
  host: string,
  bearer: BearerState,
  scopes: Scope[],
  replacesRefused: boolean,
  connection: Connection,
): Promise<TokenEntry> {
  const { options } = state;
  checkRealm(bearer.realm, host, options.plainHttpHosts, connection.plainHost);
  const credentials = await credentialsFor(state, host);
  const refreshKey = `${host}\n${bearer.realm.href}\n${bearer.service ?? ""}`;
  const kept = state.refreshTokens.get(refreshKey);
  const result = await fetchToken({
    dispatcher: connection.dispatcher,
    registry: host,
    realm: bearer.realm,
    service: bearer.service,
    scopes,
    credentials,
    refreshToken:
      kept !== undefined && sameCredentials(kept.credentials, credentials) ? kept.value : undefined,
    clientId: options.clientId,
    forceOAuth: options.forceOAuth,
    timeout: options.timeout,
    debug: state.debug,
    onRequest: () => {
      state.counters.tokenRequests++;
    },
  });
  if (result.refreshTokenRefused) state.refreshTokens.delete(refreshKey);
  if (result.refreshToken !== undefined)
    state.refreshTokens.set(refreshKey, { value: result.refreshToken, credentials });
  // Count from issued_at when it is plausible; a server clock behind or ahead of ours must not make every
  // token look expired on arrival (`spec/PROTOCOL.md` §11.1 step 6).
  const received = options.now();
  const lifetime = result.expiresIn * 1000;
  const issued = result.issuedAt;
  const start =
    issued !== undefined && issued <= received && issued + lifetime > received ? issued : received;
  const expiresAt = start + lifetime;
  const refreshAt = expiresAt - Math.min(options.refreshMargin, lifetime / 2);
  state.debug(
    `auth: got a token for ${host} [${scopes.map(formatScope).join(" ")}], valid ${result.expiresIn} s`,
  );
  return { token: result.token, expiresAt, refreshAt, credentials, replacesRefused };
}
