import type { Credentials } from "@stevedore/core";
import type { CredentialHelperOptions } from "./credential-helper.js";
import { credentialHelperGet } from "./credential-helper.js";
import { decodeAuthEntry } from "./decode-auth-entry.js";
import { dockerConfigKey } from "./normalize-registry-host.js";
import type { AuthFile } from "./parse-auth-file.js";
import { selectEntry } from "./select-entry.js";

/** Options of {@link credentialsFromAuthFile}. */
export interface CredentialsFromAuthFileOptions extends CredentialHelperOptions {
  /** Whether `auths` keys with a path but no scheme match their host (Docker: yes; podman: no). */
  pathKeys: boolean;
}

/**
 * Looks `registry` up in a parsed credentials file the way Docker does (`spec/PROTOCOL.md` §14.2): the
 * registry's `credHelpers` entry, else `credsStore`, else the `auths` entry. A helper that answers "credentials
 * not found" gives `undefined` (anonymous).
 */
export async function credentialsFromAuthFile(
  file: AuthFile,
  registry: string,
  options: CredentialsFromAuthFileOptions,
): Promise<Credentials | undefined> {
  const selectOptions = { pathKeys: options.pathKeys };
  const helper = selectEntry(file.credHelpers, registry, selectOptions)?.[1] ?? file.credsStore;
  if (helper !== undefined) return credentialHelperGet(helper, dockerConfigKey(registry), options);
  const found = selectEntry(file.auths, registry, selectOptions);
  if (found === undefined) return undefined;
  const [key, entry] = found;
  return decodeAuthEntry(entry, file.source, key);
}

/** The helper that holds the credentials of `registry` in this file, if any. */
export function helperFor(file: AuthFile, registry: string): string | undefined {
  return selectEntry(file.credHelpers, registry, { pathKeys: true })?.[1] ?? file.credsStore;
}
