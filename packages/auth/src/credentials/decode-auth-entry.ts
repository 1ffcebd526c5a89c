import type { Credentials } from "@stevedore/core";
import { CredentialError } from "@stevedore/core";
import type { AuthFileEntry } from "./parse-auth-file.js";
import { describeKey } from "./parse-auth-file.js";

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Turns an `auths` entry into credentials (`spec/PROTOCOL.md` §14.2): `auth` is base64 of `user:password`,
 * split at the first `:` (passwords may contain `:`), trailing NULs stripped; separate `username`/`password`
 * fields are accepted too; `identitytoken` and `registrytoken` are kept. An empty entry (`{}`, the placeholder
 * Docker keeps when a helper holds the secret) gives `undefined`.
 *
 * @throws CredentialError naming the file and the entry, never its content, when `auth` does not decode.
 */
export function decodeAuthEntry(entry: AuthFileEntry, source: string, key: string): Credentials | undefined {
  const fail = (reason: string): never => {
    throw new CredentialError(
      `malformed credentials file ${source}: the auth field of ${describeKey(key)} ${reason}`,
    );
  };
  const credentials: Credentials = {};
  const auth = entry.auth?.trim();
  if (auth !== undefined && auth !== "") {
    if (!base64.test(auth) || auth.length % 4 === 1) fail("is not base64");
    const decoded = Buffer.from(auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon === -1) fail("is not base64 of username:password");
    if (colon === 0) fail("has an empty username");
    credentials.username = decoded.slice(0, colon);
    credentials.password = decoded.slice(colon + 1).replace(/\0+$/, "");
  } else if (entry.username !== undefined && entry.username !== "") {
    credentials.username = entry.username;
    if (entry.password !== undefined) credentials.password = entry.password;
  }
  if (entry.identitytoken !== undefined && entry.identitytoken !== "") {
    credentials.identityToken = entry.identitytoken;
  }
  if (entry.registrytoken !== undefined && entry.registrytoken !== "") {
    credentials.registryToken = entry.registrytoken;
  }
  return Object.keys(credentials).length === 0 ? undefined : credentials;
}
