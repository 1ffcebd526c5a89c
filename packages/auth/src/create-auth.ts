import type { AuthRequest, AuthStrategy, CredentialProvider, Credentials, Scope } from "@stevedore/core";
import { AuthenticationError, InvalidHeaderError, redactUrl } from "@stevedore/core";
import type { Dispatcher } from "undici";
import { basicAuthorization } from "./basic-authorization.js";
import { checkCredentials, sameCredentials } from "./check-credentials.js";
import { checkRealm, parseRealm } from "./check-realm.js";
import type { TokenEntry } from "./create-token-cache.js";
import { createTokenCache } from "./create-token-cache.js";
import { fetchToken } from "./fetch-token.js";
import { formatScope } from "./format-scope.js";
import { isPlainHttpAllowed } from "./is-loopback-host.js";
import { mergeScopes } from "./merge-scopes.js";
import { parseScopeList } from "./parse-scope.js";
import type { Challenge } from "./parse-www-authenticate.js";
import { parseWwwAuthenticate } from "./parse-www-authenticate.js";
import { resolveAuthOptions } from "./resolve-auth-options.js";
import { withSignal } from "./with-signal.js";

/** Options of {@link createAuth}. */
export interface AuthOptions {
  /** Where credentials come from, asked once per registry host (until `clear()`). None: anonymous only. */
  credentials?: CredentialProvider;
  /**
   * Sends the token requests when the `AuthRequest` brings no `dispatcher` (`@stevedore/transport` passes its
   * own with every call, so both share connections, TLS and proxy). Default: undici's global dispatcher.
   */
  dispatcher?: Dispatcher;
  /** The clock for token expiry, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Fetch a new token this many milliseconds before the old one expires (at most half its lifetime). Default 30 000. */
  refreshMargin?: number;
  /** Hosts (`host` or `host:port`) whose token realm or Basic auth may use plain HTTP. Loopback always may. */
  plainHttpHosts?: readonly string[];
  /** OAuth2 `client_id` sent with POST token requests. Default `stevedore`. */
  clientId?: string;
  /** Use the OAuth2 password grant (POST) for username and password too, falling back to GET. Default false. */
  forceOAuth?: boolean;
  /** Milliseconds before a token request is abandoned with a `NetworkError`. Default 30 000. */
  timeout?: number;
  /** Receives one line per decision (challenge learned, token request, give-up). Never holds a secret. */
  onDebug?: (message: string) => void;
}

/** Counters for tests and diagnostics. */
export interface AuthStats {
  /** HTTP requests sent to token services (a POST that falls back to GET counts twice). */
  tokenRequests: number;
  /** `authorize` calls answered from the token cache. */
  tokenCacheHits: number;
  /** `challenge` calls. */
  challenges: number;
  /** Tokens currently cached. */
  cachedTokens: number;
}

/** The auth strategy: core's {@link AuthStrategy} plus housekeeping. */
export interface Auth extends AuthStrategy {
  /** Forgets learned challenges, cached tokens, refresh tokens and looked-up credentials (after a login). */
  clear(): void;
  /** A snapshot of the counters. */
  stats(): AuthStats;
}

type HostState = { scheme: "basic" } | { scheme: "bearer"; realm: URL; service: string | undefined };

/** How a token request for one `AuthRequest` may go out: through its connection, plain HTTP where allowed. */
interface Connection {
  dispatcher: Dispatcher;
  /** The registry origin's `host` when the transport allows plain HTTP there (`AuthRequest.plainHttp`). */
  plainHost: string | undefined;
}

interface Refusal {
  token: string;
  giveUp: boolean;
  /** The credentials the refused token was obtained with; `null` when not known. */
  credentials: Credentials | undefined | null;
  reloaded: Promise<Credentials | undefined>;
}

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
  const resolved = resolveAuthOptions(options);
  const { now, plainHttpHosts, provider } = resolved;
  const debug = (message: string): void => {
    try {
      resolved.onDebug?.(message);
    } catch {
      // A failing logger must not break authentication.
    }
  };

  const hosts = new Map<string, HostState>();
  const hints = new Map<string, Scope[]>();
  const cache = createTokenCache(now);
  const refreshTokens = new Map<string, { value: string; credentials: Credentials | undefined }>();
  const lookups = new Map<string, Promise<Credentials | undefined>>();
  const sent = new WeakMap<
    AuthRequest,
    { header: string | undefined; key: string | undefined; withCredentials: boolean }
  >();
  const refusals = new Map<string, Refusal>();
  const counters = { tokenRequests: 0, tokenCacheHits: 0, challenges: 0 };

  const connectionOf = (request: AuthRequest): Connection => ({
    dispatcher: isDispatcher(request.dispatcher) ? request.dispatcher : resolved.dispatcher,
    plainHost: request.plainHttp === true ? request.url.host : undefined,
  });
  /** Whether Basic credentials may go to `request`'s URL: HTTPS, loopback, a listed host, or the transport allows it. */
  const mayUsePlainHttp = (request: AuthRequest): boolean =>
    request.url.protocol === "https:" ||
    request.plainHttp === true ||
    isPlainHttpAllowed(request.url, plainHttpHosts);

  const credentialsFor = (host: string, signal?: AbortSignal): Promise<Credentials | undefined> => {
    if (provider === undefined) return Promise.resolve(undefined);
    let lookup = lookups.get(host);
    if (lookup === undefined) {
      const started = provider.get(host).then((value) => checkCredentials(value, host));
      lookup = started;
      lookups.set(host, started);
      started.catch(() => {
        if (lookups.get(host) === started) lookups.delete(host);
      });
    }
    return withSignal(lookup, signal);
  };
  const reloadCredentials = (host: string): Promise<Credentials | undefined> => {
    lookups.delete(host);
    return credentialsFor(host);
  };

  const scopesFor = (host: string, scopes: readonly Scope[]): Scope[] => {
    const requested = mergeScopes(scopes);
    return hints.get(hintKey(host, requested)) ?? requested;
  };

  const fetchEntry = async (
    host: string,
    state: Extract<HostState, { scheme: "bearer" }>,
    scopes: Scope[],
    replacesRefused: boolean,
    connection: Connection,
  ): Promise<TokenEntry> => {
    checkRealm(state.realm, host, plainHttpHosts, connection.plainHost);
    const credentials = await credentialsFor(host);
    const refreshKey = `${host}\n${state.realm.href}\n${state.service ?? ""}`;
    const kept = refreshTokens.get(refreshKey);
    const result = await fetchToken({
      dispatcher: connection.dispatcher,
      registry: host,
      realm: state.realm,
      service: state.service,
      scopes,
      credentials,
      refreshToken:
        kept !== undefined && sameCredentials(kept.credentials, credentials) ? kept.value : undefined,
      clientId: resolved.clientId,
      forceOAuth: resolved.forceOAuth,
      timeout: resolved.timeout,
      debug,
      onRequest: () => {
        counters.tokenRequests++;
      },
    });
    if (result.refreshTokenRefused) refreshTokens.delete(refreshKey);
    if (result.refreshToken !== undefined)
      refreshTokens.set(refreshKey, { value: result.refreshToken, credentials });
    // Count from issued_at when it is plausible; a server clock behind or ahead of ours must not make every
    // token look expired on arrival (`spec/PROTOCOL.md` §11.1 step 6).
    const received = now();
    const lifetime = result.expiresIn * 1000;
    const issued = result.issuedAt;
    const start =
      issued !== undefined && issued <= received && issued + lifetime > received ? issued : received;
    const expiresAt = start + lifetime;
    const refreshAt = expiresAt - Math.min(resolved.refreshMargin, lifetime / 2);
    debug(
      `auth: got a token for ${host} [${scopes.map(formatScope).join(" ")}], valid ${result.expiresIn} s`,
    );
    return { token: result.token, expiresAt, refreshAt, credentials, replacesRefused };
  };

  const tokenFor = (
    host: string,
    state: Extract<HostState, { scheme: "bearer" }>,
    scopes: Scope[],
    request: AuthRequest,
  ): Promise<TokenEntry> => {
    const key = cacheKey(host, state, scopes);
    const fresh = cache.fresh(key);
    if (fresh !== undefined) {
      counters.tokenCacheHits++;
      return Promise.resolve(fresh);
    }
    return withSignal(
      cache.get(key, () => fetchEntry(host, state, scopes, refusals.has(key), connectionOf(request))),
      request.signal,
    );
  };

  const handleRefusal = async (
    host: string,
    state: Extract<HostState, { scheme: "bearer" }>,
    scopes: Scope[],
    sentToken: string,
    insufficientScope: boolean,
    request: AuthRequest,
  ): Promise<boolean> => {
    const signal = request.signal;
    const key = cacheKey(host, state, scopes);
    const current = cache.fresh(key);
    // Another request already replaced the refused token: replay with the new one.
    if (current !== undefined && current.token !== sentToken) return true;
    const running = cache.pending(key);
    if (running !== undefined) return (await withSignal(running, signal)).token !== sentToken;
    let refusal = refusals.get(key);
    if (refusal === undefined || refusal.token !== sentToken) {
      const reloaded = reloadCredentials(host);
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
      debug(`auth: ${host} refused the token for [${scopes.map(formatScope).join(" ")}]`);
    }
    const credentials = await withSignal(refusal.reloaded, signal);
    const changed = refusal.credentials !== null && !sameCredentials(credentials, refusal.credentials);
    if (refusal.giveUp && !changed) {
      debug(`auth: giving up on ${host}: nothing new to try`);
      return false;
    }
    if (cache.fresh(key)?.token === sentToken) cache.delete(key);
    const next = await withSignal(
      cache.get(key, () => fetchEntry(host, state, scopes, true, connectionOf(request))),
      signal,
    );
    return next.token !== sentToken;
  };

  const challengeBearer = async (
    request: AuthRequest,
    challenge: Challenge,
    previous: HostState | undefined,
    previousScopes: Scope[],
  ): Promise<boolean> => {
    const host = request.url.host;
    const parameters = challenge.parameters;
    const state: Extract<HostState, { scheme: "bearer" }> = {
      scheme: "bearer",
      realm: parseRealm(parameters.realm ?? "", request.url),
      service: parameters.service,
    };
    hosts.set(host, state);
    if (previous?.scheme !== "bearer" || previous.realm.href !== state.realm.href) {
      debug(`auth: ${host} asks for Bearer tokens from ${redactUrl(state.realm)}`);
    }
    const requested = mergeScopes(request.scopes);
    const scopes = mergeScopes(previousScopes, parseScopeList(parameters.scope ?? ""));
    if (scopeKey(scopes) !== scopeKey(requested)) hints.set(hintKey(host, requested), scopes);

    const known = sent.get(request);
    const credentials = await credentialsFor(host, request.signal);
    if (credentials?.registryToken !== undefined) {
      const header = `Bearer ${credentials.registryToken}`;
      const sentHeader =
        known !== undefined ? known.header : previous?.scheme === "bearer" ? header : undefined;
      if (sentHeader !== header) return true;
      return !sameCredentials(await withSignal(reloadCredentials(host), request.signal), credentials);
    }

    const key = cacheKey(host, state, scopes);
    let sentToken: string | undefined;
    let sentKey: string | undefined;
    if (known !== undefined) {
      sentToken = known.header?.startsWith("Bearer ") ? known.header.slice(7) : undefined;
      sentKey = known.key;
    } else if (previous?.scheme === "bearer") {
      // The request object is new to us: assume it carried the token authorize would have given it.
      sentKey = cacheKey(host, previous, previousScopes);
      sentToken = cache.fresh(sentKey)?.token;
    }
    if (sentToken === undefined || sentKey !== key) {
      await tokenFor(host, state, scopes, request);
      return true;
    }
    const insufficient = parameters.error === "insufficient_scope";
    return handleRefusal(host, state, scopes, sentToken, insufficient, request);
  };

  const challengeBasic = async (request: AuthRequest, previous: HostState | undefined): Promise<boolean> => {
    const host = request.url.host;
    const credentials = await credentialsFor(host, request.signal);
    const header = basicAuthorization(credentials);
    if (header === undefined) {
      hosts.set(host, { scheme: "basic" });
      debug(`auth: ${host} asks for Basic credentials and none are configured`);
      return false;
    }
    if (!mayUsePlainHttp(request)) {
      throw new AuthenticationError(
        host,
        "the registry asks for Basic credentials over plain HTTP; refusing to send the password unencrypted " +
          `(allow it with plainHttpHosts: ["${host}"] if this is intended)`,
      );
    }
    hosts.set(host, { scheme: "basic" });
    const known = sent.get(request);
    const sentHeader = known !== undefined ? known.header : previous?.scheme === "basic" ? header : undefined;
    if (sentHeader !== header) return true;
    const reloaded = basicAuthorization(await withSignal(reloadCredentials(host), request.signal));
    if (reloaded === undefined || reloaded === header) {
      debug(`auth: ${host} refused the Basic credentials`);
      return false;
    }
    return true;
  };

  return {
    async authorize(request) {
      const host = request.url.host;
      const state = hosts.get(host);
      let header: string | undefined;
      let key: string | undefined;
      let withCredentials = false;
      if (state?.scheme === "basic") {
        // Never a password in clear text, even to a host whose challenge arrived over HTTPS.
        if (mayUsePlainHttp(request)) {
          header = basicAuthorization(await credentialsFor(host, request.signal));
          withCredentials = header !== undefined;
        }
      } else if (state?.scheme === "bearer") {
        const credentials = await credentialsFor(host, request.signal);
        if (credentials?.registryToken !== undefined) {
          header = `Bearer ${credentials.registryToken}`;
          withCredentials = true;
        } else {
          const scopes = scopesFor(host, request.scopes);
          key = cacheKey(host, state, scopes);
          const entry = await tokenFor(host, state, scopes, request);
          header = `Bearer ${entry.token}`;
          withCredentials = entry.credentials !== undefined;
        }
      }
      sent.set(request, { header, key, withCredentials });
      return header;
    },

    async challenge(request, values) {
      counters.challenges++;
      const challenges = parseAll(values);
      const bearer = challenges.find((c) => c.scheme === "bearer" && c.parameters.realm !== undefined);
      const basic = challenges.find((c) => c.scheme === "basic");
      const host = request.url.host;
      if (bearer === undefined && basic === undefined) {
        if (challenges.some((c) => c.scheme === "bearer")) {
          throw new InvalidHeaderError("WWW-Authenticate", "the Bearer challenge has no realm");
        }
        debug(`auth: ${host} sent no Basic or Bearer challenge`);
        return false;
      }
      const previous = hosts.get(host);
      const previousScopes = scopesFor(host, request.scopes);
      if (bearer !== undefined) return challengeBearer(request, bearer, previous, previousScopes);
      return challengeBasic(request, previous);
    },

    usedCredentials(request) {
      return sent.get(request)?.withCredentials ?? false;
    },

    clear() {
      hosts.clear();
      hints.clear();
      cache.clear();
      refreshTokens.clear();
      lookups.clear();
      refusals.clear();
    },

    stats() {
      return { ...counters, cachedTokens: cache.size };
    },
  };
}

function isDispatcher(value: object | undefined): value is Dispatcher {
  return typeof (value as { request?: unknown } | undefined)?.request === "function";
}

function parseAll(values: readonly string[]): Challenge[] {
  const challenges: Challenge[] = [];
  let firstError: unknown;
  for (const value of values) {
    try {
      challenges.push(...parseWwwAuthenticate(value));
    } catch (error) {
      // One junk header among good ones is ignored; junk alone is reported.
      if (!InvalidHeaderError.isInstance(error)) throw error;
      firstError ??= error;
    }
  }
  if (challenges.length === 0 && firstError !== undefined) throw firstError;
  return challenges;
}

function scopeKey(scopes: readonly Scope[]): string {
  return scopes.map(formatScope).join(" ");
}

function hintKey(host: string, requested: readonly Scope[]): string {
  return `${host}\n${scopeKey(requested)}`;
}

function cacheKey(
  host: string,
  state: { realm: URL; service: string | undefined },
  scopes: readonly Scope[],
): string {
  return `${state.realm.href}\n${state.service ?? ""}\n${scopeKey(scopes)}\n${host}`;
}
