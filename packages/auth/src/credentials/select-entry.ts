import { dockerConfigKey, normalizeRegistryHost } from "./normalize-registry-host.js";

/** Options of {@link selectEntry}. */
export interface SelectEntryOptions {
  /**
   * Whether keys with a path but no scheme (`quay.io/team/app`) may match a registry. Docker reduces them to the
   * host; podman means a single repository by them, so its reader skips them (we only know the host).
   */
  pathKeys: boolean;
}

/**
 * Finds the key of `record` that belongs to `registry` (`spec/PROTOCOL.md` §14.2): an exact match on the host
 * first, then on Docker's key for it (`https://index.docker.io/v1/` for Docker Hub), then any key that reduces
 * to the same host (`https://host/v1/`, `http://host`).
 */
export function selectEntry<T>(
  record: Readonly<Record<string, T>>,
  registry: string,
  options: SelectEntryOptions,
): [key: string, value: T] | undefined {
  for (const key of [registry, dockerConfigKey(registry)]) {
    if (Object.hasOwn(record, key)) return [key, record[key] as T];
  }
  const host = normalizeRegistryHost(registry);
  for (const [key, value] of Object.entries(record)) {
    if (!options.pathKeys && !/^[a-z][a-z0-9+.-]*:\/\//i.test(key) && key.includes("/")) continue;
    if (normalizeRegistryHost(key) === host) return [key, value];
  }
  return undefined;
}
