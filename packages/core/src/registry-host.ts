import { DockerHub } from "./docker-hub.js";

/**
 * The `host[:port]` to send requests to for a registry name: `docker.io` is served by
 * `registry-1.docker.io` (`spec/PROTOCOL.md` §15); every other name is its own host, lower-cased.
 *
 * @example
 * registryHost("docker.io"); // "registry-1.docker.io"
 * registryHost("localhost:5000"); // "localhost:5000"
 */
export function registryHost(registry: string): string {
  const host = registry.toLowerCase();
  return host === DockerHub.registry ? DockerHub.host : host;
}
