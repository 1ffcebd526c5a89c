/**
 * Validates {@link TransportOptions} once, in the factory, and fills in the defaults. Anything that cannot
 * work is a `UsageError` with a one-line message naming the option; no value that may hold a secret (a
 * proxy URL with a password, a key) is quoted in it.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { AuthStrategy } from "@stevedore/core";
import { redactUrl, UsageError } from "@stevedore/core";
import type { Dispatcher } from "undici";
import type { TransportDebugEvent } from "./debug-log.js";
import { normalizeHostKey } from "./host-match.js";
import type { ResolvedRetryOptions } from "./retry-policy.js";
import { defaultErrorCodes, defaultStatusCodes } from "./retry-policy.js";
import type { HostOptions, ProxyOptions, TlsOptions, TransportOptions } from "./transport-options.js";

/** The proxy settings handed to undici's `EnvHttpProxyAgent` (empty string = none). */
export interface ResolvedProxy {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

/** {@link TransportOptions} after validation, with every default filled in. */
export interface ResolvedTransportOptions {
  dispatcher: Dispatcher | undefined;
  auth: AuthStrategy | undefined;
  tls: TlsOptions;
  /** Keys normalised by `normalizeHostKey`. */
  hosts: ReadonlyMap<string, HostOptions>;
  /** Hosts listed in `plainHttp`, normalised. */
  plainHttp: readonly string[];
  /** `plainHttp: true`: every host over plain HTTP. */
  plainHttpEverywhere: boolean;
  plainHttpLoopback: boolean;
  proxy: ResolvedProxy | undefined;
  timeouts: { connect: number; headers: number; bodyIdle: number };
  keepAlive: { timeout: number; maxTimeout: number };
  http2: boolean;
  retry: ResolvedRetryOptions;
  maxRedirections: number;
  errorBodyLimit: number;
  userAgent: string;
  onWarning: ((warning: string) => void) | undefined;
  onDebug: ((line: string, event: TransportDebugEvent) => void) | undefined;
  sleep: (milliseconds: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
}

/** `plainHttp` in its grouped form: `{ hosts, loopback }`. */
export function plainHttpSettings(value: TransportOptions["plainHttp"]): {
  hosts: readonly string[] | boolean;
  loopback: boolean;
} {
  if (value === undefined || typeof value === "boolean" || Array.isArray(value)) {
    return { hosts: value ?? false, loopback: true };
  }
  if (typeof value !== "object" || value === null) {
    throw new UsageError("plainHttp must be true, false, an array of hosts or { hosts, loopback }");
  }
  const { hosts = false, loopback = true } = value as { hosts?: unknown; loopback?: unknown };
  if (typeof loopback !== "boolean") throw new UsageError("plainHttp.loopback must be a boolean");
  if (typeof hosts !== "boolean" && !Array.isArray(hosts)) {
    throw new UsageError("plainHttp.hosts must be true, false or an array of hosts");
  }
  return { hosts: hosts as readonly string[] | boolean, loopback };
}

function plainHttpHosts(value: readonly string[] | boolean): string[] {
  if (typeof value === "boolean") return [];
  return value.map((host) => normalizeHostKey(host, "plainHttp"));
}

/** Validates `options` and fills in defaults; throws `UsageError` on anything that cannot work. */
export function resolveOptions(options: TransportOptions = {}): ResolvedTransportOptions {
  if (typeof options !== "object" || options === null)
    throw new UsageError("transport options must be an object");
  const retry = options.retry ?? {};
  const timeouts = options.timeouts ?? {};
  const keepAlive = options.keepAlive ?? {};
  const plainHttp = plainHttpSettings(options.plainHttp);
  const clock = options.clock ?? {};
  if (typeof clock !== "object" || clock === null) throw new UsageError("clock must be an object");
  const hosts = new Map<string, HostOptions>();
  for (const [key, value] of Object.entries(options.hosts ?? {})) {
    if (typeof value !== "object" || value === null)
      throw new UsageError(`hosts[${JSON.stringify(key)}] must be an object`);
    hosts.set(normalizeHostKey(key, "hosts"), value);
  }
  const resolved: ResolvedTransportOptions = {
    dispatcher: options.dispatcher,
    auth: checkAuth(options.auth),
    tls: options.tls ?? {},
    hosts,
    plainHttp: plainHttpHosts(plainHttp.hosts),
    plainHttpEverywhere: plainHttp.hosts === true,
    plainHttpLoopback: plainHttp.loopback,
    proxy: resolveProxy(options),
    timeouts: {
      connect: count("timeouts.connect", timeouts.connect, 10_000),
      headers: count("timeouts.headers", timeouts.headers, 300_000),
      bodyIdle: count("timeouts.bodyIdle", timeouts.bodyIdle, 300_000),
    },
    keepAlive: {
      timeout: count("keepAlive.timeout", keepAlive.timeout, 10_000),
      maxTimeout: count("keepAlive.maxTimeout", keepAlive.maxTimeout, 600_000),
    },
    http2: http2Option(options.http2),
    retry: {
      maxRetries: count("retry.maxRetries", retry.maxRetries, 3),
      minDelay: count("retry.minDelay", retry.minDelay, 500),
      maxDelay: count("retry.maxDelay", retry.maxDelay, 10_000),
      factor: number("retry.factor", retry.factor, 2, 1, 100),
      jitter: number("retry.jitter", retry.jitter, 0.2, 0, 1),
      maxRetryAfter: count("retry.maxRetryAfter", retry.maxRetryAfter, 60_000),
      statusCodes: new Set(list("retry.statusCodes", retry.statusCodes, defaultStatusCodes, "number")),
      errorCodes: new Set(list("retry.errorCodes", retry.errorCodes, defaultErrorCodes, "string")),
    },
    maxRedirections: count("maxRedirections", options.maxRedirections, 10),
    errorBodyLimit: count("errorBodyLimit", options.errorBodyLimit, 65_536),
    userAgent: text("userAgent", options.userAgent, "stevedore"),
    onWarning: callback("onWarning", options.onWarning),
    onDebug: callback("onDebug", options.onDebug),
    sleep: callback("clock.sleep", clock.sleep) ?? defaultSleep,
    now: callback("clock.now", clock.now) ?? Date.now,
    random: callback("clock.random", clock.random) ?? Math.random,
  };
  if (resolved.dispatcher !== undefined) checkOwnDispatcher(options, resolved);
  return resolved;
}

function checkAuth(auth: AuthStrategy | undefined): AuthStrategy | undefined {
  if (auth === undefined) return undefined;
  if (typeof auth?.authorize !== "function" || typeof auth.challenge !== "function") {
    throw new UsageError("auth must have authorize() and challenge() methods");
  }
  return auth;
}

function checkOwnDispatcher(options: TransportOptions, resolved: ResolvedTransportOptions): void {
  if (typeof resolved.dispatcher?.dispatch !== "function")
    throw new UsageError("dispatcher must be an undici Dispatcher");
  const hostTls = [...resolved.hosts.values()].some((host) => hasTls(host));
  if (
    hasTls(resolved.tls) ||
    hostTls ||
    resolved.proxy ||
    options.keepAlive ||
    options.http2 !== undefined ||
    options.timeouts?.connect !== undefined
  ) {
    throw new UsageError(
      "dispatcher cannot be combined with tls, host TLS settings, proxies, keepAlive, http2 or timeouts.connect: configure them on the dispatcher",
    );
  }
}

function http2Option(value: unknown): boolean {
  if (value !== undefined && typeof value !== "boolean") {
    throw new UsageError(`http2 must be true or false, got ${JSON.stringify(value) ?? typeof value}`);
  }
  return value ?? true;
}

/** True when `options` sets any TLS field. */
export function hasTls(options: TlsOptions): boolean {
  return (
    options.ca !== undefined ||
    options.cert !== undefined ||
    options.key !== undefined ||
    options.passphrase !== undefined ||
    options.insecure !== undefined
  );
}

function resolveProxy(options: TransportOptions): ResolvedProxy | undefined {
  if (options.proxy === undefined) return undefined;
  const given: ProxyOptions = options.proxy === "environment" ? { environment: true } : options.proxy;
  if (typeof given !== "object" || given === null) {
    throw new UsageError(
      'proxy must be "environment", { environment?, http?, https?, noProxy? } or left out',
    );
  }
  let env: Readonly<Record<string, string | undefined>> = {};
  if (given.environment === true) {
    if (typeof options.env !== "object" || options.env === null) {
      throw new UsageError("proxy.environment needs the environment variables in options.env");
    }
    env = options.env;
  }
  // Same precedence as curl and undici: the lower-case name wins.
  const fromEnv = (name: string): string => env[name.toLowerCase()] ?? env[name.toUpperCase()] ?? "";
  return {
    httpProxy: proxyUrl("proxy.http", given.http ?? fromEnv("http_proxy")),
    httpsProxy: proxyUrl("proxy.https", given.https ?? fromEnv("https_proxy")),
    noProxy: text("proxy.noProxy", given.noProxy ?? fromEnv("no_proxy"), ""),
  };
}

function proxyUrl(name: string, value: unknown): string {
  if (value === "") return "";
  if (typeof value !== "string") throw new UsageError(`${name} must be a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${name} is not a valid URL (${redactUrl(value)})`);
  }
  if (!["http:", "https:", "socks:", "socks5:"].includes(url.protocol)) {
    throw new UsageError(`${name} must be an http, https or socks5 URL (${redactUrl(url)})`);
  }
  return value;
}

function count(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new UsageError(`${name} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

function number(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function list<T extends "number" | "string">(
  name: string,
  value: unknown,
  fallback: readonly (T extends "number" ? number : string)[],
  type: T,
): readonly (T extends "number" ? number : string)[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.some((item) => typeof item !== type)) {
    throw new UsageError(`${name} must be an array of ${type}s`);
  }
  return value;
}

function text(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || /[\r\n\0]/.test(value))
    throw new UsageError(`${name} must be a one-line string`);
  return value;
}

function callback<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== "function") throw new UsageError(`${name} must be a function`);
  return value;
}

function describe(value: unknown): string {
  return typeof value === "number" ? String(value) : typeof value;
}

async function defaultSleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  await delay(milliseconds, undefined, signal ? { signal } : undefined);
}
