/**
 * True when `hostname` (as `URL.hostname` gives it) names this machine: `localhost`, `*.localhost`,
 * `127.0.0.0/8` or `::1`. Plain HTTP to these cannot be read by anyone else on the network.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "[::1]" || host === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

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
