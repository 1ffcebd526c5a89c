import type { Credentials } from "@stevedore/core";
import { CredentialError } from "@stevedore/core";

const fields = ["username", "password", "identityToken", "registryToken"] as const;
const headerSafeToken = /^[\x21-\x7e]+$/;

/**
 * Validates what a {@link CredentialProvider} returned for `registry`: an object of optional strings.
 * Empty usernames and tokens are dropped; an object with nothing left means "no credentials".
 *
 * @throws CredentialError naming the registry and the field, never a value.
 */
export function checkCredentials(value: unknown, registry: string): Credentials | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object") {
    throw new CredentialError(
      `the credential provider returned a ${typeof value} for ${registry}, not credentials`,
    );
  }
  const result: Credentials = {};
  for (const field of fields) {
    const fieldValue = (value as Record<string, unknown>)[field];
    if (fieldValue === undefined || fieldValue === null) continue;
    // An empty password is a password; an empty username or token is nothing.
    if (fieldValue === "" && field !== "password") continue;
    if (typeof fieldValue !== "string") {
      throw new CredentialError(
        `the credential provider returned a ${field} for ${registry} that is not a string`,
      );
    }
    result[field] = fieldValue;
  }
  if (result.registryToken !== undefined && !headerSafeToken.test(result.registryToken)) {
    throw new CredentialError(
      `the registry token for ${registry} has characters that cannot go in an HTTP header`,
    );
  }
  return Object.keys(result).length === 0 ? undefined : result;
}

/** True when both hold the same fields (the same login). */
export function sameCredentials(a: Credentials | undefined, b: Credentials | undefined): boolean {
  return fields.every((field) => a?.[field] === b?.[field]);
}
