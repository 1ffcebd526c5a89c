/** The hosts that all mean Docker Hub (`spec/PROTOCOL.md` §15). */
const dockerHubHosts: ReadonlySet<string> = new Set([
  "docker.io",
  "index.docker.io",
  "registry-1.docker.io",
  "registry.hub.docker.com",
]);

/** The key Docker uses for Docker Hub in `config.json` and with credential helpers (`spec/PROTOCOL.md` §14.2). */
export const dockerHubConfigKey: string = "https://index.docker.io/v1/";

/**
 * Reduces a registry host, a Docker config key or a URL to a comparable host name: scheme, user info and path
 * removed, lower case, and every Docker Hub alias (`index.docker.io`, `registry-1.docker.io`,
 * `https://index.docker.io/v1/`) mapped to `docker.io` (`spec/PROTOCOL.md` §14.2 step 2).
 *
 * @example
 * normalizeRegistryHost("https://index.docker.io/v1/"); // "docker.io"
 * normalizeRegistryHost("HTTPS://Registry.Example.com:5000/v2/"); // "registry.example.com:5000"
 */
export function normalizeRegistryHost(keyOrUrl: string): string {
  let host = keyOrUrl.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  host = host.replace(/^[^/@]*@/, "");
  const slash = host.indexOf("/");
  if (slash !== -1) host = host.slice(0, slash);
  host = host.toLowerCase();
  return dockerHubHosts.has(host) ? "docker.io" : host;
}

/** The key under which Docker stores credentials for `registry`: the Hub URL for Docker Hub, else the host. */
export function dockerConfigKey(registry: string): string {
  const host = normalizeRegistryHost(registry);
  return host === "docker.io" ? dockerHubConfigKey : host;
}
