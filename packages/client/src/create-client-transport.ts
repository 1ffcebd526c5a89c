/**
 * The transport and auth of a client, wired as `DESIGN.md` §2 asks: one transport, whose dispatcher (its
 * connections, TLS, proxy, retries) the auth strategy also uses for token requests. The two need each
 * other — the transport takes the strategy, the strategy takes the transport's dispatcher — so a small
 * forwarding strategy is handed to the transport first and pointed at the real one once it exists.
 */
import type { Auth } from "@stevedore/auth";
import { createAuth } from "@stevedore/auth";
import type { AuthRequest, AuthStrategy, CredentialProvider } from "@stevedore/core";
import type { Transport, TransportOptions } from "@stevedore/transport";
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

  // See `learnChallenge`: origins whose challenge was looked up with a GET /v2/.
  const learned = new Map<string, Promise<void>>();

  const forwarding: AuthStrategy = {
    async authorize(request) {
      const auth = authFor(request);
      const header = await auth.authorize(request);
      if (header !== undefined || request.method !== "HEAD" || request.scopes.length === 0) return header;
      const origin = request.url.origin;
      let learning = learned.get(origin);
      if (learning === undefined) {
        learning = learnChallenge(created, auth, request);
        learned.set(origin, learning);
      }
      await learning;
      return auth.authorize(request);
    },
    challenge: (request, challenges) => authFor(request).challenge(request, challenges),
  };
  const created = createTransport({ ...options.transport, auth: forwarding });
  transport = created;
  const wrapped: Transport = {
    dispatcher: created.dispatcher,
    send: (request) => created.send(request),
    baseUrl: options.plainHttpEverywhere ? (host) => plainBaseUrl(created.baseUrl(host)) : created.baseUrl,
    close: () => created.close(),
  };
  return {
    transport: wrapped,
    clearAuth() {
      learned.clear();
      shared?.clear();
      for (const auth of strategies.values()) auth.clear();
    },
    close: () => created.close(),
  };
}

/**
 * Teaches `auth` the registry's challenge with an anonymous `GET /v2/` (`spec/PROTOCOL.md` §11.1), as
 * Docker does before its first request.
 *
 * A copy starts with many existence checks (`HEAD`) at once; learning the challenge once per origin first
 * means they all go out with a token instead of each taking a 401 round trip. (It was first written to
 * avoid an uncaught error on refused HEADs in the transport, since fixed there.) Best effort: any failure
 * here leaves the normal flow to report.
 */
async function learnChallenge(transport: Transport, auth: Auth, request: AuthRequest): Promise<void> {
  try {
    const url = new URL("/v2/", request.url);
    const response = await transport.send({
      method: "GET",
      url,
      scopes: [],
      // A 401 is handed back untouched, so its challenge is learned here without a token request.
      expect: [200, 204, 401],
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    const header = response.headers["www-authenticate"];
    await response.dump();
    const challenges = header === undefined ? [] : Array.isArray(header) ? header : [header];
    if (response.status === 401 && challenges.length > 0) {
      await auth.challenge({ method: "GET", url, scopes: [] }, challenges);
    }
  } catch {
    // The request that asked will meet the same problem and report it properly.
  }
}

function plainBaseUrl(url: URL): URL {
  return new URL(`http://${url.host}/`);
}

function authDebug(onDebug: (line: string) => void): (message: string) => void {
  return (message) => onDebug(`auth: ${message}`);
}
