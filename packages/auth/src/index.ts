export type { Auth, AuthOptions, AuthStats } from "./auth-options.js";
export { createAuth } from "./create-auth.js";
export { chainCredentials } from "./credentials/chain-credentials.js";
export { normalizeRegistryHost } from "./credentials/normalize-registry-host.js";
export { staticCredentials } from "./credentials/static-credentials.js";
