/**
 * True when `hostname` (as `URL.hostname` gives it, or a bare host name) names this machine: `localhost`,
 * `*.localhost` (RFC 6761 §6.3), `127.0.0.0/8` or `::1`. Plain HTTP to these cannot be read by anyone else on
 * the network: the transport uses it for them by default, and auth accepts a token realm there.
 *
 * @example
 * isLoopbackHost("registry.localhost"); // true
 * isLoopbackHost(new URL("http://[::1]:5000/").hostname); // true
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "[::1]" || host === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
