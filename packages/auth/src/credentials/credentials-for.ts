import type { Credentials } from "@stevedore/core";
import { withSignal } from "@stevedore/core";
import type { AuthState } from "../auth-state.js";
import { checkCredentials } from "./check-credentials.js";

/** The credentials for `host`, asked of the provider once (until a reload or `clear()`); a failed lookup is asked again. */
export function credentialsFor(
  state: AuthState,
  host: string,
  signal?: AbortSignal,
): Promise<Credentials | undefined> {
  const provider = state.options.provider;
  if (provider === undefined) return Promise.resolve(undefined);
  let lookup = state.lookups.get(host);
  if (lookup === undefined) {
    const started = provider.get(host).then((value) => checkCredentials(value, host));
    lookup = started;
    state.lookups.set(host, started);
    started.catch(() => {
      if (state.lookups.get(host) === started) state.lookups.delete(host);
    });
  }
  return withSignal(lookup, signal);
}

/** Asks the provider again (after a refusal: the user may have logged in meanwhile). */
export function reloadCredentials(state: AuthState, host: string): Promise<Credentials | undefined> {
  state.lookups.delete(host);
  return credentialsFor(state, host);
}
