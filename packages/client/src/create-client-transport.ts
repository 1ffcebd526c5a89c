/**
 * The transport and auth of a client, wired as `DESIGN.md` §2 asks: one transport and one auth strategy.
 * The transport hands the strategy its dispatcher and its plain-HTTP decision with every call
 * (`AuthRequest.dispatcher`, `AuthRequest.plainHttp`), so token requests share its connections, TLS and
 * proxy, and the transport alone decides which hosts are plain HTTP.
 */
import { createAuth } from "@stevedore/auth";
import type { CredentialProvider } from "@stevedore/core";
import type { Transport, TransportOptions } from "@stevedore/transport";
import { createTransport } from "@stevedore/transport";

/** What {@link createClientTransport} builds from. */
export interface ClientTransportOptions {
  /** Transport options without `auth`. */
  transport: TransportOptions;
  credentials: CredentialProvider | undefined;
  /** Hosts listed as plain HTTP: a token realm there is allowed over plain HTTP for any registry. */
  plainHttpHosts: readonly string[];
  onDebug: ((line: string) => void) | undefined;
}

/** A transport with its auth strategy. */
export interface ClientTransport {
  readonly transport: Transport;
  /** Forgets cached tokens and credential lookups (after a login or logout changed the stored credentials). */
  clearAuth(): void;
  close(): Promise<void>;
}

/**
 * Creates the transport and the auth strategy of a client.
 *
 * @example
 * const { transport, close } = createClientTransport({ transport: {}, credentials, plainHttpHosts: [], onDebug: undefined });
 */
export function createClientTransport(options: ClientTransportOptions): ClientTransport {
  const onDebug = options.onDebug;
  const auth = createAuth({
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    plainHttpHosts: options.plainHttpHosts,
    ...(onDebug === undefined ? {} : { onDebug: (message: string) => onDebug(`auth: ${message}`) }),
  });
  const transport = createTransport({ ...options.transport, auth });
  return {
    transport,
    clearAuth: () => auth.clear(),
    close: () => transport.close(),
  };
}
