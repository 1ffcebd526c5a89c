/**
 * What an auth strategy remembers between calls — learned challenges, scope hints, tokens, refresh tokens,
 * credential lookups, the headers it gave, the refusals it met — and the small rules every flow shares.
 * `createAuth` makes one; the flows (`authorize`, `challenge`, `tokenFor`, …) take it as first argument.
 */

import type { AuthRequest, Credentials, Scope } from "@stevedore/core";
import { formatScope } from "@stevedore/core";
import type { Dispatcher } from "undici";
import { isPlainHttpAllowed } from "./is-loopback-host.js";
import type { ResolvedAuthOptions } from "./resolve-auth-options.js";
import type { TokenCache } from "./token/create-token-cache.js";
import { createTokenCache } from "./token/create-token-cache.js";
import { mergeScopes } from "./token/merge-scopes.js";

/** A host's challenge: Basic, or Bearer with its realm and service. */
export type HostState = { scheme: "basic" } | BearerState;

/** A Bearer challenge learned from a host. */
export interface BearerState {
  scheme: "bearer";
  realm: URL;
  service: string | undefined;
}

/** How a token request for one `AuthRequest` may go out: through its connection, plain HTTP where allowed. */
export interface Connection {
  dispatcher: Dispatcher;
  /** The registry origin's `host` when the transport allows plain HTTP there (`AuthRequest.plainHttp`). */
  plainHost: string | undefined;
}

/** A token the registry refused, and what trying again could change. */
export interface Refusal {
  token: string;
  giveUp: boolean;
  /** The credentials the refused token was obtained with; `null` when not known. */
  credentials: Credentials | undefined | null;
  reloaded: Promise<Credentials | undefined>;
}

/** The header `authorize` gave a request. */
export interface SentHeader {
  header: string | undefined;
  /** The token cache key the header's token came from. */
  key: string | undefined;
  /** The header was obtained with the user's credentials (not an anonymous token). */
  withCredentials: boolean;
}

/** The state of one auth strategy. */
export interface AuthState {
  readonly options: ResolvedAuthOptions;
  /** Reports a decision; a failing logger is ignored. */
  debug(message: string): void;
  /** Learned challenges by registry host. */
  readonly hosts: Map<string, HostState>;
  /** The scopes a challenge asked for instead of the requested ones, by {@link hintKey}. */
  readonly hints: Map<string, Scope[]>;
  readonly cache: TokenCache;
  readonly refreshTokens: Map<string, { value: string; credentials: Credentials | undefined }>;
  /** Credential lookups by registry host, in flight or done. */
  readonly lookups: Map<string, Promise<Credentials | undefined>>;
  readonly sent: WeakMap<AuthRequest, SentHeader>;
  readonly refusals: Map<string, Refusal>;
  readonly counters: { tokenRequests: number; tokenCacheHits: number; challenges: number };
}

/** Creates the state of a strategy with `options`. */
export function createAuthState(options: ResolvedAuthOptions): AuthState {
  return {
    options,
    debug(message) {
      try {
        options.onDebug?.(message);
      } catch {
        // A failing logger must not break authentication.
      }
    },
    hosts: new Map(),
    hints: new Map(),
    cache: createTokenCache(options.now),
    refreshTokens: new Map(),
    lookups: new Map(),
    sent: new WeakMap(),
    refusals: new Map(),
    counters: { tokenRequests: 0, tokenCacheHits: 0, challenges: 0 },
  };
}

/** The connection a token request for `request` goes through (see {@link Connection}). */
export function connectionOf(state: AuthState, request: AuthRequest): Connection {
  return {
    dispatcher: isDispatcher(request.dispatcher) ? request.dispatcher : state.options.dispatcher,
    plainHost: request.plainHttp === true ? request.url.host : undefined,
  };
}

/** Whether Basic credentials may go to `request`'s URL: HTTPS, loopback, a listed host, or the transport allows it. */
export function mayUsePlainHttp(state: AuthState, request: AuthRequest): boolean {
  return (
    request.url.protocol === "https:" ||
    request.plainHttp === true ||
    isPlainHttpAllowed(request.url, state.options.plainHttpHosts)
  );
}

/** The scopes to ask a token for: the requested ones, or what a challenge asked for instead. */
export function scopesFor(state: AuthState, host: string, scopes: readonly Scope[]): Scope[] {
  const requested = mergeScopes(scopes);
  return state.hints.get(hintKey(host, requested)) ?? requested;
}

export function scopeKey(scopes: readonly Scope[]): string {
  return scopes.map(formatScope).join(" ");
}

export function hintKey(host: string, requested: readonly Scope[]): string {
  return `${host}\n${scopeKey(requested)}`;
}

/** The token cache key: realm + service + scopes + the registry host whose credentials obtain it. */
export function cacheKey(
  host: string,
  state: { realm: URL; service: string | undefined },
  scopes: readonly Scope[],
): string {
  return `${state.realm.href}\n${state.service ?? ""}\n${scopeKey(scopes)}\n${host}`;
}

function isDispatcher(value: object | undefined): value is Dispatcher {
  return typeof (value as { request?: unknown } | undefined)?.request === "function";
}
