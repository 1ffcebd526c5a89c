import type { AuthRequest } from "@stevedore/core";
import type { AuthState } from "./auth-state.js";
import { cacheKey, mayUsePlainHttp, scopesFor } from "./auth-state.js";
import { basicAuthorization } from "./credentials/basic-authorization.js";
import { credentialsFor } from "./credentials/credentials-for.js";
import { tokenFor } from "./token/token-for.js";

/**
 * The `Authorization` header for `request` from what the host's challenge taught: Basic credentials, a
 * registry token, or a Bearer token for the request's scopes; nothing before any challenge (anonymous first).
 * Remembers what it gave, so `challenge` knows which credential a 401 refused.
 */
export async function authorize(state: AuthState, request: AuthRequest): Promise<string | undefined> {
  const host = request.url.host;
  const learned = state.hosts.get(host);
  let header: string | undefined;
  let key: string | undefined;
  let withCredentials = false;
  if (learned?.scheme === "basic") {
    // Never a password in clear text, even to a host whose challenge arrived over HTTPS.
    if (mayUsePlainHttp(state, request)) {
      header = basicAuthorization(await credentialsFor(state, host, request.signal));
      withCredentials = header !== undefined;
    }
  } else if (learned?.scheme === "bearer") {
    const credentials = await credentialsFor(state, host, request.signal);
    if (credentials?.registryToken !== undefined) {
      header = `Bearer ${credentials.registryToken}`;
      withCredentials = true;
    } else {
      const scopes = scopesFor(state, host, request.scopes);
      key = cacheKey(host, learned, scopes);
      const entry = await tokenFor(state, host, learned, scopes, request);
      header = `Bearer ${entry.token}`;
      withCredentials = entry.credentials !== undefined;
    }
  }
  state.sent.set(request, { header, key, withCredentials });
  return header;
}
