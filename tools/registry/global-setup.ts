import type { TestProject } from "vitest/node";
import { defaultUsers } from "../token-server/default-policy.ts";
import type { ProvidedRegistry, ProvidedTokenRegistry } from "./provided-registry.ts";
import { type RunningRegistry, startRegistry } from "./start-registry.ts";

function describeRegistry(registry: RunningRegistry): ProvidedRegistry {
  return { mode: registry.mode, host: registry.host, url: registry.url, users: registry.users };
}

/**
 * Vitest global setup: starts one distribution registry per auth mode (open, htpasswd, token with the
 * default policy; users alice/alice-password and reader/reader-password), provides them as `registryOpen`,
 * `registryHtpasswd` and `registryToken`, and stops them in teardown. A missing `docker-registry` fails
 * the run: CI must never skip integration tests silently.
 *
 * @example
 * // packages/remote/vitest.config.ts
 * defineProject({ test: { name: "remote", globalSetup: ["../../tools/registry/global-setup.ts"] } });
 * // a test
 * const registry = inject("registryToken");
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const users = { ...defaultUsers };
  const results = await Promise.allSettled([
    startRegistry({ mode: "open" }),
    startRegistry({ mode: "htpasswd", users }),
    startRegistry({ mode: "token", users }),
  ]);
  const started = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failure = results.find((result) => result.status === "rejected");
  if (failure) {
    await Promise.all(started.map((registry) => registry.stop()));
    const reason = failure.reason instanceof Error ? failure.reason.message : String(failure.reason);
    throw new Error(`tools/registry/global-setup.ts could not start the test registries: ${reason}`, {
      cause: failure.reason,
    });
  }
  const [open, htpasswd, token] = started as [RunningRegistry, RunningRegistry, RunningRegistry];
  const tokenServer = token.tokenServer!;
  const providedToken: ProvidedTokenRegistry = {
    ...describeRegistry(token),
    realm: tokenServer.url,
    service: tokenServer.service,
    issuer: tokenServer.issuer,
  };
  project.provide("registryOpen", describeRegistry(open));
  project.provide("registryHtpasswd", describeRegistry(htpasswd));
  project.provide("registryToken", providedToken);
  return async () => {
    await Promise.all(started.map((registry) => registry.stop()));
  };
}
