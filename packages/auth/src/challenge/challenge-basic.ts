import type { AuthRequest } from "@stevedore/core";
import { AuthenticationError, withSignal } from "@stevedore/core";
import type { AuthState, HostState } from "../auth-state.js";
import { mayUsePlainHttp } from "../auth-state.js";
import { basicAuthorization } from "../credentials/basic-authorization.js";
import { credentialsFor, reloadCredentials } from "../credentials/credentials-for.js";

/**
 * Learns a Basic challenge: true when the host's credentials (new ones, after a refusal) can be sent. Never
 * sends a password over plain HTTP unless loopback, listed, or allowed by the transport for the origin.
 *
 * @throws AuthenticationError when the password would go unencrypted.
 */
export async function challengeBasic(
  state: AuthState,
  request: AuthRequest,
  previous: HostState | undefined,
): Promise<boolean> {
  const host = request.url.host;
  const credentials = await credentialsFor(state, host, request.signal);
  const header = basicAuthorization(credentials);
  if (header === undefined) {
    state.hosts.set(host, { scheme: "basic" });
    state.debug(`auth: ${host} asks for Basic credentials and none are configured`);
    return false;
  }
  if (!mayUsePlainHttp(state, request)) {
    throw new AuthenticationError(
      host,
      "the registry asks for Basic credentials over plain HTTP; refusing to send the password unencrypted " +
        `(allow it with plainHttpHosts: ["${host}"] if this is intended)`,
    );
  }
  state.hosts.set(host, { scheme: "basic" });
  const known = state.sent.get(request);
  const sentHeader = known !== undefined ? known.header : previous?.scheme === "basic" ? header : undefined;
  if (sentHeader !== header) return true;
  const reloaded = basicAuthorization(await withSignal(reloadCredentials(state, host), request.signal));
  if (reloaded === undefined || reloaded === header) {
    state.debug(`auth: ${host} refused the Basic credentials`);
    return false;
  }
  return true;
}
