import type { CredentialProvider } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import type { Dispatcher } from "undici";
import { getGlobalDispatcher } from "undici";
import type { AuthOptions } from "./auth-options.js";

/** {@link AuthOptions} checked once, with every default filled in. */
export interface ResolvedAuthOptions {
  provider: CredentialProvider | undefined;
  dispatcher: Dispatcher;
  now: () => number;
  refreshMargin: number;
  plainHttpHosts: readonly string[];
  clientId: string;
  forceOAuth: boolean;
  timeout: number;
  onDebug: ((message: string) => void) | undefined;
}

/**
 * Validates {@link AuthOptions} and fills in the defaults.
 *
 * @throws UsageError for an option that cannot work (a negative margin, an empty client id).
 */
export function resolveAuthOptions(options: AuthOptions): ResolvedAuthOptions {
  const refreshMargin = options.refreshMargin ?? 30_000;
  if (!Number.isFinite(refreshMargin) || refreshMargin < 0) {
    throw new UsageError("refreshMargin must be a number of milliseconds, 0 or more");
  }
  const timeout = options.timeout ?? 30_000;
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new UsageError("timeout must be a positive number of milliseconds");
  const clientId = options.clientId ?? "stevedore";
  if (typeof clientId !== "string" || !/^[\x20-\x7e]+$/.test(clientId)) {
    throw new UsageError("clientId must be a non-empty string of printable ASCII characters");
  }
  const plainHttpHosts = options.plainHttpHosts ?? [];
  if (!Array.isArray(plainHttpHosts) || plainHttpHosts.some((host) => typeof host !== "string")) {
    throw new UsageError("plainHttpHosts must be an array of host names");
  }
  if (options.credentials !== undefined && typeof options.credentials?.get !== "function") {
    throw new UsageError("credentials must be a CredentialProvider (an object with a get method)");
  }
  return {
    provider: options.credentials,
    dispatcher: options.dispatcher ?? getGlobalDispatcher(),
    now: options.now ?? Date.now,
    refreshMargin,
    plainHttpHosts: [...plainHttpHosts],
    clientId,
    forceOAuth: options.forceOAuth ?? false,
    timeout,
    onDebug: options.onDebug,
  };
}
