/**
 * Which scheme a request goes out with (issue 12.5, `spec/PROTOCOL.md` §1). HTTPS everywhere, plain HTTP
 * where the caller asked for it (`plainHttp`, `hosts[…].plainHttp`), and on a loopback host HTTPS first: a
 * port-forwarded or tunnelled TLS registry on 127.0.0.1 works, and a plain one still does, as with docker.
 * `baseUrl` gives loopback hosts `http:` (plain HTTP is allowed there); before the first request to such a
 * host:port, a TLS hello on a plain TCP connection tells whether the server speaks TLS (speaks-tls.ts), and
 * the answer is kept. Through a proxy or a caller's dispatcher, which may not connect directly, a
 * `GET /v2/` over HTTPS asks instead.
 */

import { errorCode, isLoopbackHost } from "@stevedore/core";
import type { Dispatcher } from "undici";
import type { DebugLog } from "./debug-log.js";
import { findHostOptions } from "./host-match.js";
import type { ResolvedTransportOptions } from "./resolve-options.js";
import { speaksTls } from "./speaks-tls.js";

/** The plain-HTTP decisions of one transport. */
export interface SchemePolicy {
  /**
   * Whether plain HTTP to `url`'s origin is the caller's choice (every host, a listed host) or a loopback
   * host: an auth strategy may send credentials there without TLS (`AuthRequest.plainHttp`).
   */
  allowsPlainHttp(url: URL): boolean;
  /**
   * The URL to send: an `http:` URL of a loopback host that speaks TLS becomes `https:` (same port). The
   * first call per host:port probes; the others wait for it.
   */
  resolve(url: URL, signal: AbortSignal | undefined): Promise<URL>;
}

// Certificate and client-certificate failures mean the server speaks TLS: the user needs --ca-file or
// --insecure, not plain HTTP.
const certificateFailure = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/;

/** Creates the {@link SchemePolicy} of a transport whose requests go through `dispatcher`. */
export function createSchemePolicy(
  resolved: ResolvedTransportOptions,
  dispatcher: Dispatcher,
  debug: DebugLog,
): SchemePolicy {
  const tls = new Map<string, Promise<boolean | undefined>>();
  const listed = new Set(resolved.plainHttp);

  const forcedPlain = (url: URL): boolean => {
    if (resolved.plainHttpEverywhere) return true;
    if (listed.has(url.host) || listed.has(url.hostname)) return true;
    return findHostOptions(resolved.hosts, url)?.plainHttp === true;
  };
  const loopbackAllowed = (url: URL): boolean =>
    resolved.plainHttpLoopback &&
    isLoopbackHost(url.hostname) &&
    findHostOptions(resolved.hosts, url)?.plainHttp !== false;

  const direct = resolved.dispatcher === undefined && resolved.proxy === undefined;
  const probe = async (url: URL): Promise<boolean | undefined> => {
    const port = url.port || "80";
    const answer = direct
      ? await speaksTls(url.hostname, Number(port), probeTimeout(resolved.timeouts.connect))
      : await probeWithRequest(url);
    if (answer !== undefined) {
      debug({
        type: "scheme",
        method: direct ? "TLS hello" : "GET",
        url: probeUrl(url, direct),
        tls: answer,
      });
    }
    return answer;
  };

  const probeWithRequest = async (url: URL): Promise<boolean | undefined> => {
    const origin = `https://${url.hostname}:${url.port || "80"}`;
    try {
      const response = await dispatcher.request({
        origin,
        path: "/v2/",
        method: "GET",
        headers: { "user-agent": resolved.userAgent },
        maxRedirections: 0,
        headersTimeout: resolved.timeouts.headers,
        // A plain server that waits for a line end never answers a TLS hello: do not stall the first request
        // for the whole connect timeout.
        signal: AbortSignal.timeout(probeTimeout(resolved.timeouts.connect)),
        retryOptions: {
          retry: (error: Error, _state: unknown, callback: (error: Error) => void) => callback(error),
        },
      } as Dispatcher.RequestOptions);
      await response.body.dump().catch(() => undefined);
    } catch (error) {
      const code = errorCode(error) ?? "";
      // Nothing listens: neither scheme will do; let the request itself say so, and ask again next time.
      if (code === "ECONNREFUSED") return undefined;
      if (!certificateFailure.test(code)) return false;
    }
    return true;
  };

  return {
    allowsPlainHttp: (url) => forcedPlain(url) || loopbackAllowed(url),

    async resolve(url, signal) {
      if (url.protocol !== "http:" || !loopbackAllowed(url) || forcedPlain(url)) return url;
      const key = `${url.hostname}:${url.port || "80"}`;
      let known = tls.get(key);
      if (known === undefined) {
        const started = probe(url);
        known = started;
        tls.set(key, started);
        started.then((answer) => {
          if (answer === undefined && tls.get(key) === started) tls.delete(key);
        });
      }
      const answer = await untilSettledOrAborted(known, signal);
      if (answer !== true) return url;
      const upgraded = new URL(url.href);
      upgraded.protocol = "https:";
      upgraded.port = url.port || "80";
      return upgraded;
    },
  };
}

/** What the debug line names: the origin the hello went to, or the URL the request asked. */
function probeUrl(url: URL, direct: boolean): string {
  const origin = `https://${url.hostname}:${url.port || "80"}`;
  return direct ? origin : `${origin}/v2/`;
}

/** How long the HTTPS probe may take: the connect timeout, at most 3 s (loopback answers in milliseconds). */
function probeTimeout(connect: number): number {
  return connect > 0 ? Math.min(connect, 3_000) : 3_000;
}

/** Waits for `promise`, or less if `signal` aborts (the request then fails as an aborted one does). */
export async function untilSettledOrAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | undefined> {
  if (signal === undefined) return promise;
  if (signal.aborted) return undefined;
  let onAbort: () => void = () => {};
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
