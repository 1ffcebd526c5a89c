/**
 * The options of `createTransport`. Every policy (retries, timeouts, TLS, proxies, plain HTTP) is a knob
 * here with a default that suits a registry client; nothing is read from the environment or the file
 * system by this package — the caller hands over what it wants used (`DESIGN.md` §2, STYLE "Dependencies").
 */
import type { AuthStrategy } from "@stevedore/core";
import type { Dispatcher } from "undici";
import type { TransportDebugEvent } from "./debug-log.js";

/** TLS settings for every host, or for one host in {@link TransportOptions.hosts}. */
export interface TlsOptions {
  /**
   * Extra certificate authorities (PEM text or bytes) trusted in addition to Node's default roots, for a
   * registry with a private CA. Several PEM blocks in one string are fine.
   */
  ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** A client certificate chain (PEM) for registries that ask for mutual TLS. Needs {@link key}. */
  cert?: string | Uint8Array;
  /** The private key (PEM) of {@link cert}. */
  key?: string | Uint8Array;
  /** The passphrase of an encrypted {@link key}. */
  passphrase?: string;
  /** Skips certificate verification (`--insecure`). The connection is still encrypted, but not authenticated. */
  insecure?: boolean;
}

/** Settings for one registry host (`registry.local:5000`, `[::1]`, `registry.example.com`). */
export interface HostOptions extends TlsOptions {
  /**
   * Speak plain HTTP to this host (`true`), or only HTTPS (`false`, also for a loopback host). Decides
   * {@link Transport.baseUrl} and whether an auth strategy may send credentials to it without TLS.
   */
  plainHttp?: boolean;
}

/** Retry policy for idempotent requests (`DESIGN.md` §5). Delays are in milliseconds. */
export interface RetryOptions {
  /** Retries after the first attempt; `0` turns retrying off. Default `3`. */
  maxRetries?: number;
  /** The first backoff delay. Default `500`. */
  minDelay?: number;
  /** The largest backoff delay. Default `10_000`. */
  maxDelay?: number;
  /** Growth of the delay per retry. Default `2`. */
  factor?: number;
  /** Fraction (0–1) of each backoff delay taken off at random, so clients do not retry in lock step. Default `0.2`. */
  jitter?: number;
  /**
   * The longest `Retry-After` that is waited for. A registry that asks for a longer wait gets no retry:
   * the `RegistryResponseError` carries `retryAfter` so the caller can decide. Default `60_000`.
   */
  maxRetryAfter?: number;
  /** Statuses that are retried. Default `[408, 429, 500, 502, 503, 504]`. */
  statusCodes?: readonly number[];
  /** Error codes of failed connections that are retried (idempotent requests only). */
  errorCodes?: readonly string[];
}

/** Timeouts in milliseconds; `0` disables one. */
export interface TimeoutOptions {
  /** Establishing the TCP (and TLS) connection. Default `10_000`. */
  connect?: number;
  /** From sending the request to receiving the response headers. Default `300_000`. */
  headers?: number;
  /** The longest pause between two chunks of a response body. Default `300_000`. */
  bodyIdle?: number;
}

/** How long idle connections are kept for reuse. */
export interface KeepAliveOptions {
  /** Idle time before a kept-alive socket is closed, when the server gives no hint. Default `10_000`. */
  timeout?: number;
  /** The most a server's `Keep-Alive: timeout=` hint may extend that. Default `600_000`. */
  maxTimeout?: number;
}

/** Plain-HTTP settings of {@link TransportOptions.plainHttp}. */
export interface PlainHttpOptions {
  /** Hosts (`host` or `host:port`) spoken to over plain HTTP only, or `true` for every host. */
  hosts?: readonly string[] | boolean;
  /**
   * Whether loopback hosts (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`) may use plain HTTP. Default
   * `true`: their `baseUrl` is `http:`, and `send` tries HTTPS first on each such host:port and keeps to
   * plain HTTP when the server does not speak TLS (remembered for the transport's lifetime), as docker does.
   * `false`: HTTPS only.
   */
  loopback?: boolean;
}

/** Proxy settings of {@link TransportOptions.proxy}. */
export interface ProxyOptions {
  /** Take the values not given here from `HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY` in `TransportOptions.env`. */
  environment?: boolean;
  /** Proxy URL for `http:` targets. */
  http?: string;
  /** Proxy URL for `https:` targets (tunnelled with `CONNECT`). */
  https?: string;
  /** Comma-separated hosts reached directly, as in `NO_PROXY` (`.example.com`, `host:port`, `*`). */
  noProxy?: string;
}

/** The time and randomness of {@link TransportOptions.clock}, injected by tests. */
export interface ClockOptions {
  /** Waits before a retry. Default: a timer that `signal` cancels. */
  sleep?: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  /** The clock, in epoch milliseconds, for `Retry-After` dates and debug timings. Default `Date.now`. */
  now?: () => number;
  /** Randomness in `[0, 1)` for the retry jitter. Default `Math.random`. */
  random?: () => number;
}

/** Options of `createTransport`. All are optional. */
export interface TransportOptions {
  /**
   * A dispatcher to send requests through instead of the transport's own `Agent` (a `MockAgent` in
   * tests). The transport composes its retry and redirect interceptors on top and does not close it.
   * Cannot be combined with the connection options (`tls`, TLS in `hosts`, proxies, `keepAlive`,
   * `timeouts.connect`), which belong to the dispatcher.
   */
  dispatcher?: Dispatcher;
  /** Supplies `Authorization` headers and learns from 401 challenges. Without one, requests go out anonymous. */
  auth?: AuthStrategy;
  /** TLS settings for every host. */
  tls?: TlsOptions;
  /** Per-host settings, keyed `host` (any port) or `host:port`; merged over {@link tls}. */
  hosts?: Readonly<Record<string, HostOptions>>;
  /**
   * Where plain HTTP is spoken: hosts (`host` or `host:port`) spoken to over plain HTTP only, or `true` for
   * every host (`--plain-http`) — short for `{ hosts }` — or {@link PlainHttpOptions} with the loopback rule.
   * The auth strategy is told (`AuthRequest.plainHttp`) so it may send credentials there without TLS.
   */
  plainHttp?: readonly string[] | boolean | PlainHttpOptions;
  /**
   * A proxy: `"environment"` takes `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (either case) from {@link env};
   * {@link ProxyOptions} names them, and with `environment: true` fills the rest from {@link env}.
   */
  proxy?: "environment" | ProxyOptions;
  /** The environment variables to read proxies from; this package never reads `process.env` itself. */
  env?: Readonly<Record<string, string | undefined>>;
  timeouts?: TimeoutOptions;
  keepAlive?: KeepAliveOptions;
  /**
   * Offer HTTP/2 (ALPN `h2`) beside HTTP/1.1 on TLS connections made directly (not through a proxy); a
   * server that does not pick it is spoken to in HTTP/1.1. Default `true` (undici's); `false` offers
   * HTTP/1.1 only. Measurements: `docs/decisions/0009-http2-option.md`.
   */
  http2?: boolean;
  retry?: RetryOptions;
  /** Redirects followed per request. Default `10`. */
  maxRedirections?: number;
  /** Bytes of an error response read to find the registry's error codes. Default `65_536`. */
  errorBodyLimit?: number;
  /** The `User-Agent` header. Default `"stevedore"`. */
  userAgent?: string;
  /**
   * Called once per distinct `Warning` text a registry sends (`spec/PROTOCOL.md` §9.3), and once when a
   * registry's announced rate limit (`ratelimit-remaining`, Docker Hub, §15) drops to 5 % of the limit or 0.
   */
  onWarning?: (warning: string) => void;
  /** Called with one redacted line (and its structured event) per request, retry, challenge and failure. */
  onDebug?: (line: string, event: TransportDebugEvent) => void;
  /** Time and chance: the clock, the wait between retries, the jitter's randomness. Tests inject them. */
  clock?: ClockOptions;
}
