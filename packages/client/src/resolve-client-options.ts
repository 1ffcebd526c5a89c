/**
 * Checks {@link ClientOptions} once and turns them into what the client builds from: the environment, the
 * credential chain, the transport options (TLS, plain HTTP, proxies, hooks) and the copy defaults.
 * This is one of the two places (with the CLI) that read `process.env` and files (`DESIGN.md` §2).
 */
import { readFileSync } from "node:fs";
import { chainCredentials, staticCredentials } from "@stevedore/auth";
import { dockerConfigCredentials, podmanCredentials } from "@stevedore/auth/node";
import type { CredentialProvider, Platform, ProgressEvent } from "@stevedore/core";
import { checkConcurrency, errorCode, normalizePlatform, UsageError } from "@stevedore/core";
import type { HostOptions, PlainHttpOptions, TransportOptions } from "@stevedore/transport";
import type { ClientOptions } from "./client-options.js";

/** {@link ClientOptions} after validation, with defaults applied. */
export interface ResolvedClientOptions {
  env: Record<string, string | undefined>;
  /** The chain the client's auth asks; `undefined`: anonymous. */
  credentials: CredentialProvider | undefined;
  /**
   * The transport options without `auth`; `plainHttp` is `true` for every host, or the listed hosts (with
   * the caller's loopback rule, when its `transport.plainHttp` gave one).
   */
  transport: TransportOptions;
  /** Hosts listed as plain HTTP: auth also allows a plain token realm there when another registry names it. */
  plainHttpHosts: readonly string[];
  /** `undefined`: not set — copies are whole, and where one image is needed the default platform is used. */
  platforms: readonly Platform[] | "all" | undefined;
  concurrency: number | undefined;
  onProgress: ((event: ProgressEvent) => void) | undefined;
  onDebug: ((line: string) => void) | undefined;
}

/** Validates `options` and applies the defaults. Throws `UsageError` naming the option that cannot work. */
export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  if (typeof options !== "object" || options === null)
    throw new UsageError("client options must be an object");
  const env = options.env ?? process.env;
  if (typeof env !== "object" || env === null) throw new UsageError("env must be an object of strings");
  const plainHttp = options.plainHttp ?? false;
  const plainHttpHosts = plainHttp === true || plainHttp === false ? [] : hostList("plainHttp", plainHttp);
  const extra = options.transport ?? {};
  if (typeof extra !== "object" || extra === null) throw new UsageError("transport must be an object");
  const ownDispatcher = extra.dispatcher !== undefined;
  // A caller's transport.plainHttp may be the grouped form: its hosts join the client's, its loopback rule stays.
  const extraPlain = extra.plainHttp;
  const grouped = typeof extraPlain === "object" && extraPlain !== null && !Array.isArray(extraPlain);
  const extraHosts = grouped ? (extraPlain as PlainHttpOptions).hosts : extraPlain;
  const loopback = grouped ? (extraPlain as PlainHttpOptions).loopback : undefined;
  const hosts =
    plainHttp === true || extraHosts === true
      ? true
      : [...plainHttpHosts, ...(Array.isArray(extraHosts) ? (extraHosts as readonly string[]) : [])];
  const transport: TransportOptions = {
    ...connectionOptions(options, ownDispatcher, env),
    plainHttp: loopback === undefined ? hosts : { hosts, loopback },
    ...(options.onWarning === undefined ? {} : { onWarning: callback("onWarning", options.onWarning) }),
    ...(options.onDebug === undefined ? {} : { onDebug: lineOnly(callback("onDebug", options.onDebug)) }),
  };
  const merged: TransportOptions = {
    ...transport,
    ...extra,
    plainHttp: transport.plainHttp ?? [],
    hosts: mergeHosts(transport.hosts, extra.hosts),
    ...(transport.tls === undefined && extra.tls === undefined
      ? {}
      : { tls: { ...transport.tls, ...extra.tls } }),
  };
  delete merged.auth;
  return {
    env,
    credentials: credentialsFor(options, env),
    transport: merged,
    plainHttpHosts,
    platforms: platformsOf(options.platforms),
    concurrency: concurrencyOf(options.concurrency),
    onProgress: callback("onProgress", options.onProgress),
    onDebug: callback("onDebug", options.onDebug),
  };
}

/**
 * TLS, per-host insecure flags, HTTP/2 and proxies. A caller's own dispatcher (tests) owns its connections, so
 * proxies are then left to it, and TLS options are refused by the transport as usual.
 */
function connectionOptions(
  options: ClientOptions,
  ownDispatcher: boolean,
  env: Record<string, string | undefined>,
): TransportOptions {
  const result: TransportOptions = {};
  const ca = (options.caFiles ?? []).map(readCaFile);
  if (options.caFiles !== undefined && !Array.isArray(options.caFiles)) {
    throw new UsageError("caFiles must be a list of file paths");
  }
  const insecure = options.insecure ?? false;
  if (ca.length > 0 || insecure === true) {
    result.tls = { ...(ca.length > 0 ? { ca } : {}), ...(insecure === true ? { insecure: true } : {}) };
  }
  if (insecure !== true && insecure !== false) {
    const hosts: Record<string, HostOptions> = {};
    for (const host of hostList("insecure", insecure)) hosts[host] = { insecure: true };
    result.hosts = hosts;
  }
  if (options.http2 !== undefined) {
    if (typeof options.http2 !== "boolean") throw new UsageError("http2 must be true or false");
    result.http2 = options.http2;
  }
  const environmentProxies = options.environmentProxies ?? true;
  if (typeof environmentProxies !== "boolean") throw new UsageError("environmentProxies must be a boolean");
  if (environmentProxies && !ownDispatcher && hasProxy(env)) {
    result.proxy = "environment";
    result.env = env;
  }
  return result;
}

function readCaFile(path: unknown): string {
  if (typeof path !== "string" || path === "") throw new UsageError("caFiles must be a list of file paths");
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = errorCode(error) ?? "unknown error";
    throw new UsageError(`cannot read CA file ${path} (${code})`, { cause: error });
  }
}

function hasProxy(env: Record<string, string | undefined>): boolean {
  return ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"].some((name) => (env[name] ?? "") !== "");
}

function credentialsFor(
  options: ClientOptions,
  env: Record<string, string | undefined>,
): CredentialProvider | undefined {
  const providers: CredentialProvider[] = [];
  if (options.staticCredentials !== undefined) {
    if (typeof options.staticCredentials !== "object" || options.staticCredentials === null) {
      throw new UsageError("staticCredentials must map registry hosts to { username, password }");
    }
    providers.push(staticCredentials(options.staticCredentials));
  }
  const credentials = options.credentials;
  if (credentials === undefined) {
    providers.push(dockerConfigCredentials({ env }), podmanCredentials({ env }));
  } else if (credentials !== false) {
    if (typeof credentials !== "object" || credentials === null || typeof credentials.get !== "function") {
      throw new UsageError("credentials must be a CredentialProvider (an object with get()) or false");
    }
    providers.push(credentials);
  }
  if (providers.length === 0) return undefined;
  return providers.length === 1 ? providers[0] : chainCredentials(providers);
}

function platformsOf(value: ClientOptions["platforms"]): readonly Platform[] | "all" | undefined {
  if (value === undefined) return undefined;
  return checkPlatforms("platforms", value);
}

/** Checks a platform list option (`"all"` or at least one `{ os, architecture }`). */
export function checkPlatforms(name: string, value: unknown): readonly Platform[] | "all" {
  if (value === "all") return "all";
  if (!Array.isArray(value) || value.length === 0) {
    throw new UsageError(`${name} must be "all" or a non-empty list of platforms`);
  }
  for (const platform of value) {
    if (
      typeof platform !== "object" ||
      platform === null ||
      typeof (platform as Platform).os !== "string" ||
      typeof (platform as Platform).architecture !== "string"
    ) {
      throw new UsageError(
        `${name} must hold platforms ({ os, architecture }); parse strings with parsePlatform`,
      );
    }
    normalizePlatform(platform as Platform);
  }
  return value as Platform[];
}

/** Checks a concurrency option by core's rule (`concurrencyRange`); `undefined` keeps the default. */
export function concurrencyOf(value: unknown): number | undefined {
  return value === undefined ? undefined : checkConcurrency(value);
}

function hostList(name: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((host) => typeof host !== "string" || host === "")) {
    throw new UsageError(`${name} must be true, false or a list of host names`);
  }
  return value.map((host: string) => host.toLowerCase());
}

function mergeHosts(
  ours: Readonly<Record<string, HostOptions>> | undefined,
  theirs: Readonly<Record<string, HostOptions>> | undefined,
): Record<string, HostOptions> | undefined {
  if (ours === undefined && theirs === undefined) return undefined;
  const hosts: Record<string, HostOptions> = { ...ours };
  for (const [host, value] of Object.entries(theirs ?? {})) hosts[host] = { ...hosts[host], ...value };
  return hosts;
}

function callback<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== "function") throw new UsageError(`${name} must be a function`);
  return value;
}

function lineOnly(hook: ((line: string) => void) | undefined): ((line: string) => void) | undefined {
  return hook === undefined ? undefined : (line) => hook(line);
}
