/**
 * `createAuth`: the auth strategy as state plus one function per flow (octokit auth-app's shape): the state
 * in `auth-state.ts`, `authorize`, `challenge` (Basic and Bearer), `tokenFor`, `handleRefusal` and the
 * credential lookups each in their own file.
 */
import type { Auth, AuthOptions } from "./auth-options.js";
import { createAuthState } from "./auth-state.js";
import { authorize } from "./authorize.js";
import { challenge } from "./challenge/challenge.js";
import { resolveAuthOptions } from "./resolve-auth-options.js";

/**
 * Creates the auth strategy `transport` calls before each request and after each 401
 * (`spec/PROTOCOL.md` §11). It sends nothing until a registry asks (anonymous first), then remembers each
 * host's challenge: Basic gets the host's username and password; Bearer gets a token from the realm, cached by
 * realm + service + sorted scopes (+ registry host, whose credentials obtained it), fetched once for any number
 * of concurrent callers, and renewed shortly before it expires.
 *
 * Pass the same `AuthRequest` object to `authorize` and to `challenge` for one request: the strategy then
 * knows exactly which credential was refused.
 *
 * @example
 * const auth = createAuth({ credentials: dockerConfigCredentials({ env: process.env }), dispatcher });
 * const request = { method: "GET", url: new URL("https://ghcr.io/v2/org/app/tags/list"), scopes };
 * let header = await auth.authorize(request); // undefined: nothing learned yet
 * // … the registry answers 401 with WWW-Authenticate …
 * if (await auth.challenge(request, wwwAuthenticateValues)) header = await auth.authorize(request);
 */
export function createAuth(options: AuthOptions = {}): Auth {
  const state = createAuthState(resolveAuthOptions(options));
  return {
    authorize: (request) => authorize(state, request),
    challenge: (request, values) => challenge(state, request, values),
    usedCredentials: (request) => state.sent.get(request)?.withCredentials ?? false,
    clear() {
      state.hosts.clear();
      state.hints.clear();
      state.cache.clear();
      state.refreshTokens.clear();
      state.lookups.clear();
      state.refusals.clear();
    },
    stats: () => ({ ...state.counters, cachedTokens: state.cache.size }),
  };
}
