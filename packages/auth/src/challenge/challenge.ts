import type { AuthRequest } from "@stevedore/core";
import { InvalidHeaderError } from "@stevedore/core";
import type { AuthState } from "../auth-state.js";
import { scopesFor } from "../auth-state.js";
import { challengeBasic } from "./challenge-basic.js";
import { challengeBearer } from "./challenge-bearer.js";
import type { Challenge } from "./parse-www-authenticate.js";
import { parseWwwAuthenticate } from "./parse-www-authenticate.js";

/**
 * Learns from a 401's `WWW-Authenticate` values: a Bearer challenge with a realm wins over Basic; true when a
 * replay may now succeed.
 *
 * @throws InvalidHeaderError for a Bearer challenge without realm, or when every value is junk.
 */
export async function challenge(
  state: AuthState,
  request: AuthRequest,
  values: readonly string[],
): Promise<boolean> {
  state.counters.challenges++;
  const challenges = parseAll(values);
  const bearer = challenges.find((c) => c.scheme === "bearer" && c.parameters.realm !== undefined);
  const basic = challenges.find((c) => c.scheme === "basic");
  const host = request.url.host;
  if (bearer === undefined && basic === undefined) {
    if (challenges.some((c) => c.scheme === "bearer")) {
      throw new InvalidHeaderError("WWW-Authenticate", "the Bearer challenge has no realm");
    }
    state.debug(`auth: ${host} sent no Basic or Bearer challenge`);
    return false;
  }
  const previous = state.hosts.get(host);
  const previousScopes = scopesFor(state, host, request.scopes);
  if (bearer !== undefined) return challengeBearer(state, request, bearer, previous, previousScopes);
  return challengeBasic(state, request, previous);
}

function parseAll(values: readonly string[]): Challenge[] {
  const challenges: Challenge[] = [];
  let firstError: unknown;
  for (const value of values) {
    try {
      challenges.push(...parseWwwAuthenticate(value));
    } catch (error) {
      // One junk header among good ones is ignored; junk alone is reported.
      if (!InvalidHeaderError.isInstance(error)) throw error;
      firstError ??= error;
    }
  }
  if (challenges.length === 0 && firstError !== undefined) throw firstError;
  return challenges;
}
