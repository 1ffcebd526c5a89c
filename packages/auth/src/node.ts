export type { CredentialHelperOptions, Environment } from "./credentials/credential-helper.js";
export type { DockerConfigCredentialsOptions } from "./credentials/docker-config-credentials.js";
export { dockerConfigCredentials } from "./credentials/docker-config-credentials.js";
export type { ConfigLocationOptions } from "./credentials/docker-config-path.js";
export type {
  DockerCredentialStoreResult,
  EraseDockerCredentialsOptions,
  StoreDockerCredentialsOptions,
} from "./credentials/docker-credential-store.js";
export { eraseDockerCredentials, storeDockerCredentials } from "./credentials/docker-credential-store.js";
export type { PodmanCredentialsOptions } from "./credentials/podman-credentials.js";
export { podmanCredentials } from "./credentials/podman-credentials.js";
