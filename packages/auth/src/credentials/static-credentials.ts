import type { CredentialProvider, Credentials } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import { normalizeRegistryHost } from "./normalize-registry-host.js";

const credentialKeys: ReadonlySet<string> = new Set([
  "username",
  "password",
  "identityToken",
  "registryToken",
]);

/**
 * A provider with fixed credentials: either one {@link Credentials} object for every registry, or a map from
 * registry host (or Docker-style key such as `https://index.docker.io/v1/`) to credentials. Map keys are
 * compared after normalisation, so `docker.io`, `index.docker.io` and `registry-1.docker.io` are one registry.
 *
 * @throws UsageError when a credential field is not a string.
 * @example
 * const credentials = staticCredentials({ "ghcr.io": { username: "me", password: process.env.GHCR_TOKEN } });
 * const auth = createAuth({ credentials });
 */
export function staticCredentials(
  input: Credentials | Readonly<Record<string, Credentials>> | ReadonlyMap<string, Credentials>,
): CredentialProvider {
  if (isCredentials(input)) {
    const credentials = checked(input, "credentials");
    return { get: async () => ({ ...credentials }) };
  }
  const entries = input instanceof Map ? [...input.entries()] : Object.entries(input);
  const exact = new Map<string, Credentials>();
  const normalized = new Map<string, Credentials>();
  for (const [key, value] of entries as [string, Credentials][]) {
    const credentials = checked(value, `credentials for ${JSON.stringify(key)}`);
    exact.set(key, credentials);
    const host = normalizeRegistryHost(key);
    if (!normalized.has(host)) normalized.set(host, credentials);
  }
  return {
    async get(registry) {
      const found = exact.get(registry) ?? normalized.get(normalizeRegistryHost(registry));
      return found === undefined ? undefined : { ...found };
    },
  };
}

function isCredentials(value: object): value is Credentials {
  if (value instanceof Map) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((key) => credentialKeys.has(key));
}

function checked(value: unknown, what: string): Credentials {
  if (typeof value !== "object" || value === null) throw new UsageError(`${what} must be an object`);
  const result: Credentials = {};
  for (const key of credentialKeys) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    // The message names the field, never its value.
    if (typeof field !== "string") throw new UsageError(`${what}: ${key} must be a string`);
    result[key as keyof Credentials] = field;
  }
  return result;
}
