import type { AuthStrategy, CredentialProvider } from "@stevedore/core";
import type { Dispatcher } from "undici";

/** Options of `createAuth`. */
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
