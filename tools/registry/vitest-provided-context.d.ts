import type { ProvidedRegistry, ProvidedTokenRegistry } from "./provided-registry.ts";

// The values tools/registry/global-setup.ts provides, so `inject("registryToken")` is typed in every project.
declare module "vitest" {
  export interface ProvidedContext {
    /** distribution 2.8 without auth. */
    registryOpen: ProvidedRegistry;
    /** distribution 2.8 with htpasswd Basic auth: alice/alice-password, reader/reader-password. */
    registryHtpasswd: ProvidedRegistry;
    /** distribution 2.8 with token auth and the default policy, same users. */
    registryToken: ProvidedTokenRegistry;
  }
}
