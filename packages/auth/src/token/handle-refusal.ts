import type { AuthRequest, Scope } from "@stevedore/core";
import { formatScope, withSignal } from "@stevedore/core";
import type { AuthState, BearerState } from "../auth-state.js";
import { cacheKey, connectionOf } from "../auth-state.js";
import { sameCredentials } from "../credentials/check-credentials.js";
import { reloadCredentials } from "../credentials/credentials-for.js";
import { fetchEntry } from "./token-for.js";

/**
 * A registry refused `sentToken`: true when a replay may succeed — another request already got a new token,
 * or the credentials changed, or this is the first refusal of a token that was not itself a replacement. A
 * registry that grants fewer actions than asked (`insufficient_scope`) is not asked again for the same.
 */
export async function handleRefusal(
  state: AuthState,
  host: string,
  bearer: BearerState,
  scopes: Scope[],
  sentToken: string,
  insufficientScope: boolean,
  request: AuthRequest,
): Promise<boolean> {
  const { cache, refusals } = state;
  const signal = request.signal;
  const key = cacheKey(host, bearer, scopes);
  const current = cache.fresh(key);
  // Another request already replaced the refused token: replay with the new one.
  if (current !== undefined && current.token !== sentToken) return true;
  const running = cache.pending(key);
  if (running !== undefined) return (await withSignal(running, signal)).token !== sentToken;
  let refusal = refusals.get(key);
  if (refusal === undefined || refusal.token !== sentToken) {
    const reloaded = reloadCredentials(state, host);
    reloaded.catch(() => undefined);
    refusal = {
      token: sentToken,
      // A registry that grants fewer actions than asked answers insufficient_scope: asking again cannot
      // help. A token that already replaced a refused one is not replaced again (no loops).
      giveUp: insufficientScope || (current?.replacesRefused ?? false),
      credentials: current === undefined ? null : current.credentials,
      reloaded,
    };
    refusals.set(key, refusal);
    state.debug(`auth: ${host} refused the token for [${scopes.map(formatScope).join(" ")}]`);
  }
  const credentials = await withSignal(refusal.reloaded, signal);
  const changed = refusal.credentials !== null && !sameCredentials(credentials, refusal.credentials);
  if (refusal.giveUp && !changed) {
    state.debug(`auth: giving up on ${host}: nothing new to try`);
    return false;
  }
  if (cache.fresh(key)?.token === sentToken) cache.delete(key);
  const next = await withSignal(
    cache.get(key, () => fetchEntry(state, host, bearer, scopes, true, connectionOf(state, request))),
    signal,
  );
  return next.token !== sentToken;
}
