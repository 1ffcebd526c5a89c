/**
 * The one dispatcher of a transport (`DESIGN.md` §5): keep-alive connection pools (an undici `Agent`, or
 * `EnvHttpProxyAgent` when proxies are configured; one per distinct TLS setting), with undici's retry and
 * redirect interceptors composed on top — here and nowhere else.
 */

import { X509Certificate } from "node:crypto";
import type { ConnectionOptions } from "node:tls";
import { createSecureContext, getCACertificates } from "node:tls";
import { UsageError } from "@stevedore/core";
import { Agent, type Dispatcher, EnvHttpProxyAgent, interceptors } from "undici";
import { createConnector } from "./create-connector.js";
import type { DebugLog } from "./debug-log.js";
import { HostRouter } from "./host-router.js";
import { hasTls, type ResolvedTransportOptions } from "./resolve-options.js";
import { createRetryCallback } from "./retry-policy.js";
import type { TlsOptions } from "./transport-options.js";

/** The composed dispatcher and how to close what the transport opened. */
export interface TransportDispatcher {
  dispatcher: Dispatcher;
  /** Where requests marked `bulk` go: HTTP/1.1 pools of their own when the others may speak h2. */
  bulkDispatcher: Dispatcher;
  close(): Promise<void>;
}

/** Builds the connection pools (unless the caller gave a dispatcher) and composes the interceptors. */
export function createDispatcher(resolved: ResolvedTransportOptions, debug: DebugLog): TransportDispatcher {
  const own = resolved.dispatcher === undefined ? createConnections(resolved, resolved.http2) : undefined;
  // Through a proxy the pools keep undici's connector, and h2 is never offered there (createAgent).
  const ownBulk =
    own !== undefined && resolved.http2 && resolved.proxy === undefined
      ? createConnections(resolved, false)
      : undefined;
  const dispatcher = composeInterceptors(resolved.dispatcher ?? own!, resolved, debug);
  return {
    dispatcher,
    bulkDispatcher: ownBulk === undefined ? dispatcher : composeInterceptors(ownBulk, resolved, debug),
    close: async () => {
      await Promise.all([own?.close(), ownBulk?.close()]);
    },
  };
}

/**
 * `compose([a, b])` makes `b` the outermost. Redirect is outermost, retry inside it: every hop — the
 * registry, then the storage or CDN it redirects to — is retried on its own URL with the headers of that
 * hop, so an `Authorization` header the redirect handler stripped on a change of origin is never brought
 * back by a retry. (Pinned by "retries each redirect hop on its own" in the tests.)
 */
export function composeInterceptors(
  base: Dispatcher,
  resolved: ResolvedTransportOptions,
  debug: DebugLog,
): Dispatcher {
  const retry = createRetryCallback({
    options: resolved.retry,
    sleep: resolved.sleep,
    now: resolved.now,
    random: resolved.random,
    onRetry: (decision, attempt, method, url) =>
      debug({ type: "retry", method, url, attempt, delay: decision.delay, reason: decision.reason }),
  });
  return base.compose([
    interceptors.retry({ throwOnError: false, retry }),
    interceptors.redirect({ maxRedirections: resolved.maxRedirections, throwOnMaxRedirect: true }),
  ]);
}

function createConnections(resolved: ResolvedTransportOptions, http2: boolean): Dispatcher {
  const fallback = createAgent(resolved, connectionTls(resolved.tls, "tls"), http2);
  const routes = new Map<string, Dispatcher>();
  for (const [key, host] of resolved.hosts) {
    if (!hasTls(host)) continue;
    const merged: TlsOptions = { ...resolved.tls };
    for (const field of ["ca", "cert", "key", "passphrase", "insecure"] as const) {
      if (host[field] !== undefined) Object.assign(merged, { [field]: host[field] });
    }
    routes.set(key, createAgent(resolved, connectionTls(merged, `hosts[${JSON.stringify(key)}]`), http2));
  }
  return routes.size === 0 ? fallback : new HostRouter(fallback, routes);
}

function createAgent(resolved: ResolvedTransportOptions, tls: ConnectionOptions, http2: boolean): Dispatcher {
  const common = {
    keepAliveTimeout: resolved.keepAlive.timeout,
    keepAliveMaxTimeout: resolved.keepAlive.maxTimeout,
  };
  if (resolved.proxy === undefined) {
    return new Agent({
      ...common,
      allowH2: http2,
      connect: createConnector({ timeout: resolved.timeouts.connect, tls, http2 }),
    });
  }
  // Every value is passed explicitly (empty = none): EnvHttpProxyAgent reads process.env for any it lacks.
  // Through a proxy the connections keep undici's own connector.
  return new EnvHttpProxyAgent({
    ...common,
    connect: { timeout: resolved.timeouts.connect, ...tls },
    ...resolved.proxy,
    connectTimeout: resolved.timeouts.connect,
    requestTls: tls,
    ...(tls.ca === undefined ? {} : { proxyTls: { ca: tls.ca } }),
  });
}

/** Node TLS connection options for `tls`, checked now so a bad PEM is a `UsageError`, not a failed connect. */
function connectionTls(tls: TlsOptions, label: string): ConnectionOptions {
  const options: ConnectionOptions = {};
  if (typeof tls !== "object" || tls === null) throw new UsageError(`${label} must be an object`);
  if (tls.ca !== undefined) {
    const extra = (Array.isArray(tls.ca) ? tls.ca : [tls.ca]) as unknown[];
    // Node's `ca` replaces the default roots; a private CA should be trusted in addition to them.
    const authorities = extra.map((pem) => pemOf(pem, `${label}.ca`));
    for (const pem of authorities) checkCertificates(pem, `${label}.ca`);
    options.ca = [...getCACertificates("default"), ...authorities];
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new UsageError(`${label}: a client certificate needs both cert and key`);
  }
  if (tls.cert !== undefined) options.cert = pemOf(tls.cert, `${label}.cert`);
  if (tls.key !== undefined) options.key = pemOf(tls.key, `${label}.key`);
  if (tls.passphrase !== undefined) {
    if (typeof tls.passphrase !== "string") throw new UsageError(`${label}.passphrase must be a string`);
    options.passphrase = tls.passphrase;
  }
  if (tls.insecure !== undefined && typeof tls.insecure !== "boolean") {
    throw new UsageError(`${label}.insecure must be a boolean`);
  }
  if (tls.insecure) options.rejectUnauthorized = false;
  if (options.ca !== undefined || options.cert !== undefined) {
    try {
      // Made once and given to every connection: Node's `tls.connect` otherwise builds a context per
      // connection from `ca`, parsing every default root again each time
      // (docs/decisions/0024-tls-small-blobs.md).
      options.secureContext = createSecureContext({
        ca: options.ca,
        cert: options.cert,
        key: options.key,
        passphrase: options.passphrase,
      });
    } catch (error) {
      // OpenSSL's reason ("no start line", "bad decrypt") names the problem and quotes no key material.
      const reason = error instanceof Error ? error.message.split("\n")[0] : "unreadable";
      throw new UsageError(`${label}: invalid TLS certificate or key (${reason})`);
    }
  }
  return options;
}

/** Node skips CA entries it cannot parse; a typo in a CA file should fail loudly instead. */
function checkCertificates(pem: string | Buffer, label: string): void {
  const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new UsageError(`${label} holds no PEM certificate`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw new UsageError(`${label} holds an unreadable PEM certificate`);
    }
  }
}

function pemOf(value: unknown, label: string): string | Buffer {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  throw new UsageError(`${label} must be PEM text or bytes`);
}
