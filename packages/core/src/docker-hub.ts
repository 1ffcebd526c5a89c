/**
 * Docker Hub's names (`spec/PROTOCOL.md` §15). References say `docker.io`; requests go to
 * `registry-1.docker.io`; Docker's credential store files Hub logins under `https://index.docker.io/v1/`.
 */
export const DockerHub = {
  /** The registry name references use, and the default when a reference names none. */
  registry: "docker.io",
  /** The host that serves the `/v2/` API. */
  host: "registry-1.docker.io",
  /** The key of Hub credentials in Docker's `config.json` and credential helpers (§14.2). */
  credentialKey: "https://index.docker.io/v1/",
  /** The namespace of official images: `ubuntu` is `docker.io/library/ubuntu`. */
  officialNamespace: "library",
} as const;

/** Other spellings of Docker Hub that references normalise to `docker.io`. */
export const dockerHubAliases: readonly string[] = ["docker.io", "index.docker.io", "registry-1.docker.io"];
