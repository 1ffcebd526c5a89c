export type { Auth, AuthOptions, AuthStats } from "./auth-options.js";
export type { Challenge } from "./challenge/parse-www-authenticate.js";
export { parseWwwAuthenticate } from "./challenge/parse-www-authenticate.js";
export { createAuth } from "./create-auth.js";
export { basicAuthorization } from "./credentials/basic-authorization.js";
export { chainCredentials } from "./credentials/chain-credentials.js";
export {
  dockerConfigKey,
  dockerHubConfigKey,
  normalizeRegistryHost,
} from "./credentials/normalize-registry-host.js";
export { staticCredentials } from "./credentials/static-credentials.js";
export { mergeScopes } from "./token/merge-scopes.js";
