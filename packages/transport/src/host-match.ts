/**
 * Host names as the options spell them (`registry.local:5000`, `localhost`, `[::1]:5000`) and how a URL
 * is matched against them: `host:port` first, then `host` alone, which covers every port.
 */
import { UsageError } from "@stevedore/core";

const hostPattern = /^(\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?::(\d{1,5}))?$/i;

/** Checks a `host` or `host:port` key and returns it in the form URLs use (lower case, IPv6 compressed). */
export function normalizeHostKey(key: string, option: string): string {
  const match = typeof key === "string" ? hostPattern.exec(key) : null;
  let hostname: string | undefined;
  try {
    hostname = match ? new URL(`http://${match[1]}/`).hostname : undefined;
  } catch {
    hostname = undefined;
  }
  const port = match?.[2];
  if (hostname === undefined || (port !== undefined && Number(port) > 65_535)) {
    throw new UsageError(
      `${option}: ${JSON.stringify(String(key).slice(0, 100))} is not a host or host:port (no scheme, no path)`,
    );
  }
  return port === undefined ? hostname : `${hostname}:${Number(port)}`;
}

/** The keys a URL matches, most specific first: `host:port` (the effective port), then `host`. */
export function hostKeysOf(url: URL): [string, string] {
  const port = url.port || (url.protocol === "http:" ? "80" : "443");
  return [`${url.hostname}:${port}`, url.hostname];
}

/** The entry of `hosts` that applies to `url`, if any. */
export function findHostOptions<T>(hosts: ReadonlyMap<string, T>, url: URL): T | undefined {
  for (const key of hostKeysOf(url)) {
    const found = hosts.get(key);
    if (found !== undefined) return found;
  }
  return undefined;
}
