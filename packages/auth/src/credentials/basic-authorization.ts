import type { Credentials } from "@stevedore/core";

/**
 * The `Authorization` value for HTTP Basic (`spec/PROTOCOL.md` §11.1 step 3): `Basic base64(username:password)`
 * over the UTF-8 bytes. Returns `undefined` when the credentials hold no username and password.
 *
 * @example
 * basicAuthorization({ username: "me", password: "secret" }); // "Basic bWU6c2VjcmV0"
 */
export function basicAuthorization(credentials: Credentials | undefined): string | undefined {
  if (credentials?.username === undefined || credentials.username === "") return undefined;
  if (credentials.password === undefined) return undefined;
  return basicValue(credentials.username, credentials.password);
}

/** `Basic base64(user:secret)` without checks. */
export function basicValue(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`, "utf8").toString("base64")}`;
}
