import { staticCredentials } from "@stevedore/auth";
import { storeDockerCredentials } from "@stevedore/auth/node";
import { AuthenticationError, RegistryResponseError, UsageError } from "@stevedore/core";
import type { CredentialStoreResult } from "./client.js";
import type { ClientContext } from "./client-context.js";
import { createClientTransport } from "./create-client-transport.js";
import { parseRegistry } from "./parse-registry.js";
import { pingRegistry } from "./ping-registry.js";

/**
 * `docker login`: checks `username` and `password` with a ping that uses exactly them — through a
 * throwaway transport and auth that share nothing with the client's, so neither cached tokens nor stored
 * credentials can make a wrong password look right — then stores them in Docker's config (or its
 * credential helper) and makes the client forget what it had looked up.
 *
 * A registry that answers the ping without asking for credentials accepts the login unchecked, as
 * `docker login` does.
 *
 * @throws AuthenticationError when the registry or its token service refuses the credentials.
 * @throws UsageError for an invalid registry, an empty username or password.
 */
export async function login(
  context: ClientContext,
  registry: string,
  username: string,
  password: string,
  options: { signal?: AbortSignal } = {},
): Promise<CredentialStoreResult> {
  context.checkOpen();
  const { name, host } = parseRegistry(registry);
  if (typeof username !== "string" || username === "") throw new UsageError("login needs a username");
  if (username.includes(":")) throw new UsageError("a username cannot contain ':'");
  if (typeof password !== "string" || password === "") throw new UsageError("login needs a password");
  const probe = createClientTransport({
    ...context.options,
    credentials: staticCredentials({ [host]: { username, password } }),
  });
  try {
    await pingRegistry(probe.transport, host, options.signal);
  } catch (error) {
    if (RegistryResponseError.isInstance(error) && error.status === 401) {
      throw new AuthenticationError(host, "the registry refused the credentials", { cause: error });
    }
    throw error;
  } finally {
    await probe.close();
  }
  const stored = await storeDockerCredentials({
    env: context.options.env,
    registry: name,
    username,
    password,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  context.connection.clearAuth();
  return { file: stored.file, ...(stored.helper === undefined ? {} : { helper: stored.helper }) };
}
