import { isLoopbackHost } from "@stevedore/core";

/** True when plain HTTP to `url` is acceptable: a loopback host, or a host (with or without port) the caller listed. */
export function isPlainHttpAllowed(url: URL, plainHttpHosts: readonly string[]): boolean {
  if (isLoopbackHost(url.hostname)) return true;
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  return plainHttpHosts.some((entry) => {
    const listed = entry.toLowerCase();
    return listed === host || listed === hostname;
  });
}
