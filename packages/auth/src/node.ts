export type { CredentialHelperOptions, Environment } from "./credential-helper.js";
export { credentialHelperErase, credentialHelperGet, credentialHelperStore } from "./credential-helper.js";
export type { DockerConfigCredentialsOptions } from "./docker-config-credentials.js";
export { dockerConfigCredentials } from "./docker-config-credentials.js";
export type { ConfigLocationOptions } from "./docker-config-path.js";
export { dockerConfigPath } from "./docker-config-path.js";
export type {
  DockerCredentialStoreResult,
  EraseDockerCredentialsOptions,
  StoreDockerCredentialsOptions,
} from "./docker-credential-store.js";
export { eraseDockerCredentials, storeDockerCredentials } from "./docker-credential-store.js";
export type { PodmanCredentialsOptions } from "./podman-credentials.js";
export { podmanAuthFilePaths, podmanCredentials } from "./podman-credentials.js";
