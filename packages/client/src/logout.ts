import { eraseDockerCredentials } from "@stevedore/auth/node";
import type { CredentialStoreResult } from "./client.js";
import type { ClientContext } from "./client-context.js";
import { parseRegistry } from "./parse-registry.js";

/**
 * `docker logout`: erases the registry's credentials through its credential helper, if one is configured,
 * and from `auths` in Docker's config; the client then forgets its tokens and looked-up credentials.
 *
 * @throws UsageError for an invalid registry; CredentialError when the config is malformed or the helper fails.
 */
export async function logout(
  context: ClientContext,
  registry: string,
): Promise<CredentialStoreResult & { changed: boolean }> {
  context.checkOpen();
  const { name } = parseRegistry(registry);
  const erased = await eraseDockerCredentials({ env: context.options.env, registry: name });
  context.connection.clearAuth();
  return {
    file: erased.file,
    ...(erased.helper === undefined ? {} : { helper: erased.helper }),
    changed: erased.changed,
  };
}
