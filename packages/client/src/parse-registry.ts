import { normalizeRegistryHost } from "@stevedore/auth";
import { parseReference, refuseReferenceCredentials, registryHost, UsageError } from "@stevedore/core";

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

/** A catalog scope: a registry and, optionally, the repository path prefix to list under. */
export interface CatalogScope extends RegistryName {
  /** `team/app` of `localhost:5000/team/app`: only repositories equal to it or below it are listed. */
  prefix?: string;
}

/**
 * Reads `catalog`'s argument: a registry as {@link parseRegistry} takes it, `docker://REGISTRY` as in
 * locations, or `REGISTRY/PREFIX` to list only the repositories under a path prefix (whole path
 * components: `team` takes `team/app`, not `teamwork/app`).
 *
 * @throws UsageError when the registry or the prefix is not valid.
 * @example
 * parseCatalogScope("docker://localhost:5000/team"); // { name: "localhost:5000", host: "localhost:5000", prefix: "team" }
 */
export function parseCatalogScope(input: string): CatalogScope {
  if (typeof input !== "string") throw new UsageError("a registry host is needed");
  const text = input.startsWith("docker://") ? input.slice("docker://".length) : input;
  const slash = text.indexOf("/");
  if (/^https?:\/\//i.test(text) || slash === -1) return parseRegistry(text);
  const registry = parseRegistry(text.slice(0, slash));
  const prefix = text.slice(slash + 1).replace(/\/+$/, "");
  if (prefix === "") return registry;
  try {
    // A tag or digest parses as a reference but names no repository path: refused, not listed as nothing.
    if (/[:@]/.test(prefix)) throw new UsageError("not a path");
    parseReference(`${registry.name}/${prefix}`);
  } catch {
    throw new UsageError(
      `invalid repository prefix ${JSON.stringify(prefix.slice(0, 200))} in ${JSON.stringify(input.slice(0, 200))}: expected path components such as team/app`,
    );
  }
  return { ...registry, prefix };
}
