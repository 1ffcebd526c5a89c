import { parseReference, refuseReferenceCredentials, UsageError } from "@stevedore/core";

/**
 * Reads a REGISTRY argument (`login`, `logout`, `catalog`) as a registry name: `localhost:5000`,
 * `ghcr.io`, `docker.io`. A leading `https://`, `http://` or `docker://` and a trailing path are dropped,
 * as `docker login https://index.docker.io/v1/` users expect.
 *
 * @throws UsageError when the argument is not a registry host.
 * @example
 * registryArgument("https://Registry.Example.com/v2/"); // "registry.example.com"
 */
export function registryArgument(input: string): string {
  refuseReferenceCredentials(input);
  const host = input.replace(/^(?:https?|docker):\/\//i, "").replace(/\/.*$/, "");
  if (host === "") throw new UsageError(`${JSON.stringify(input)} is not a registry host`);
  let registry: string;
  try {
    registry = parseReference(`${host}/probe`).registry;
  } catch {
    throw new UsageError(`${JSON.stringify(input.slice(0, 100))} is not a registry host`);
  }
  // A name without '.', ':' or "localhost" is a Docker Hub repository, not a host.
  if (registry.toLowerCase() !== host.toLowerCase() && !(registry === "docker.io" && isHubAlias(host))) {
    throw new UsageError(
      `${JSON.stringify(input.slice(0, 100))} is not a registry host (expected host[:port], e.g. localhost:5000)`,
    );
  }
  return registry;
}

function isHubAlias(host: string): boolean {
  return ["docker.io", "index.docker.io", "registry-1.docker.io"].includes(host.toLowerCase());
}
