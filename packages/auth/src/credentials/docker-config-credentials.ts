import type { CredentialProvider, Credentials } from "@stevedore/core";
import { credentialsFromAuthFile } from "./credentials-from-auth-file.js";
import { decodeAuthEntry } from "./decode-auth-entry.js";
import type { ConfigLocationOptions } from "./docker-config-path.js";
import { dockerConfigPath } from "./docker-config-path.js";
import { parseAuthFile } from "./parse-auth-file.js";
import { readAuthFile } from "./read-auth-file.js";
import { selectEntry } from "./select-entry.js";

/** Options of {@link dockerConfigCredentials}. */
export interface DockerConfigCredentialsOptions extends ConfigLocationOptions {
  /** Milliseconds a credential helper may take. Default 30 000. */
  helperTimeout?: number;
}

/**
 * Reads credentials the way the Docker CLI does (`spec/PROTOCOL.md` §14): `DOCKER_AUTH_CONFIG` first (its
 * `auths`), then `config.json` in `$DOCKER_CONFIG` or `~/.docker` — `credHelpers` for the registry, else
 * `credsStore`, else the `auths` entry (`auth`, `username`/`password`, `identitytoken`, `registrytoken`).
 * Keys may be bare hosts or URLs (`https://host/v1/`); Docker Hub is `https://index.docker.io/v1/`. The file is
 * read on every call, so a `docker login` in between is seen. Helpers run with `env` (their `PATH`).
 *
 * @throws CredentialError (from `get`) naming the file when it is malformed or a helper fails.
 * @example
 * const auth = createAuth({ credentials: dockerConfigCredentials({ env: process.env }) });
 */
export function dockerConfigCredentials(options: DockerConfigCredentialsOptions): CredentialProvider {
  const path = dockerConfigPath(options);
  return {
    async get(registry, callOptions): Promise<Credentials | undefined> {
      const inline = options.env.DOCKER_AUTH_CONFIG;
      if (inline !== undefined && inline.trim() !== "") {
        const file = parseAuthFile(inline, "DOCKER_AUTH_CONFIG");
        const found = selectEntry(file.auths, registry, { pathKeys: true });
        // Only `auth` is honoured there (Docker's rule).
        const credentials = found && decodeAuthEntry({ auth: found[1].auth ?? "" }, file.source, found[0]);
        if (credentials !== undefined) return credentials;
      }
      const file = await readAuthFile(path);
      if (file === undefined) return undefined;
      return credentialsFromAuthFile(file, registry, {
        env: options.env,
        pathKeys: true,
        ...(options.helperTimeout === undefined ? {} : { timeout: options.helperTimeout }),
        ...(callOptions?.signal === undefined ? {} : { signal: callOptions.signal }),
      });
    },
  };
}
