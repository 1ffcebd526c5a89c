/**
 * `createTransport`: HTTP for one registry client (`DESIGN.md` §2, §5). One dispatcher (keep-alive pools
 * with retry and redirect interceptors), `send()` with the auth dance and typed errors, `Warning` headers
 * and low rate limits reported through `onWarning`, and a redacted debug hook.
 */
import { UsageError } from "@stevedore/core";
import type { Dispatcher } from "undici";
import { baseUrlFor } from "./base-url-for.js";
import { createDispatcher } from "./create-dispatcher.js";
import { createRateLimitWatch } from "./create-rate-limit-watch.js";
import { createSend } from "./create-send.js";
import { createDebugLog } from "./debug-log.js";
import { parseWarnings } from "./parse-warnings.js";
import type { TransportRequest } from "./prepare-request.js";
import { resolveOptions } from "./resolve-options.js";
import { createSchemePolicy } from "./scheme-policy.js";
import type { TransportOptions } from "./transport-options.js";
import type { TransportResponse } from "./transport-response.js";

/** HTTP for a registry client. */
export interface Transport {
  /**
   * Sends a request: authorises it, follows redirects, retries what is safe to retry, answers one 401
   * challenge, and resolves with a response whose status is expected (default 2xx). Otherwise rejects
   * with `RegistryResponseError`, `NetworkError`, `AbortError`, `InvalidResponseError` or `UsageError`.
   */
  send(request: TransportRequest): Promise<TransportResponse>;
  /**
   * The composed dispatcher (connections, TLS, proxies, retries, redirects), for sharing with code that
   * makes its own undici requests — the token requests of `@stevedore/auth`.
   */
  readonly dispatcher: Dispatcher;
  /**
   * The origin URL for a registry host, `http:` for loopback and plain-HTTP hosts (see `baseUrlFor`). `send`
   * still tries HTTPS first on a loopback host unless plain HTTP was asked for it.
   */
  baseUrl(host: string): URL;
  /** Closes the connections the transport opened (not a dispatcher passed in). `send` then fails. */
  close(): Promise<void>;
}

const maxRememberedWarnings = 1000;

/**
 * Creates a {@link Transport}. Throws `UsageError` when an option cannot work.
 *
 * @example
 * const transport = createTransport({ auth: strategy, retry: { maxRetries: 5 } });
 * const response = await transport.send({
 *   method: "GET",
 *   url: new URL("/v2/library/alpine/manifests/3.20", transport.baseUrl("registry-1.docker.io")),
 *   headers: { accept: "application/vnd.oci.image.index.v1+json" },
 *   scopes: [{ type: "repository", name: "library/alpine", actions: ["pull"] }],
 * });
 * const manifest = await response.bytes(4 * 1024 * 1024);
 * await transport.close();
 */
export function createTransport(options: TransportOptions = {}): Transport {
  const resolved = resolveOptions(options);
  const debug = createDebugLog(isolate(resolved.onDebug));
  const { dispatcher, bulkDispatcher, close } = createDispatcher(resolved, debug);
  const seenWarnings = new Set<string>();
  const onWarning = isolate(resolved.onWarning);
  const watchRateLimit = createRateLimitWatch();
  const send = createSend({
    resolved,
    dispatcher,
    bulkDispatcher,
    debug,
    schemes: createSchemePolicy(resolved, dispatcher, debug),
    onHeaders(headers, status) {
      if (onWarning === undefined) return;
      for (const warning of parseWarnings(headers.warning)) {
        if (seenWarnings.has(warning)) continue;
        if (seenWarnings.size < maxRememberedWarnings) seenWarnings.add(warning);
        onWarning(warning);
      }
      const rateLimitWarning = watchRateLimit(headers, status);
      if (rateLimitWarning !== undefined) onWarning(rateLimitWarning);
    },
  });
  let closed: Promise<void> | undefined;
  return {
    dispatcher,
    async send(request) {
      if (closed) throw new UsageError("the transport is closed");
      return send(request);
    },
    baseUrl: (host) => baseUrlFor(host, options),
    close() {
      closed ??= close();
      return closed;
    },
  };
}

/** A hook whose exceptions cannot break a request. */
function isolate<A extends unknown[]>(
  hook: ((...args: A) => void) | undefined,
): ((...args: A) => void) | undefined {
  if (hook === undefined) return undefined;
  return (...args) => {
    try {
      hook(...args);
    } catch {
      // A logging hook failing must not fail the request it describes.
    }
  };
}
