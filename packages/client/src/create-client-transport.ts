/**
 * The transport and auth of a client, wired as `DESIGN.md` §2 asks: one transport, whose dispatcher (its
 * connections, TLS, proxy, retries) the auth strategy also uses for token requests. The two need each
 * other — the transport takes the strategy, the strategy takes the transport's dispatcher — so a small
 * forwarding strategy is handed to the transport first and pointed at the real one once it exists.
 */
import type { Auth } from "@stevedore/auth";
import { createAuth } from "@stevedore/auth";
import type { AuthRequest, AuthStrategy, CredentialProvider } from "@stevedore/core";
import type { Transport, TransportOptions, TransportRequest, TransportResponse } from "@stevedore/transport";
import { createTransport } from "@stevedore/transport";

/** What {@link createClientTransport} builds from. */
export interface ClientTransportOptions {
  /** Transport options without `auth`. */
  transport: TransportOptions;
  credentials: CredentialProvider | undefined;
  /** Every host over plain HTTP (`plainHttp: true`). */
  plainHttpEverywhere: boolean;
  plainHttpHosts: readonly string[];
  onDebug: ((line: string) => void) | undefined;
}

/** A transport with its auth strategy. */
export interface ClientTransport {
  /** The transport; its `baseUrl` honours `plainHttpEverywhere`. */
  readonly transport: Transport;
  /** Forgets cached tokens and credential lookups (after a login or logout changed the stored credentials). */
  clearAuth(): void;
  close(): Promise<void>;
}

/**
 * Creates the transport and the auth strategy of a client.
 *
 * With `plainHttpEverywhere`, auth only allows plain HTTP Basic and token realms to hosts it knows are
 * plain: `@stevedore/auth` takes a fixed host list. So one strategy per registry host is made on demand,
 * each allowing that host (and loopback, always). A token realm on another plain-HTTP host is refused —
 * list it in `plainHttp` to allow it.
 *
 * @example
 * const { transport, close } = createClientTransport({ transport: {}, credentials, plainHttpEverywhere: false, plainHttpHosts: [], onDebug: undefined });
 */
export function createClientTransport(options: ClientTransportOptions): ClientTransport {
  const strategies = new Map<string, Auth>();
  let shared: Auth | undefined;
  let transport: Transport | undefined;

  const makeAuth = (plainHttpHosts: readonly string[]): Auth =>
    createAuth({
      ...(transport === undefined ? {} : { dispatcher: transport.dispatcher }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
      plainHttpHosts,
      ...(options.onDebug === undefined ? {} : { onDebug: authDebug(options.onDebug) }),
    });

  const authFor = (request: AuthRequest): Auth => {
    if (!options.plainHttpEverywhere) {
      shared ??= makeAuth(options.plainHttpHosts);
      return shared;
    }
    const host = request.url.host.toLowerCase();
    let auth = strategies.get(host);
    if (auth === undefined) {
      auth = makeAuth([...options.plainHttpHosts, host]);
      strategies.set(host, auth);
    }
    return auth;
  };

  const forwarding: AuthStrategy = {
    authorize: (request) => authFor(request).authorize(request),
    challenge: (request, challenges) => authFor(request).challenge(request, challenges),
  };
  const created = createTransport({ ...options.transport, auth: forwarding });
  transport = created;
  // See `probeFirst`: per origin, the first existence check, in flight or done.
  const probes = new Map<string, Promise<void>>();
  const wrapped: Transport = {
    dispatcher: created.dispatcher,
    send: (request) => probeFirst(created, probes, request),
    baseUrl: options.plainHttpEverywhere ? (host) => plainBaseUrl(created.baseUrl(host)) : created.baseUrl,
    close: () => created.close(),
  };
  return {
    transport: wrapped,
    clearAuth() {
      probes.clear();
      shared?.clear();
      for (const auth of strategies.values()) auth.clear();
    },
    close: () => created.close(),
  };
}

/**
 * Sends the first `HEAD` with scopes to an origin on its own, and holds back the others to that origin until
 * it has been answered. A copy starts with many existence checks at once: when the registry wants a token,
 * the first one meets the challenge (401, `spec/PROTOCOL.md` §11.1), the transport fetches the token and
 * sends it again, and the strategy then knows the challenge, so the held-back ones go out with a token
 * instead of each taking a 401 round trip. An open registry simply answers the first one.
 *
 * Docker learns the challenge with a `GET /v2/` first; so did this client, at the cost of one round trip
 * before the first request of every command (on loopback ~10–20 ms of a 0.3 s copy, on the internet a
 * full round trip). Requests other than scoped `HEAD`s go out at once, as before.
 */
async function probeFirst(
  transport: Transport,
  probes: Map<string, Promise<void>>,
  request: TransportRequest,
): Promise<TransportResponse> {
  if (request.method !== "HEAD" || request.scopes === undefined || request.scopes.length === 0) {
    return transport.send(request);
  }
  const origin = originOf(request.url);
  if (origin === undefined) return transport.send(request);
  const probe = probes.get(origin);
  if (probe === undefined) {
    const sent = transport.send(request);
    probes.set(
      origin,
      sent.then(
        () => undefined,
        () => undefined,
      ),
    );
    return sent;
  }
  await untilSettledOrAborted(probe, request.signal);
  return transport.send(request);
}

function originOf(url: URL | string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Waits for `promise`, or less if `signal` aborts (the request then fails as an aborted one does). */
async function untilSettledOrAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) return;
  let onAbort: () => void = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function plainBaseUrl(url: URL): URL {
  return new URL(`http://${url.host}/`);
}

function authDebug(onDebug: (line: string) => void): (message: string) => void {
  return (message) => onDebug(`auth: ${message}`);
}
