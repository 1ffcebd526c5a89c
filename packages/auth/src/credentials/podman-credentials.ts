import { join } from "node:path";
import type { CredentialProvider, Credentials } from "@stevedore/core";
import { credentialsFromAuthFile } from "./credentials-from-auth-file.js";
import type { ConfigLocationOptions } from "./docker-config-path.js";
import { resolveHomeDir } from "./docker-config-path.js";
import { readAuthFile } from "./read-auth-file.js";

/** Options of {@link podmanCredentials}. */
export interface PodmanCredentialsOptions extends ConfigLocationOptions {
  /** Milliseconds a credential helper named in `credHelpers` may take. Default 30 000. */
  helperTimeout?: number;
}

/**
 * The files podman, buildah and skopeo read, in their order: `$REGISTRY_AUTH_FILE` alone when set, otherwise
 * `$XDG_RUNTIME_DIR/containers/auth.json`, then `$XDG_CONFIG_HOME/containers/auth.json`
 * (`~/.config/containers/auth.json`).
 */
export function podmanAuthFilePaths(options: ConfigLocationOptions): string[] {
  const { env } = options;
  if (env.REGISTRY_AUTH_FILE !== undefined && env.REGISTRY_AUTH_FILE !== "") return [env.REGISTRY_AUTH_FILE];
  const paths: string[] = [];
  if (env.XDG_RUNTIME_DIR !== undefined && env.XDG_RUNTIME_DIR !== "") {
    paths.push(join(env.XDG_RUNTIME_DIR, "containers", "auth.json"));
  }
  const configHome = env.XDG_CONFIG_HOME || join(resolveHomeDir(options), ".config");
  paths.push(join(configHome, "containers", "auth.json"));
  return paths;
}

/**
 * Reads credentials from podman's `auth.json` files (same format as Docker's `config.json`; keys are hosts such
 * as `docker.io` or `quay.io`). The first file with an answer for the registry wins. Entries for a single
 * repository (`quay.io/team/app`) are skipped, since only the host is known here.
 *
 * @throws CredentialError (from `get`) naming the file when it is malformed or a helper fails.
 * @example
 * const credentials = chainCredentials([podmanCredentials({ env: process.env }), dockerConfigCredentials({ env: process.env })]);
 */
export function podmanCredentials(options: PodmanCredentialsOptions): CredentialProvider {
  return {
    async get(registry, callOptions): Promise<Credentials | undefined> {
      for (const path of podmanAuthFilePaths(options)) {
        const file = await readAuthFile(path);
        if (file === undefined) continue;
        const credentials = await credentialsFromAuthFile(file, registry, {
          env: options.env,
          pathKeys: false,
          ...(options.helperTimeout === undefined ? {} : { timeout: options.helperTimeout }),
          ...(callOptions?.signal === undefined ? {} : { signal: callOptions.signal }),
        });
        if (credentials !== undefined) return credentials;
      }
      return undefined;
    },
  };
}
