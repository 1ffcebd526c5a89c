import { createHash, timingSafeEqual } from "node:crypto";
import { UsageError } from "@stevedore/core";
import { isBcryptHash, verifyBcrypt } from "./bcrypt.js";

/** Checks a user's password against an htpasswd file. */
export type PasswordCheck = (user: string, password: string) => boolean;

/**
 * Reads the contents of an htpasswd file (`user:hash` per line; blank lines and `#` comments skipped).
 * Supported hashes: bcrypt (`htpasswd -B`, `$2y$…`, what distribution requires) and `{SHA}`
 * (`htpasswd -s`). MD5-crypt (`$apr1$`), crypt(3) and plain text are refused with a `UsageError` naming
 * the line, never the hash.
 *
 * @example
 * ```ts
 * const check = parseHtpasswd(await readFile("auth/htpasswd", "utf8"));
 * check("alice", "s3cret"); // true or false
 * ```
 */
export function parseHtpasswd(contents: string): PasswordCheck {
  if (typeof contents !== "string") throw new UsageError("htpasswd contents must be a string");
  const users = new Map<string, string>();
  contents.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const colon = line.indexOf(":");
    if (colon < 1) throw new UsageError(`htpasswd line ${index + 1} is not user:hash`);
    const hash = line.slice(colon + 1);
    if (!isBcryptHash(hash) && !hash.startsWith("{SHA}")) {
      throw new UsageError(
        `htpasswd line ${index + 1} uses a hash this server cannot check: use bcrypt (htpasswd -B) or {SHA}`,
      );
    }
    users.set(line.slice(0, colon), hash);
  });
  return (user, password) => {
    const hash = users.get(user);
    if (hash === undefined) return false;
    if (hash.startsWith("{SHA}")) {
      const expected = Buffer.from(hash.slice(5));
      const actual = Buffer.from(createHash("sha1").update(password, "utf8").digest("base64"));
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    }
    return verifyBcrypt(password, hash);
  };
}
