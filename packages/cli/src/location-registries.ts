import type { ClientModule } from "./command-context.js";

/**
 * The registries named by location arguments (`docker://host/repo:tag` or a bare reference), for
 * `-u`/`--password-stdin`. Local locations (`oci:PATH`, `docker-archive:PATH`, `oci-archive:PATH`) name none. Parsing also
 * rejects an unknown transport or a malformed reference (exit 2) before any work starts.
 */
export function locationRegistries(client: ClientModule, inputs: readonly string[]): string[] {
  const registries = new Set<string>();
  for (const input of inputs) {
    const location = client.parseLocation(input);
    if (location.kind === "registry") registries.add(location.reference.registry);
  }
  return [...registries];
}

/** True when a PATH argument already names a local transport (`oci:`, `oci-layout:`, `docker-archive:`, `oci-archive:`). */
export function hasLocalTransport(input: string): boolean {
  return /^(oci|oci-layout|docker-archive|oci-archive):/.test(input);
}
