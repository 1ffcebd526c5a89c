import { readFile } from "node:fs/promises";
import { CredentialError, errorCode, UsageError } from "@stevedore/core";
import type { CredentialHelperOptions } from "./credential-helper.js";
import { credentialHelperErase, credentialHelperStore } from "./credential-helper.js";
import { helperFor } from "./credentials-from-auth-file.js";
import type { ConfigLocationOptions } from "./docker-config-path.js";
import { dockerConfigPath } from "./docker-config-path.js";
import { dockerConfigKey, normalizeRegistryHost } from "./normalize-registry-host.js";
import type { AuthFile } from "./parse-auth-file.js";
import { parseAuthFile } from "./parse-auth-file.js";
import { writeFileAtomic } from "./write-file-atomic.js";

/** Options of {@link storeDockerCredentials}. */
export interface StoreDockerCredentialsOptions extends ConfigLocationOptions {
  /** The registry host (`ghcr.io`, `localhost:5000`; Docker Hub aliases are stored under Docker's Hub key). */
  registry: string;
  username?: string;
  password?: string;
  /** An OAuth2 refresh token to store instead of a password (Docker's `identitytoken`). */
  identityToken?: string;
  /** Milliseconds a credential helper may take. Default 30 000. */
  helperTimeout?: number;
  signal?: AbortSignal;
}

/** Options of {@link eraseDockerCredentials}. */
export interface EraseDockerCredentialsOptions extends ConfigLocationOptions {
  registry: string;
  helperTimeout?: number;
  signal?: AbortSignal;
}

/** Where credentials were stored or erased. */
export interface DockerCredentialStoreResult {
  /** The `config.json` that was read (and written, when it changed). */
  file: string;
  /** The helper suffix (`desktop`, `pass` …) when a credential helper holds the secret. */
  helper?: string;
  /** For erase: whether anything was removed from the file or the helper was asked to erase. */
  changed: boolean;
}

/**
 * Saves credentials for `registry` the way `docker login` does (`spec/PROTOCOL.md` §14): through the
 * registry's credential helper (`credHelpers`, else `credsStore`) with `store`, keeping an empty placeholder in
 * `auths`; otherwise as a base64 `auth` entry in `config.json`, written atomically with mode 0600. Other fields of
 * the file are kept.
 *
 * @throws CredentialError when the config file is malformed (it is then left alone) or the helper fails.
 * @example
 * await storeDockerCredentials({ env: process.env, registry: "ghcr.io", username: "me", password });
 */
export async function storeDockerCredentials(
  options: StoreDockerCredentialsOptions,
): Promise<DockerCredentialStoreResult> {
  const { username, password, identityToken } = options;
  if (identityToken === undefined && (username === undefined || username === "" || password === undefined)) {
    throw new UsageError("storeDockerCredentials needs a username and password, or an identity token");
  }
  if (username?.includes(":")) throw new UsageError("a username cannot contain ':'");
  const path = dockerConfigPath(options);
  const file = await readConfig(path);
  const key = dockerConfigKey(options.registry);
  const { auths } = removeEntries(file, options.registry);
  const helper = helperFor(file, options.registry);
  if (helper !== undefined) {
    await credentialHelperStore(
      helper,
      identityToken === undefined
        ? { serverUrl: key, username: username as string, secret: password as string }
        : { serverUrl: key, username: "<token>", secret: identityToken },
      helperOptions(options),
    );
    auths[key] = {};
  } else {
    const entry: Record<string, string> = {};
    if (username !== undefined && username !== "") {
      entry.auth = Buffer.from(`${username}:${identityToken === undefined ? (password ?? "") : ""}`).toString(
        "base64",
      );
    }
    if (identityToken !== undefined) entry.identitytoken = identityToken;
    auths[key] = entry;
  }
  await writeFileAtomic(path, `${JSON.stringify({ ...file.document, auths }, null, "\t")}\n`);
  return { file: path, ...(helper === undefined ? {} : { helper }), changed: true };
}

/**
 * Removes the credentials of `registry` the way `docker logout` does: `erase` through its credential helper
 * when one is configured, and its entries (under any equivalent key) from `auths` in `config.json`.
 *
 * @throws CredentialError when the config file is malformed or the helper fails.
 * @example
 * await eraseDockerCredentials({ env: process.env, registry: "ghcr.io" });
 */
export async function eraseDockerCredentials(
  options: EraseDockerCredentialsOptions,
): Promise<DockerCredentialStoreResult> {
  const path = dockerConfigPath(options);
  const file = await readConfig(path);
  const helper = helperFor(file, options.registry);
  if (helper !== undefined) {
    await credentialHelperErase(helper, dockerConfigKey(options.registry), helperOptions(options));
  }
  const { auths, removed } = removeEntries(file, options.registry);
  if (removed) await writeFileAtomic(path, `${JSON.stringify({ ...file.document, auths }, null, "\t")}\n`);
  return {
    file: path,
    ...(helper === undefined ? {} : { helper }),
    changed: removed || helper !== undefined,
  };
}

async function readConfig(path: string): Promise<AuthFile> {
  let text = "";
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = errorCode(error);
    if (code !== "ENOENT") {
      throw new CredentialError(`cannot read credentials file ${path} (${code ?? "unknown error"})`, {
        cause: error,
      });
    }
  }
  return parseAuthFile(text, path);
}

/** The document's `auths` without any key that names `registry` (Docker keeps one entry per registry). */
function removeEntries(
  file: AuthFile,
  registry: string,
): { auths: Record<string, unknown>; removed: boolean } {
  const original = file.document.auths;
  const auths: Record<string, unknown> =
    typeof original === "object" && original !== null ? { ...(original as Record<string, unknown>) } : {};
  const host = normalizeRegistryHost(registry);
  let removed = false;
  for (const key of Object.keys(auths)) {
    if (normalizeRegistryHost(key) === host) {
      delete auths[key];
      removed = true;
    }
  }
  return { auths, removed };
}

function helperOptions(options: {
  env: ConfigLocationOptions["env"];
  helperTimeout?: number;
  signal?: AbortSignal;
}): CredentialHelperOptions {
  return {
    env: options.env,
    ...(options.helperTimeout === undefined ? {} : { timeout: options.helperTimeout }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}
