import { homedir } from "node:os";
import { join } from "node:path";
import type { Environment } from "./credential-helper.js";

/** Where to look for the user's configuration files. */
export interface ConfigLocationOptions {
  /** Environment variables (`DOCKER_CONFIG`, `HOME`, `XDG_*`, `REGISTRY_AUTH_FILE`); pass `process.env`. */
  env: Environment;
  /** The home directory. Default: `env.HOME`, then the operating system's answer. */
  homeDir?: string;
}

/** The user's home directory as the options give it. */
export function resolveHomeDir(options: ConfigLocationOptions): string {
  return options.homeDir ?? options.env.HOME ?? options.env.USERPROFILE ?? homedir();
}

/**
 * The path of Docker's `config.json`: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`
 * (`spec/PROTOCOL.md` §14.1).
 *
 * @example
 * dockerConfigPath({ env: process.env }); // "/home/me/.docker/config.json"
 */
export function dockerConfigPath(options: ConfigLocationOptions): string {
  const directory = options.env.DOCKER_CONFIG;
  if (directory !== undefined && directory !== "") return join(directory, "config.json");
  return join(resolveHomeDir(options), ".docker", "config.json");
}
