import { normalizeRegistryHost } from "@stevedore/auth";
import { refuseReferenceCredentials, registryHost, UsageError } from "@stevedore/core";

/** A registry as `login`, `logout`, `ping` and `catalog` take it. */
export interface RegistryName {
  /** The name credentials are stored under: `docker.io` for Docker Hub, else `host[:port]`, lower case. */
  name: string;
  /** The host requests go to (`registry-1.docker.io` for Docker Hub). */
  host: string;
}

const hostPattern =
  /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)(?::(\d{1,5}))?$/;

/**
 * Reads a registry argument: `localhost:5000`, `ghcr.io`, `docker.io`, or a URL as Docker's config keys
 * write them (`https://index.docker.io/v1/`). Docker Hub's aliases all become `docker.io`.
 *
 * @throws UsageError when it is not a host with an optional port.
 * @example
 * parseRegistry("https://index.docker.io/v1/"); // { name: "docker.io", host: "registry-1.docker.io" }
 */
export function parseRegistry(input: string): RegistryName {
  if (typeof input !== "string" || input.trim() === "") throw new UsageError("a registry host is needed");
  refuseReferenceCredentials(input);
  // A path is only accepted in URL form, as Docker's config keys have it (`https://index.docker.io/v1/`).
  const isUrl = /^https?:\/\//i.test(input);
  const name = normalizeRegistryHost(input);
  const match = !isUrl && input.includes("/") ? null : hostPattern.exec(name);
  const port = match?.[1] === undefined ? undefined : Number(match[1]);
  if (match === null || (port !== undefined && (port < 1 || port > 65_535))) {
    throw new UsageError(
      `invalid registry ${JSON.stringify(input.slice(0, 200))}: expected a host name with an optional port, such as localhost:5000`,
    );
  }
  return { name, host: registryHost(name) };
}
